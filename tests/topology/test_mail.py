"""The topology's outbox sender delivers through real SMTP (the aiosmtpd sink's Maildir)."""

import pytest

from .conftest import wait_until

pytestmark = pytest.mark.system


def test_the_outbox_sender_delivers_the_queued_mail(topology):
    # Signing the customers up queued one confirmation e-mail each; the sender delivers them.
    inbox = topology.folder / "mail" / "new"
    expected = {user["email"] for user in topology.customers["users"]}

    def delivered() -> set[str]:
        found = set()
        for message in inbox.iterdir() if inbox.exists() else ():
            text = message.read_text(errors="replace")
            found |= {email for email in expected if email in text}
        return found

    assert wait_until(lambda: delivered() == expected, timeout=30, what="every confirmation e-mail delivered")
