"""The menu page is cached whole for visitors with a session too (signed in or not): each still sees
their own header badge, delivery chip and cart bar, flash messages show once, and a page is rendered
once per state instead of on every visit."""

import re

import pytest
from django.test import Client
from django.test.signals import template_rendered

from conftest import MenuData, brl, post
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from orders.tests.conftest import log_in

pytestmark = pytest.mark.usefixtures("shop")

MENU = MenuData()


@pytest.fixture
def renders():
    """How many times menu/home.html was rendered (from the template, not from the cache)."""
    seen = []

    def count(sender, template, **kwargs):
        if template.name == "menu/home.html":
            seen.append(template.name)

    template_rendered.connect(count)
    yield seen
    template_rendered.disconnect(count)


@pytest.fixture
def two_customers(make_customer):
    clients = []
    for email in ("ana@example.com", "bia@example.com"):
        make_customer(email, verified=True)
        clients.append(log_in(Client(enforce_csrf_checks=True), email))
    return clients


def badge(html: str) -> int:
    found = re.search(r'data-testid="cart-badge"[^>]*>(\d+)<', html)
    assert found, "no cart badge"
    return int(found.group(1))


def cart_bar(html: str) -> str:
    found = re.search(r'<a class="cart-bar".*?</a>', html, re.S)
    assert found, "no cart bar"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def signed_in(html: str) -> bool:
    return 'data-testid="account-link"' in html


def menu_page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_visitor_sees_their_own_cart_on_the_cached_page(two_customers):
    ana, bia = two_customers
    guest = Client(enforce_csrf_checks=True)
    post(ana, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 2})
    post(bia, "/carrinho/adicionar/", {"item": "refrigerante-2l", "quantity": 1})
    post(guest, "/carrinho/adicionar/", {"item": "refrigerante-2l", "quantity": 3})
    for client in (ana, bia, guest):
        menu_page(client)  # the flash message of the addition, shown once
    expected = {
        "ana": (2, MENU.price("calabresa") * 2, True),
        "bia": (1, MENU.price("refrigerante-2l"), True),
        "guest": (3, MENU.price("refrigerante-2l") * 3, False),
    }
    for _ in range(2):  # the second round comes from the cache
        for name, client in (("ana", ana), ("bia", bia), ("guest", guest)):
            count, subtotal, is_customer = expected[name]
            html = menu_page(client)
            assert badge(html) == count, name
            assert brl(subtotal, space=" ") in cart_bar(html), name
            assert signed_in(html) is is_customer, name


def test_a_page_is_rendered_once_per_state(two_customers, renders):
    ana, bia = two_customers
    for client in (ana, bia):
        menu_page(client)  # whatever the sign-in left to say, said once
    renders.clear()
    menu_page(ana)
    menu_page(ana)
    menu_page(bia)  # signed in with an empty cart too: the same page
    assert len(renders) == 1
    post(ana, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1})
    html = menu_page(ana)
    assert "Calabresa foi para o carrinho." in html  # a message: rendered afresh, shown once
    html = menu_page(ana)
    assert "foi para o carrinho" not in html and badge(html) == 1
    menu_page(ana)
    assert len(renders) == 3  # the message's page, then the new state once


def test_the_delivery_chip_is_the_visitors_own(two_customers, cep_db):  # noqa: F811
    ana, bia = two_customers
    post(ana, "/entregar-em/", {"cep": "01310-100"})
    menu_page(ana)
    for _ in range(2):
        assert "01310-100" in menu_page(ana)
        assert "01310-100" not in menu_page(bia)


def test_the_cart_bar_follows_the_menu(two_customers):
    """The bar shows the cart priced from today's menu: a sold-out item leaves it on the next page."""
    from menu.services import menu_item_set_available

    ana, _ = two_customers
    post(ana, "/carrinho/adicionar/", {"item": "refrigerante-2l", "quantity": 1})
    menu_page(ana)
    assert brl(MENU.price("refrigerante-2l"), space=" ") in cart_bar(menu_page(ana))
    menu_item_set_available(slug="refrigerante-2l", available=False)
    html = menu_page(ana)
    assert re.search(r'<a class="cart-bar"[^>]* hidden>', html)
    assert brl(MENU.price("refrigerante-2l"), space=" ") not in cart_bar(html)


def test_a_stray_query_string_is_not_handed_to_later_visitors():
    first = Client(enforce_csrf_checks=True)
    later = Client(enforce_csrf_checks=True)
    assert first.get("/?utm_source=someone@example.com").status_code == 200
    html = later.get("/").content.decode()
    assert "someone" not in html
    assert re.search(r'name="next" type="hidden" value="/"', html)
