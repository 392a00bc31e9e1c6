"""The shop's customer (made by the root conftest's ``make_customer``), logged in through the real login
page, and a time the pizzeria is open."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from conftest import CUSTOMER_PASSWORD, post

# A Tuesday at 20:00 in São Paulo: the shipped profile has the pizzeria open.
OPEN_TIME = dt.datetime(2026, 11, 24, 20, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))


def log_in(client: Client, email: str) -> Client:
    response = post(client, "/conta/entrar/", {"email": email, "password": CUSTOMER_PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


@pytest.fixture
def customer(shop, make_customer):
    """The customer placing the orders: maria@example.com, e-mail confirmed; the shop is loaded."""
    return make_customer("maria@example.com", verified=True, name="Maria Silva")


@pytest.fixture
def open_now(monkeypatch):
    """Set the shop's clock (``orders.views.clock``, nothing else) to a time the pizzeria is open."""
    from orders import views

    monkeypatch.setattr(views, "clock", lambda: OPEN_TIME)
    return OPEN_TIME


@pytest.fixture
def roomy_limits(shop):
    """The shipped profile with the order caps at their highest, for tests that place many orders."""
    from conftest import pizzeria_document
    from ocipizza.pizzeria.entities import ORDER_LIMIT_MAX
    from ocipizza.pizzeria.services import pizzeria_save

    document = {
        **pizzeria_document(),
        "max_open_orders": ORDER_LIMIT_MAX,
        "max_orders_per_hour": ORDER_LIMIT_MAX,
    }
    return pizzeria_save(document=document)


def cart_of(client: Client) -> list[dict]:
    """The raw lines of the client's shop cart: the signed-in customer's (on the account), else the
    session's."""
    from accounts import repositories as accounts_rows
    from accounts.sessions import SESSION_CUSTOMER
    from orders.cart import SESSION_KEY

    session = client.session
    customer_id = session.get(SESSION_CUSTOMER)
    cart = accounts_rows.user_get(customer_id).customer.cart if customer_id else session.get(SESSION_KEY)
    return list((cart or {}).get("lines", []))
