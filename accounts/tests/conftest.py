"""Helpers for the account tests: links from e-mails, sign-up data, hasher call counts (the CSRF-enforcing
``client`` and ``post`` are the root conftest's)."""

import re

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail

from conftest import ARGON2, CUSTOMER_PASSWORD

STRONG_PASSWORD = "borda-recheada-de-catupiry"
LINK = re.compile(r"https?://\S+")


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page_text(response, *emails: str) -> str:
    """The body with CSRF tokens and the given addresses blanked, to compare two answers."""
    body = CSRF_INPUT.sub("csrf", response.content.decode())
    for address in emails:
        body = body.replace(address, "EMAIL")
    return body


def links(message) -> list[str]:
    return LINK.findall(message.body)


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def signup_data(**overrides) -> dict:
    return {
        "name": "Ana Lima",
        "email": "ana@example.com",
        "telephone": "(21) 99876-5432",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "privacy": "on",
        **overrides,
    }


@pytest.fixture
def token_clock(monkeypatch):
    """``token_clock(moment)`` sets the clock that confirmation and reset links expire by
    (``accounts.services._shared.clock``) to ``moment``, and nothing else's."""
    from accounts.services import _shared

    def set_to(moment):
        monkeypatch.setattr(_shared, "clock", lambda: moment)

    return set_to


@pytest.fixture
def hasher_calls(monkeypatch, password_hasher):
    """Counts every Argon2 hash computed (encode) or checked (verify); both still do their real work.

    Only for tests marked ``argon2``: under the fast test hasher nothing would be counted, and a count of
    zero would pass for the wrong reason.
    """
    assert password_hasher == ARGON2, "hasher_calls counts Argon2: mark the test @pytest.mark.argon2"
    calls = {"encode": 0, "verify": 0}
    encode, verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def counting_encode(self, *args, **kwargs):
        calls["encode"] += 1
        return encode(self, *args, **kwargs)

    def counting_verify(self, *args, **kwargs):
        calls["verify"] += 1
        return verify(self, *args, **kwargs)

    monkeypatch.setattr(Argon2PasswordHasher, "encode", counting_encode)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", counting_verify)
    return calls


__all__ = ["CUSTOMER_PASSWORD", "STRONG_PASSWORD", "links", "mails_to", "page_text", "signup_data"]
