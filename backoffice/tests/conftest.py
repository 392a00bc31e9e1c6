"""Staff for the back office's tests: created by the real service, signed in through the real pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import roles, services
from conftest import csrf_token

# The shop's customer and its frozen evening, for the tests that place orders through the shop's pages.
from orders.tests.conftest import customer, open_now  # noqa: F401

STAFF_PASSWORD = "forno-a-lenha-2026"
LOGIN = "/gestao/entrar/"


def totp_now(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the manager's authenticator app shows (``offset`` steps away from now)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def staff_post(client: Client, url: str, data: dict | None = None, **kwargs):
    """POST from a back-office page, with the CSRF token the login page set."""
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf_token(client, LOGIN)}, **kwargs)


@pytest.fixture
def make_staff(db):
    def make(role: str, email: str | None = None, name: str = ""):
        user, _created = services.staff_create(
            email=email or f"{role}@pizzaria.example", password=STAFF_PASSWORD, role=role, name=name
        )
        return user

    return make


@pytest.fixture
def staff_login(make_staff):
    """A CSRF-enforcing client signed in as a new member of ``role`` (a manager passes the TOTP step)."""

    def login(role: str, email: str | None = None, name: str = "") -> Client:
        user = make_staff(role, email, name)
        client = Client(enforce_csrf_checks=True)
        response = staff_post(client, LOGIN, {"email": user.email, "password": STAFF_PASSWORD})
        assert response.status_code == 302, response.content[:500]
        if role in roles.TWO_FACTOR_ROLES:
            client.get("/gestao/verificacao/configurar/")
            device = TOTPDevice.objects.get(user=user)
            response = staff_post(client, "/gestao/verificacao/configurar/", {"token": totp_now(device)})
            assert response.status_code == 302, response.content[:500]
        client.staff_user = user
        return client

    return login
