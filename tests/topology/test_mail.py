"""E-mail under the running topology: the outbox sender hands each message to the send_mail function in
the Fn emulator (playing OCI Functions: the oci SDK's signed invoke, checked against the run's API key),
which runs it under fdk and delivers it to the SMTP sink (aiosmtpd's Maildir). With the function
stopped, orders are still placed; their e-mail waits in the outbox and goes out once it is back, by the
sender's own retry.
"""

import email
import email.policy
import re
import time

import pytest

from emulators.testing import wait_until

from .client import order_id_of

pytestmark = pytest.mark.system

# The outbox's first retry comes 30 s after a failed attempt (ocipizza/mail/outbox.py, backoff()).
FIRST_RETRY = 30


@pytest.fixture
def restored(topology):
    yield topology
    topology.restore()


def test_the_outbox_sender_delivers_the_queued_mail_through_the_function(topology):
    # Signing the customers up queued one confirmation e-mail each; the sender delivers them.
    inbox = topology.folder / "mail" / "new"
    expected = {user["email"] for user in topology.customers["users"]}

    def delivered() -> set[str]:
        found = set()
        for message in inbox.iterdir() if inbox.exists() else ():
            text = message.read_text(errors="replace")
            found |= {address for address in expected if address in text}
        return found

    assert wait_until(lambda: delivered() == expected, timeout=30, what="every confirmation e-mail delivered")
    # Through the function: the sender's log names each message, and the function's log (as Fn keeps it
    # per call) says it went to the topology's SMTP sink.
    ids = set(re.findall(r"confirm_email (\S+): sent", topology.log("mailer")))
    assert len(ids) == len(expected)
    sink = f"127.0.0.1:{topology.state['SMTP_PORT']}"
    log = "\n".join(topology.function_log())
    for message_id in ids:
        assert f"message {message_id} sent through {sink}" in log


def _order_mail_arrived(topology, recipient: str, code: str) -> bool:
    """Whether the SMTP sink holds an e-mail to ``recipient`` naming the order ``code`` (decoded)."""
    for path in (topology.folder / "mail" / "new").iterdir():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if recipient in str(message["To"]) and code in message.get_body(("plain",)).get_content():
            return True
    return False


def test_fn_down_orders_are_placed_and_their_mail_goes_out_when_it_is_back(restored):
    topology = restored
    from ocipizza.mail.outbox import outbox_get

    user = topology.customers["users"][2]
    customer = topology.signed_in(2)
    customer.add_pizza()
    topology.stop_service("functions")

    placed = customer.checkout(customer.checkout_data())
    order_id = order_id_of(placed)
    assert order_id, placed.status_code
    order = next(o for o in topology.orders_of(user["customer_id"]) if o.order_id == order_id)
    message_id = f"order-{order_id}-{len(order.history)}-order_placed"

    def failed_attempt():
        with topology.store():
            message = outbox_get(message_id=message_id)
        return message if message and message.attempts and message.status == "pending" else None

    waiting = wait_until(failed_attempt, timeout=20, what="the sender's attempt through the stopped function")
    assert waiting.last_error  # says why, for the operator
    assert not _order_mail_arrived(topology, user["email"], order.code)

    topology.start_service("functions")
    wait_until(
        lambda: _order_mail_arrived(topology, user["email"], order.code),
        timeout=FIRST_RETRY + 20,
        what="the order's e-mail sent once the function is back",
    )
    assert any(f"message {message_id} sent through" in line for line in topology.function_log())


def test_the_outbox_sender_outlives_a_store_outage(restored):
    topology = restored
    topology.stop_service("nosql")
    time.sleep(3)  # a few of the sender's rounds (--interval 1) against the stopped store
    alive = topology.running("mailer")
    topology.start_service("nosql")
    assert alive, "the outbox sender exited during the store's outage: " + topology.log("mailer")[-300:]
