"""The back office's pages are never cached (issue 16, item 7), and the customer page's order cursors
are signed for that customer: a forged, tampered or another customer's cursor is a 400 (item 10)."""

from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from backoffice import roles
from backoffice.sites import site
from backoffice.tests.test_customers import page_of
from ocipizza.cursors import cursor_sign
from orders import repositories as order_repositories
from orders.selectors import orders_of_customer
from orders.tests.conftest import log_in
from orders.tests.test_checkout import add, checkout_key, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]


@pytest.fixture
def place(client, customer, open_now):
    """Place an order through the shop's pages as ``customer``; returns it as stored."""
    log_in(client, customer.email)

    def place_order():
        add(client, "calabresa", size="grande")
        response = submit(client, checkout_key(client), payment="CREDIT_CARD")
        assert response.status_code == 302
        order_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        return order_repositories.order_get(customer_id=customer.id, order_id=order_id)

    return place_order


def split(customer):
    """(the newest order, the next one) as the customer page lists them; placed at one frozen instant,
    orders tie-break on their random id."""
    first = orders_of_customer(customer_id=customer.id, limit=1)
    rest = orders_of_customer(customer_id=customer.id, limit=1, after=first.continuation)
    return first.orders[0], rest.orders[0], first.continuation


@pytest.fixture
def manager(staff_login):
    return staff_login(roles.MANAGER, name="Gerente Paula")


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_back_office_page_says_no_store(manager):
    site.get_urls()
    pages = []
    for name in site.permissions_map:
        try:
            pages.append(reverse(f"backoffice:{name}"))
        except NoReverseMatch:  # takes arguments: a few of those below
            continue
    assert len(pages) > 10
    for url in pages:
        response = manager.get(url)
        assert no_store(response), (url, response.status_code, response.get("Cache-Control"))
    for url in ("/gestao/entrar/", "/gestao/"):  # signed out: the login page and the redirect to it
        assert no_store(Client().get(url)), url


def test_a_customer_page_and_an_order_page_say_no_store(manager, customer, place):
    order = place()
    assert no_store(manager.get(page_of(customer)))
    assert no_store(manager.get(f"/gestao/pedidos/{order.code}/"))


def test_the_customer_page_cursor_is_signed_for_that_customer(manager, customer, place, make_customer):
    place(), place()
    newer, older, continuation = split(customer)
    salt = f"backoffice.customer_orders.{customer.id}"
    response = manager.get(page_of(customer), {"depois": cursor_sign(continuation, salt=salt)})
    html = response.content.decode()
    assert response.status_code == 200 and older.code in html and newer.code not in html
    # The bare continuation (as the link carried it before) and a cursor signed for another page: 400.
    other = make_customer("jose@example.com", verified=True, name="José Souza")
    for cursor, page in [
        (continuation, page_of(customer)),
        (cursor_sign(continuation, salt=f"orders.list.{customer.id}"), page_of(customer)),
        (cursor_sign(continuation, salt=salt), page_of(other)),
        (cursor_sign(continuation, salt=salt)[:-3], page_of(customer)),
    ]:
        response = manager.get(page, {"depois": cursor})
        assert response.status_code == 400, cursor
        assert "não vale mais" in response.content.decode()


def test_the_next_page_link_carries_a_signed_cursor(manager, customer, place, monkeypatch):
    from backoffice.customers import views

    monkeypatch.setattr(views, "ORDERS_PER_PAGE", 1)
    place(), place()
    _newer, older, _continuation = split(customer)
    html = manager.get(page_of(customer)).content.decode()
    link = unquote(html.split('href="?depois=', 1)[1].split('"', 1)[0])
    assert ":" in link
    second = manager.get(page_of(customer), {"depois": link})
    assert second.status_code == 200 and older.code in second.content.decode()
