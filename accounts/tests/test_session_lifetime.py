"""Customer sessions: an idle timeout, an absolute lifetime, and "sair de todos os aparelhos" (item 12)."""

import time

import pytest
from django.test import Client

from accounts.sessions import SESSION_CUSTOMER, SESSION_SEEN, SESSION_SINCE
from conftest import client_login, post

from .conftest import CUSTOMER_PASSWORD


def signed_in(client) -> bool:
    return client.get("/conta/").status_code == 200


def shift(client, **ago) -> None:
    """Pretend the session signed in / was last seen this many seconds ago."""
    session = client.session
    now = int(time.time())
    for key, seconds in ago.items():
        session[{"since": SESSION_SINCE, "seen": SESSION_SEEN}[key]] = now - seconds
    session.save()


@pytest.fixture
def browser(customer):
    client = Client(enforce_csrf_checks=True)
    response = post(client, "/conta/entrar/", {"email": "maria@example.com", "password": CUSTOMER_PASSWORD})
    assert response.status_code == 302
    return client


def test_a_session_idle_too_long_is_signed_out(browser, settings):
    shift(browser, seen=settings.CUSTOMER_SESSION_IDLE_SECONDS - 60)
    assert signed_in(browser)
    shift(browser, seen=settings.CUSTOMER_SESSION_IDLE_SECONDS + 1)
    assert not signed_in(browser)
    assert SESSION_CUSTOMER not in browser.session


def test_a_busy_session_still_ends_at_its_absolute_lifetime(browser, settings):
    shift(browser, since=settings.CUSTOMER_SESSION_MAX_SECONDS - 60, seen=0)
    assert signed_in(browser)
    shift(browser, since=settings.CUSTOMER_SESSION_MAX_SECONDS + 1, seen=0)
    assert not signed_in(browser)


def test_activity_moves_the_idle_clock_but_not_every_request(browser, settings):
    shift(browser, seen=settings.CUSTOMER_SESSION_IDLE_SECONDS - 60)
    assert signed_in(browser)  # seen again: the idle clock restarts
    assert int(time.time()) - browser.session[SESSION_SEEN] < 60
    before = browser.session[SESSION_SEEN]
    assert signed_in(browser)
    assert browser.session[SESSION_SEEN] == before  # within the step: no session write


def test_a_password_change_does_not_extend_the_absolute_lifetime(browser, settings):
    shift(browser, since=settings.CUSTOMER_SESSION_MAX_SECONDS - 60, seen=0)
    since = browser.session[SESSION_SINCE]
    new = "molho-de-tomate-caseiro"
    changed = post(
        browser,
        "/conta/senha/alterar/",
        {"current_password": CUSTOMER_PASSWORD, "password1": new, "password2": new},
    )
    assert changed.status_code == 302
    assert browser.session[SESSION_SINCE] == since


def test_signed_in_pages_cost_no_more_redis_commands_than_before(browser, redis_commands, menu_loaded):
    browser.get("/")
    redis_commands.start()
    page = browser.get("/").content.decode()
    assert "Minha conta" in page
    # The menu's read and the session's, as before: the lifetimes live in the session, and "last seen"
    # is written at most every 5 minutes, so a page costs no session write.
    assert redis_commands.count() <= 2


def test_sair_de_todos_os_aparelhos_ends_every_session_this_one_too(customer):
    mine, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    client_login(mine, customer.id)
    client_login(phone, customer.id)
    page = mine.get("/conta/").content.decode()
    assert "Sair de todos os aparelhos" in page and 'action="/conta/sair-de-todos/"' in page
    assert mine.get("/conta/sair-de-todos/").status_code == 405
    response = post(mine, "/conta/sair-de-todos/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Você saiu da sua conta em todos os aparelhos." in mine.get("/").content.decode()
    assert not signed_in(mine) and not signed_in(phone)
    assert SESSION_CUSTOMER not in phone.session
    # The password still works: signing in again is all it takes.
    login = post(phone, "/conta/entrar/", {"email": "maria@example.com", "password": CUSTOMER_PASSWORD})
    assert login.status_code == 302 and signed_in(phone)


def test_sair_de_todos_os_aparelhos_needs_a_signed_in_customer_and_csrf(client, customer):
    assert post(client, "/conta/sair-de-todos/").status_code == 302  # to the login page
    forged = Client(enforce_csrf_checks=True)
    client_login(forged, customer.id)
    assert forged.post("/conta/sair-de-todos/").status_code == 403
    assert signed_in(forged)
