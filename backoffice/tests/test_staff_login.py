"""Staff sign-in: password, rate limits before hashing, the managers' TOTP step, sign-out, idle expiry."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import roles

from .conftest import LOGIN, STAFF_PASSWORD, staff_post, totp_now

pytestmark = pytest.mark.django_db


def test_kitchen_signs_in_with_a_password_and_lands_on_the_board(make_staff, client):
    cook = make_staff(roles.KITCHEN)
    response = staff_post(client, LOGIN, {"email": "COZINHA@pizzaria.example ", "password": STAFF_PASSWORD})
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == "/gestao/pedidos/"
    assert "Pedidos de hoje" in response.content.decode()
    # A staff session ends after a working day without a request, not after the customers' month.
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS
    assert cook.is_active


@pytest.mark.parametrize(
    "email, password",
    [
        ("cozinha@pizzaria.example", "wrong-password-123"),
        ("ninguem@pizzaria.example", STAFF_PASSWORD),
        ("", ""),
        ("not-an-email", "x"),
        ("a" * 300 + "@x.com", "x" * 5000),
    ],
)
def test_bad_credentials_get_one_message_and_no_session(make_staff, client, email, password):
    make_staff(roles.KITCHEN)
    response = staff_post(client, LOGIN, {"email": email, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/gestao/pedidos/").status_code == 302


def test_wrong_password_and_unknown_email_answer_alike(make_staff, client):
    make_staff(roles.KITCHEN)
    wrong = staff_post(client, LOGIN, {"email": "cozinha@pizzaria.example", "password": "nope-nope-nope"})
    unknown = staff_post(client, LOGIN, {"email": "ghost@pizzaria.example", "password": "nope-nope-nope"})
    assert "E-mail ou senha incorretos." in wrong.content.decode()
    assert "E-mail ou senha incorretos." in unknown.content.decode()


def test_customers_cannot_sign_in_to_the_back_office(confirmed_customer, client):
    from conftest import CUSTOMER_PASSWORD

    response = staff_post(client, LOGIN, {"email": confirmed_customer.email, "password": CUSTOMER_PASSWORD})
    assert "E-mail ou senha incorretos." in response.content.decode()


def test_attempts_are_limited_before_any_password_is_hashed(make_staff, client, monkeypatch, settings):
    make_staff(roles.KITCHEN)
    limit = settings.RATE_LIMITS["staff_login_client"][0]  # one client guessing one account
    hasher = type(get_hasher("default"))
    hashed = []
    original = hasher.verify
    monkeypatch.setattr(hasher, "verify", lambda self, *a: hashed.append(1) or original(self, *a))
    for _ in range(limit):
        staff_post(client, LOGIN, {"email": "cozinha@pizzaria.example", "password": "wrong-password"})
    assert len(hashed) == limit
    response = staff_post(client, LOGIN, {"email": "cozinha@pizzaria.example", "password": STAFF_PASSWORD})
    assert "Muitas tentativas" in response.content.decode()
    assert len(hashed) == limit  # the refused attempt never reached the hasher
    assert "_auth_user_id" not in client.session


def test_a_manager_enrols_a_totp_app_then_needs_a_code_every_time(make_staff, client):
    manager = make_staff(roles.MANAGER)
    response = staff_post(client, LOGIN, {"email": manager.email, "password": STAFF_PASSWORD})
    assert response["Location"].startswith("/gestao/verificacao/")
    setup = client.get("/gestao/verificacao/configurar/?next=/gestao/pedidos/")
    page = setup.content.decode()
    assert "<svg" in page and 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user=manager)
    assert not device.confirmed
    assert "otpauth://totp/" in device.config_url and "OCI%20PIZZA" in device.config_url

    refused = staff_post(client, "/gestao/verificacao/configurar/", {"token": "000000"})
    assert "Código inválido" in refused.content.decode()
    assert client.get("/gestao/pedidos/").status_code == 302

    good = staff_post(
        client, "/gestao/verificacao/configurar/", {"token": totp_now(device), "next": "/gestao/pedidos/"}
    )
    assert good.status_code == 302 and good["Location"] == "/gestao/pedidos/"
    assert client.get("/gestao/pedidos/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # Signed out and in again: the enrolled app is asked for; enrolling another is refused.
    staff_post(client, "/gestao/sair/")
    staff_post(client, LOGIN, {"email": manager.email, "password": STAFF_PASSWORD})
    assert client.get("/gestao/verificacao/configurar/")["Location"].startswith("/gestao/verificacao/?")
    assert TOTPDevice.objects.filter(user=manager).count() == 1
    assert client.get("/gestao/pedidos/").status_code == 302
    # The code just used is refused (replay); the next step's code opens the board.
    replay = staff_post(client, "/gestao/verificacao/", {"token": totp_now(device)})
    assert replay.status_code == 200
    accepted = staff_post(client, "/gestao/verificacao/", {"token": totp_now(device, offset=1)})
    assert accepted.status_code == 302
    assert client.get("/gestao/pedidos/").status_code == 200


def test_second_factor_guesses_are_limited(make_staff, client, settings):
    manager = make_staff(roles.MANAGER)
    staff_post(client, LOGIN, {"email": manager.email, "password": STAFF_PASSWORD})
    client.get("/gestao/verificacao/configurar/")
    device = TOTPDevice.objects.get(user=manager)
    for _ in range(settings.RATE_LIMITS["staff_otp"][0]):
        staff_post(client, "/gestao/verificacao/configurar/", {"token": "123456"})
    response = staff_post(client, "/gestao/verificacao/configurar/", {"token": totp_now(device)})
    assert "Muitas tentativas" in response.content.decode()
    assert client.get("/gestao/pedidos/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(staff_login):
    browser = staff_login(roles.KITCHEN)
    assert browser.get("/gestao/sair/").status_code == 405
    assert browser.get("/gestao/pedidos/").status_code == 200
    staff_post(browser, "/gestao/sair/")
    assert browser.get("/gestao/pedidos/").status_code == 302


def test_a_disabled_member_is_signed_out_on_the_next_request(staff_login):
    from django.core.management import call_command

    browser = staff_login(roles.KITCHEN)
    call_command("createstaff", browser.staff_user.email, "--disable")
    assert browser.get("/gestao/pedidos/").status_code == 302


def test_login_refuses_a_next_url_on_another_site(make_staff, client):
    make_staff(roles.KITCHEN)
    response = staff_post(
        client,
        LOGIN,
        {"email": "cozinha@pizzaria.example", "password": STAFF_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/gestao/"
