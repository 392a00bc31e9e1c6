"""Staff sign-in hardening (issue 16): a stranger cannot lock a cook out (item 1), and a staff session
ends at an absolute lifetime as well as after idling (item 12)."""

import time

import pytest
from django.test import Client

from backoffice import roles, services
from backoffice.sites import LAST_SEEN_KEY, SIGNED_IN_KEY

from .conftest import LOGIN, STAFF_PASSWORD, staff_post

pytestmark = pytest.mark.django_db

BOARD = "/gestao/pedidos/"


def device(address: str) -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def sign_in(client, email, password=STAFF_PASSWORD):
    return staff_post(client, LOGIN, {"email": email, "password": password})


def lock_out(client, email) -> None:
    for _ in range(10):
        if "Muitas tentativas" in sign_in(client, email, "chute-errado").content.decode():
            return
    raise AssertionError("never throttled")


def test_a_stranger_guessing_cannot_lock_the_kitchen_out(make_staff):
    make_staff(roles.KITCHEN)
    stranger, kitchen = device("198.51.100.66"), device("203.0.113.10")
    lock_out(stranger, "cozinha@pizzaria.example")
    assert "Muitas tentativas" in sign_in(stranger, "cozinha@pizzaria.example").content.decode()
    assert sign_in(kitchen, "cozinha@pizzaria.example").status_code == 302
    assert kitchen.get(BOARD).status_code == 200


def test_a_guess_spread_over_many_addresses_reaches_the_ceiling(make_staff, settings):
    make_staff(roles.KITCHEN)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "staff_login_account": (3, 3600)}
    for n in range(3):
        sign_in(device(f"198.51.100.{n}"), "cozinha@pizzaria.example", "chute-errado")
    assert "Muitas tentativas" in sign_in(device("203.0.113.10"), "cozinha@pizzaria.example").content.decode()


def test_a_new_password_from_createstaff_clears_every_lockout(make_staff, settings):
    make_staff(roles.KITCHEN)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "staff_login_account": (3, 3600)}
    kitchen = device("203.0.113.10")
    lock_out(kitchen, "cozinha@pizzaria.example")
    services.staff_create(email="cozinha@pizzaria.example", password=STAFF_PASSWORD, role=roles.KITCHEN)
    assert sign_in(kitchen, "cozinha@pizzaria.example").status_code == 302


def age(client, **seconds_ago) -> None:
    session = client.session
    for key, seconds in seconds_ago.items():
        session[key] = int(time.time()) - seconds
    session.save()


def test_a_busy_staff_session_ends_at_its_absolute_lifetime(staff_login, settings):
    browser = staff_login(roles.KITCHEN)
    age(browser, **{SIGNED_IN_KEY: settings.STAFF_SESSION_MAX_SECONDS - 60})
    assert browser.get(BOARD).status_code == 200
    age(browser, **{SIGNED_IN_KEY: settings.STAFF_SESSION_MAX_SECONDS + 1, LAST_SEEN_KEY: 0})
    response = browser.get(BOARD)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in browser.session
    assert browser.get(BOARD).status_code == 302


def test_a_staff_session_from_before_the_limit_was_kept_ends_once(staff_login):
    browser = staff_login(roles.KITCHEN)
    session = browser.session
    del session[SIGNED_IN_KEY]
    session.save()
    assert browser.get(BOARD).status_code == 302


def test_the_session_never_outlives_its_absolute_lifetime(staff_login, settings):
    browser = staff_login(roles.KITCHEN)
    left = 2 * 60 * 60
    age(browser, **{SIGNED_IN_KEY: settings.STAFF_SESSION_MAX_SECONDS - left, LAST_SEEN_KEY: 3600})
    assert browser.get(BOARD).status_code == 200  # seen again: the idle expiry is extended...
    assert browser.session.get_expiry_age() <= left  # ...but not past the absolute lifetime
    assert (
        settings.STAFF_SESSION_MAX_SECONDS < settings.CUSTOMER_SESSION_MAX_SECONDS
    )  # shorter than customers'
