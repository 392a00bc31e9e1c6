"""The outbox against a real SMTP server (aiosmtpd); the Fn path is in test_fn_function.py."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from ocipizza.mail import mail_enqueue, outbox_deliver, outbox_get, outbox_send_due
from ocipizza.mail.dispatchers import _permanent_http
from ocipizza.mail.outbox import SENDING, TABLE
from ocipizza.nosql import store


def enqueue(to="cliente@example.com", **context):
    return mail_enqueue(
        to=to,
        template="password_changed",
        context={"name": "Ana", "reset_link": "http://testserver/conta/senha/recuperar/", **context},
    )


def test_enqueue_stores_the_rendered_message_and_sends_nothing_yet():
    message_id = enqueue()
    message = outbox_get(message_id=message_id)
    assert message.status == "pending" and message.attempts == 0
    assert message.subject == "Sua senha na OCI PIZZA foi alterada"
    assert "Olá, Ana!" in message.body and "Olá, Ana!" in message.html
    assert mail.outbox == []


def test_send_outbox_delivers_once_and_erases_the_content(smtp_server):
    message_id = enqueue()
    call_command("send_outbox")
    call_command("send_outbox")
    received = smtp_server.wait_for(1)
    assert len(received) == 1
    assert received[0]["To"] == "cliente@example.com"
    assert received[0]["X-OCIPizza-Message"] == message_id
    assert received[0]["Subject"] == "Sua senha na OCI PIZZA foi alterada"
    kinds = {part.get_content_type() for part in received[0].walk()}
    assert {"text/plain", "text/html"} <= kinds
    sent = outbox_get(message_id=message_id)
    assert sent.status == "sent" and sent.sent_at is not None
    # A confirmation or reset link must not outlive its delivery in the table.
    assert sent.body == sent.html == sent.subject == ""


def test_messages_render_in_the_language_asked_for():
    with translation.override("pt-br"):
        english = mail_enqueue(
            to="c@example.com",
            template="confirm_email",
            context={"name": "Ann", "link": "http://x/"},
            language="en",
        )
        portuguese = mail_enqueue(
            to="c@example.com", template="confirm_email", context={"name": "Ana", "link": "http://x/"}
        )
    assert '<html lang="en">' in outbox_get(message_id=english).html
    message = outbox_get(message_id=portuguese)
    assert '<html lang="pt-br">' in message.html
    assert message.subject == "Confirme seu e-mail na OCI PIZZA"  # one line, though the template ends in one


def test_mail_server_down_keeps_the_message_and_backs_off(smtp_server):
    smtp_server.stop()
    message_id = enqueue()
    before = timezone.now()
    report = outbox_send_due()
    after = timezone.now()
    assert report.retrying == [message_id]
    message = outbox_get(message_id=message_id)
    assert message.status == "pending" and message.attempts == 1
    assert "Connection refused" in message.last_error or "Errno" in message.last_error
    # The first back-off: 30 s from the failed attempt (stored as TIMESTAMP(3): to the millisecond).
    before = before.replace(microsecond=before.microsecond // 1000 * 1000)
    assert before + dt.timedelta(seconds=30) <= message.due_at <= after + dt.timedelta(seconds=30)
    # Not due yet: a normal round leaves it alone; --now does not wait for the back-off.
    smtp_server.start()
    assert outbox_send_due().sent == []
    call_command("send_outbox", "--now")
    assert len(smtp_server.wait_for(1)) == 1
    assert outbox_get(message_id=message_id).status == "sent"


def test_concurrent_senders_deliver_each_message_exactly_once(smtp_server):
    ids = {enqueue(to=f"cliente{i}@example.com") for i in range(12)}
    barrier = threading.Barrier(4)
    errors = []

    def sender():
        try:
            barrier.wait()
            outbox_send_due(batch=50)
        except Exception as e:  # surfaced below; a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    received = smtp_server.wait_for(12)
    delivered = [m["X-OCIPizza-Message"] for m in received]
    assert sorted(delivered) == sorted(ids)  # every message, none twice


def test_a_message_leased_by_a_live_sender_is_left_alone_until_the_lease_lapses(smtp_server):
    message_id = enqueue()
    row = store.get(TABLE, {"id": message_id})
    # Another sender claimed it a moment ago (and may be sending it right now).
    leased = {
        **row.value,
        "status": SENDING,
        "attempts": 1,
        "due_at": timezone.now() + dt.timedelta(minutes=2),
    }
    store.put(TABLE, leased, if_version=row.version)
    assert outbox_send_due(ignore_backoff=True).sent == []
    assert smtp_server.messages == []
    # That sender died mid-send: once its lease lapses the message goes out (the one duplicate risk).
    later = timezone.now() + dt.timedelta(minutes=3)
    assert outbox_deliver(message_id=message_id, now=later) == "sent"
    assert len(smtp_server.wait_for(1)) == 1
    assert outbox_get(message_id=message_id).attempts == 2


def test_a_refused_address_is_given_up_at_once(smtp_server):
    smtp_server.handler.refused.add("ninguem@example.com")
    message_id = enqueue(to="ninguem@example.com")
    assert outbox_send_due().failed == [message_id]
    message = outbox_get(message_id=message_id)
    assert message.status == "failed" and message.due_at is None and "550" in message.last_error
    assert outbox_send_due(ignore_backoff=True).failed == []  # never tried again


def test_send_outbox_reports_what_it_did(smtp_server, capsys):
    enqueue()
    call_command("send_outbox", "--batch", "5")
    out = capsys.readouterr().out
    assert "password_changed" in out and "1 sent" in out
    call_command("send_outbox")
    assert "nothing due" in capsys.readouterr().out


@pytest.mark.parametrize("arguments", [["--batch", "0"], ["--batch", "5000"], ["--loop", "--interval", "0"]])
def test_send_outbox_refuses_bad_options(arguments):
    with pytest.raises(CommandError):
        call_command("send_outbox", *arguments)


def test_a_chosen_message_id_makes_enqueueing_idempotent(smtp_server):
    first = mail_enqueue(
        to="a@example.com", template="account_deleted", context={"name": "A"}, message_id="order-1-2"
    )
    again = mail_enqueue(
        to="a@example.com", template="account_deleted", context={"name": "A"}, message_id="order-1-2"
    )
    assert first == again == "order-1-2"
    outbox_send_due()
    mail_enqueue(
        to="a@example.com", template="account_deleted", context={"name": "A"}, message_id="order-1-2"
    )
    assert outbox_send_due().sent == []
    assert len(smtp_server.messages) == 1


queued_by_producer = []


def producer(*, limit, progress):
    queued_by_producer.append(
        mail_enqueue(to="p@example.com", template="account_deleted", context={"name": "P"})
    )


def broken_producer(*, limit, progress):
    raise RuntimeError("orders table unreachable")


def test_send_outbox_lets_producers_queue_their_mail_first(smtp_server, settings, capsys):
    settings.MAIL_OUTBOX_PRODUCERS = [
        "ocipizza.mail.tests.test_outbox.broken_producer",
        "ocipizza.mail.tests.test_outbox.producer",
    ]
    queued_by_producer.clear()
    call_command("send_outbox")
    assert len(queued_by_producer) == 1
    assert [m["X-OCIPizza-Message"] for m in smtp_server.messages] == queued_by_producer
    assert "broken_producer failed" in capsys.readouterr().err


# Which answers of the function's invoke API give a message up (the Fn path itself: test_fn_function.py).
@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (413, True), (401, False), (403, False), (404, False), (429, False), (502, False)],
)
def test_which_answers_give_up(status, permanent):
    assert _permanent_http(status) is permanent


def test_send_outbox_loop_waits_out_a_store_outage(monkeypatch, capsys):
    """As a service (--loop), an unreachable store is waited for with growing pauses, not a crash;
    a single round still fails with the store's message."""
    from ocipizza.mail.management.commands import send_outbox
    from ocipizza.nosql import StoreUnavailable

    rounds = iter(["down", "down", "down", "up", "stop"])
    pauses = []

    def round_(self, batch, ignore_backoff):
        state = next(rounds)
        if state == "down":
            raise StoreUnavailable("Oracle NoSQL did not answer")
        if state == "stop":
            raise KeyboardInterrupt

    monkeypatch.setattr(send_outbox.Command, "round", round_)
    monkeypatch.setattr(send_outbox.time, "sleep", pauses.append)
    call_command("send_outbox", "--loop", "--interval", "1")
    assert pauses == [2, 4, 8, 1]  # back to the interval once the store answers
    assert capsys.readouterr().err.count("Trying again in") == 3

    monkeypatch.setattr(send_outbox.Command, "round", lambda *a: (_ for _ in ()).throw(StoreUnavailable("x")))
    with pytest.raises(CommandError, match="x"):
        call_command("send_outbox")
