"""The cart page and an order's tracking page are cached whole, keyed by what they show: each customer
still sees only their own cart and order, a change shows on the next view, messages show once, and a
page is rendered once per state instead of on every visit."""

import re

import pytest
from django.test import Client
from django.test.signals import template_rendered

from conftest import MenuData, brl, client_login, post
from orders.statuses import LABELS, Status

from . import test_checkout
from .test_checkout import accepted, add, checkout_key, orders_of, submit

pytestmark = pytest.mark.django_db
client = test_checkout.client  # signed in as ``customer``
filled = test_checkout.filled  # with a cart, the shop open

MENU = MenuData()


@pytest.fixture
def renders():
    """The names of the page templates rendered from the template (not served from the cache)."""
    seen = []

    def count(sender, template, **kwargs):
        if template.name in ("orders/cart.html", "orders/order_detail.html", "orders/checkout.html"):
            seen.append(template.name)

    template_rendered.connect(count)
    yield seen
    template_rendered.disconnect(count)


@pytest.fixture
def other(make_customer, open_now):
    """A second signed-in customer."""
    from .conftest import log_in

    make_customer("joana@example.com", verified=True, name="Joana Lima")
    return log_in(Client(enforce_csrf_checks=True), "joana@example.com")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_each_customer_sees_their_own_cart(filled, other, renders):
    add(other, "refrigerante-2l", quantity=3, note="bem gelado, por favor")
    for visitor in (filled, other):
        page(visitor, "/carrinho/")  # the additions' messages, said once
    renders.clear()
    for _ in range(2):  # the second round comes from the cache
        mine, theirs = page(filled, "/carrinho/"), page(other, "/carrinho/")
        assert "Calabresa" in mine and "bem gelado" not in mine
        assert "Calabresa" not in theirs and "bem gelado, por favor" in theirs
        assert brl(MENU.price("refrigerante-2l") * 3) in theirs
    assert renders == ["orders/cart.html"] * 2  # once per cart


def test_a_cart_change_shows_on_the_next_view(filled, renders):
    html = page(filled, "/carrinho/")
    line = re.search(r'action="(/carrinho/[^"/]+/atualizar/)"', html).group(1)
    page(filled, "/carrinho/")
    assert len(renders) == 2  # the messages' page, then the cart once
    post(filled, line, {"quantity": 4, "note": ""}, HTTP_REFERER="https://testserver/carrinho/")
    html = page(filled, "/carrinho/")
    assert 'value="4"' in html


def test_the_tracking_page_follows_the_order(filled, customer, renders):
    location = submit(filled, checkout_key(filled), payment="CREDIT_CARD")["Location"]
    assert "recebido" in page(filled, location)  # the checkout's message: rendered afresh
    renders.clear()
    for _ in range(2):
        assert f'data-testid="order-status">{LABELS[Status.PLACED]}<' in page(filled, location)
    assert renders == ["orders/order_detail.html"]
    order = orders_of(customer)[0]
    accepted(order)
    html = page(filled, location)
    assert f'data-testid="order-status">{LABELS[Status.RECEIVED]}<' in html
    assert len(renders) == 2


def test_a_cached_tracking_page_is_still_only_its_owners(filled, customer, make_customer):
    location = submit(filled, checkout_key(filled), payment="CREDIT_CARD")["Location"]
    page(filled, location)
    page(filled, location)  # now in the cache
    stranger = Client(enforce_csrf_checks=True)
    client_login(stranger, make_customer("outro@example.com", verified=True).id)
    assert stranger.get(location).status_code == 404


def test_a_pix_page_from_the_cache_keeps_its_code(filled, customer):
    location = submit(filled, checkout_key(filled), payment="PIX")["Location"]
    page(filled, location)
    for html in (page(filled, location), page(filled, location)):
        assert 'data-testid="pix-qr"><svg' in html
        assert re.search(r'data-testid="pix-code">000201', html)


def test_every_checkout_page_gets_a_fresh_order_key(filled, renders):
    page(filled, "/carrinho/")  # the additions' messages, said once
    renders.clear()
    keys = [checkout_key(filled) for _ in range(3)]
    assert len(set(keys)) == 3
    assert renders.count("orders/checkout.html") == 1  # the other two from the cache


def test_the_same_cart_ordered_twice_from_a_cached_page_is_two_orders(filled, customer):
    """A key served again would make the second order the first one once more: not placed at all."""
    first = submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    assert first.status_code == 302
    add(filled, "calabresa", size="grande", quantity=2, half="peperone")
    add(filled, "refrigerante-2l")
    page(filled, "/carrinho/")
    second = submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    assert second.status_code == 302 and second["Location"] != first["Location"]
    assert len(orders_of(customer)) == 2


def test_the_checkout_page_shows_each_customer_their_own_addresses(filled, other, customer):
    from accounts.entities import Address
    from accounts.selectors import customer_get_by_email
    from accounts.services import customer_address_save

    customer_address_save(
        customer_id=customer.id,
        address=Address("05422030", "Rua Fradique Coutinho", "50", "", "Pinheiros", "São Paulo", "SP"),
    )
    joana = customer_get_by_email(email="joana@example.com")
    customer_address_save(
        customer_id=joana.id,
        address=Address("01310100", "Avenida Paulista", "1000", "", "Bela Vista", "São Paulo", "SP"),
    )
    add(other, "calabresa", size="grande", quantity=2, half="peperone")
    add(other, "refrigerante-2l")  # the same cart as the customer's
    for _ in range(2):
        mine = page(filled, "/pedido/finalizar/")
        theirs = page(other, "/pedido/finalizar/")
        assert "Fradique Coutinho" in mine and "Paulista" not in mine
        assert "Paulista" in theirs and "Fradique Coutinho" not in theirs
