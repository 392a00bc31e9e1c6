"""Login throttling that slows a stranger down without locking the owner out (issue 16, item 1).

The growing lockouts themselves are tested in ocipizza/tests/test_ratelimit.py, with a clock."""

import pytest
from django.core import mail
from django.test import Client

from accounts.sessions import SESSION_CUSTOMER
from conftest import post

from .conftest import CUSTOMER_PASSWORD, links, page_text

NEW_PASSWORD = "massa-de-longa-fermentacao"


def device(address: str) -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def login(client, email, password=CUSTOMER_PASSWORD):
    return post(client, "/conta/entrar/", {"email": email, "password": password})


def lock_out(client, email) -> None:
    """Guess wrong from ``client`` until it is refused."""
    for _ in range(10):
        if login(client, email, "chute-errado-123").status_code == 429:
            return
    raise AssertionError("never throttled")


@pytest.mark.argon2
def test_a_stranger_guessing_cannot_lock_the_owner_out_of_their_own_device(customer, hasher_calls):
    stranger, owner = device("198.51.100.66"), device("203.0.113.10")
    lock_out(stranger, "maria@example.com")
    verified = hasher_calls["verify"]
    again = login(stranger, "maria@example.com", CUSTOMER_PASSWORD)  # even the right password waits there
    assert again.status_code == 429 and "Muitas tentativas. Espere" in again.content.decode()
    assert hasher_calls["verify"] == verified  # refused before the hasher
    assert login(owner, "maria@example.com").status_code == 302
    assert owner.session[SESSION_CUSTOMER] == customer.id


def test_the_per_account_ceiling_stops_a_guess_spread_over_many_addresses(customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (4, 3600)}
    for n in range(4):
        assert login(device(f"198.51.100.{n}"), "maria@example.com", "chute-errado").status_code == 200
    assert login(device("203.0.113.10"), "maria@example.com").status_code == 429


def test_the_throttled_answer_is_the_same_for_known_and_unknown_addresses(customer):
    stranger = device("198.51.100.66")
    lock_out(stranger, "maria@example.com")
    lock_out(stranger, "ninguem@example.com")
    known = login(stranger, "maria@example.com")
    unknown = login(stranger, "ninguem@example.com")
    assert known.status_code == unknown.status_code == 429
    assert page_text(known, "maria@example.com") == page_text(unknown, "ninguem@example.com")


def test_a_password_reset_clears_every_lockout_of_the_account(customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (3, 3600)}
    owner = device("203.0.113.10")
    lock_out(owner, "maria@example.com")  # the owner's own typos, and the ceiling, both reached
    assert login(device("203.0.113.11"), "maria@example.com").status_code == 429
    mail.outbox.clear()
    post(owner, "/conta/senha/recuperar/", {"email": "maria@example.com"})
    link = next(u for m in mail.outbox for u in links(m) if "/conta/senha/redefinir/" in u)
    form = owner.get(link.removeprefix("http://testserver"), follow=True)
    target = form.redirect_chain[-1][0] if form.redirect_chain else link.removeprefix("http://testserver")
    done = post(owner, target, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert login(owner, "maria@example.com", NEW_PASSWORD).status_code == 302
