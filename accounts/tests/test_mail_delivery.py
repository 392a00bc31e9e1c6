"""Sign-up and recovery answer at once when the mail server is down; the mail arrives later, once."""

import threading

from django.core.management import call_command
from django.test import Client

from accounts import selectors
from conftest import post
from ocipizza.mail.outbox import TABLE
from ocipizza.nosql import Query

from .conftest import signup_data


def test_signup_with_smtp_down_succeeds_and_the_mail_arrives_once_later(client, smtp_server, nosql_store):
    smtp_server.stop()
    response = post(client, "/conta/cadastro/", signup_data())
    assert response.status_code == 302  # the failed attempt after the response never reached the view
    assert selectors.customer_get_by_email(email="ana@example.com") is not None
    [row] = list(nosql_store.iterate(Query(TABLE)))
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"]
    assert post(client, "/conta/senha/recuperar/", {"email": "ana@example.com"}).status_code == 302

    smtp_server.start()
    barrier = threading.Barrier(2)

    def sender():
        barrier.wait()
        call_command("send_outbox", "--now")

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    call_command("send_outbox", "--now")
    # Each send_outbox returns once the server has accepted its messages: what arrived is all there is.
    received = smtp_server.messages
    assert sorted(m["Subject"] for m in received) == [
        "Confirme seu e-mail na OCI PIZZA",
        "Crie uma nova senha na OCI PIZZA",
    ]
    assert all(m["To"] == "ana@example.com" for m in received)
    assert {r["status"] for r in nosql_store.iterate(Query(TABLE))} == {"sent"}


def test_with_smtp_up_the_mail_goes_out_right_after_the_response(client, smtp_server):
    post(client, "/conta/cadastro/", signup_data())
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Confirme seu e-mail na OCI PIZZA"
    body = message.get_body(("plain",)).get_content()
    assert "/conta/confirmar/" in body


def test_after_a_failed_attempt_the_web_workers_stop_trying_for_a_while(client, smtp_server, nosql_store):
    smtp_server.stop()
    post(client, "/conta/cadastro/", signup_data())
    post(Client(enforce_csrf_checks=True), "/conta/cadastro/", signup_data(email="bia@example.com"))
    attempts = sorted(r["attempts"] for r in nosql_store.iterate(Query(TABLE)))
    assert attempts == [0, 1]  # the second sign-up did not wait on a dead server
    smtp_server.start()
    call_command("send_outbox", "--now")
    assert len(smtp_server.messages) == 2
