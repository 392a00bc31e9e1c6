"""A paused shop and sold-out sizes, as the customer meets them in the cart and at checkout."""

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.conf import settings

from conftest import brl, post
from menu.services import menu_item_set_available
from ocipizza.pizzeria.services import pizzeria_pause, pizzeria_resume
from orders.tests.conftest import cart_of, log_in
from orders.tests.test_checkout import add, checkout_key, orders_of

REASON = "Forno em manutenção"
CHECKOUT = "/pedido/finalizar/"


@pytest.fixture(scope="module")
def sizes() -> list[dict]:
    """data/menu/sizes.json, smallest first."""
    return json.loads((settings.MENU_DATA_DIR / "sizes.json").read_text(encoding="utf-8"))["sizes"]


@pytest.fixture
def shopper(client, customer, open_now, menu_data):
    """Logged in, with one pizza in the cart."""
    log_in(client, customer.email)
    add(client, menu_data.pizzas[0])
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def place(client, key):
    return post(client, CHECKOUT, {"key": key, "fulfilment": "PICKUP", "payment": "CREDIT_CARD"})


def hhmm(moment: dt.datetime) -> str:
    """The time on the pizzeria's clock (OPEN_TIME is in its time zone)."""
    return moment.strftime("%H:%M")


def test_checkout_refuses_a_paused_shop_and_the_cart_stays(shopper, customer, open_now):
    key = checkout_key(shopper)
    lines = cart_of(shopper)
    pizzeria_pause(reason=REASON, minutes=30, by="Ana", now=open_now)
    message = f"Loja pausada no momento: {REASON}. Voltamos às {hhmm(open_now + dt.timedelta(minutes=30))}."
    cart = text(shopper.get("/carrinho/"))
    assert message in cart and f'href="{CHECKOUT}"' not in cart
    page = text(shopper.get(CHECKOUT))
    assert message in page
    assert re.search(r'<button type="submit" class="button button-block" disabled>', page)
    refused = place(shopper, key)
    assert refused.status_code == 200
    assert f"{message} Seu carrinho continua guardado." in text(refused)
    assert orders_of(customer) == []
    assert cart_of(shopper) == lines
    # Reopened, the same form goes through.
    pizzeria_resume(by="Ana")
    assert place(shopper, key).status_code == 302
    assert len(orders_of(customer)) == 1


def test_checkout_goes_through_once_a_pause_has_ended(shopper, customer, open_now):
    pizzeria_pause(reason=REASON, minutes=30, by="Ana", now=open_now - dt.timedelta(hours=1))
    assert "Loja pausada" not in text(shopper.get("/carrinho/"))
    assert place(shopper, checkout_key(shopper)).status_code == 302
    assert len(orders_of(customer)) == 1


def test_a_closed_shop_says_closed_rather_than_paused(shopper, customer, open_now, monkeypatch):
    from orders import views

    pizzeria_pause(reason=REASON, by="Ana", now=open_now)
    key = checkout_key(shopper)
    monday_night = open_now - dt.timedelta(days=1)  # the shipped profile keeps Mondays closed
    monkeypatch.setattr(views, "clock", lambda: monday_night)
    refused = text(place(shopper, key))
    assert "A pizzaria está fechada agora." in refused and "Loja pausada" not in refused


def test_a_size_sold_out_cannot_be_added(client, shop, menu_data, sizes):
    slug, largest = menu_data.pizzas[0], sizes[-1]
    menu_item_set_available(slug=slug, size=largest["code"], available=False)
    response = post(
        client, "/carrinho/adicionar/", {"item": slug, "size": largest["code"], "quantity": 1}, follow=True
    )
    assert f"O tamanho {largest['name']} de {menu_data.name(slug)} está esgotado no momento." in text(
        response
    )
    assert cart_of(client) == []
    # Without a size the largest one still on sale is taken.
    post(client, "/carrinho/adicionar/", {"item": slug, "quantity": 1})
    assert [line["size"] for line in cart_of(client)] == [sizes[-2]["code"]]


def test_half_and_half_needs_the_size_on_sale_for_both_halves(client, shop, menu_data, sizes):
    first, second = menu_data.pizzas[:2]
    size = sizes[-1]
    menu_item_set_available(slug=second, size=size["code"], available=False)
    response = post(
        client,
        "/carrinho/adicionar/",
        {"item": first, "half": second, "size": size["code"], "quantity": 1},
        follow=True,
    )
    assert f"O tamanho {size['name']} de {menu_data.name(second)} está esgotado no momento." in text(response)
    assert cart_of(client) == []


def test_a_cart_line_whose_size_sold_out_is_dropped_with_a_notice(client, shop, menu_data, sizes):
    slug, largest, smallest = menu_data.pizzas[0], sizes[-1], sizes[0]
    add(client, slug, size=largest["code"])
    add(client, slug, size=smallest["code"])
    menu_item_set_available(slug=slug, size=largest["code"], available=False)
    page = text(client.get("/carrinho/"))
    assert (
        f"O tamanho {largest['name']} de {menu_data.name(slug)} esgotou e foi retirado do seu carrinho."
        in page
    )
    assert [line["size"] for line in cart_of(client)] == [smallest["code"]]
    subtotal = re.search(r'data-testid="subtotal">([^<]+)<', page).group(1)
    assert subtotal == brl(menu_data.price(slug, smallest["code"]))


def test_an_order_never_gets_through_a_pause_hidden_by_a_stale_cache(shopper, customer, open_now):
    """A page that read the profile just before the pause may put the unpaused copy back in the cache;
    placing the order still asks the store."""
    from ocipizza import localcopy
    from ocipizza.pizzeria.selectors import PIZZERIA_CACHE_KEY, PIZZERIA_CACHE_SECONDS, pizzeria_get

    key = checkout_key(shopper)
    unpaused = pizzeria_get()
    pizzeria_pause(reason=REASON, by="Ana", now=open_now)
    # the racing reader's write lands after the invalidation
    localcopy.set(PIZZERIA_CACHE_KEY, unpaused, PIZZERIA_CACHE_SECONDS)
    refused = place(shopper, key)
    assert refused.status_code == 200 and REASON in text(refused)
    assert orders_of(customer) == []
