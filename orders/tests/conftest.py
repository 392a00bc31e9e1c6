"""Customers for the shop's tests: created and confirmed through the accounts services, logged in
through the real login page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from accounts import repositories as account_rows
from accounts import services as account_services
from accounts.selectors import customer_get
from conftest import post

PASSWORD = "calabresa-com-catupiry-42"
# A Tuesday at 20:00 in São Paulo: the shipped profile has the pizzeria open.
OPEN_TIME = dt.datetime(2026, 11, 24, 20, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))


def make_customer(email: str, *, verified: bool = True, name: str = "Maria Silva"):
    created = account_services.customer_register(
        name=name,
        email=email,
        telephone="(11) 98765-4321",
        password=PASSWORD,
        base_url="http://testserver",
        privacy_version=settings.PRIVACY_NOTICE_VERSION,
    )
    if verified:
        account_rows.user_update(created.id, lambda stored: stored.evolve(verified=True))
    return customer_get(customer_id=created.id)


def log_in(client: Client, email: str) -> Client:
    response = post(client, "/conta/entrar/", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


@pytest.fixture
def customer(shop):
    return make_customer("maria@example.com")


@pytest.fixture
def open_now(monkeypatch):
    """Freeze the shop's clock at a time the pizzeria is open."""
    from orders import views

    monkeypatch.setattr(views.timezone, "now", lambda: OPEN_TIME)
    return OPEN_TIME
