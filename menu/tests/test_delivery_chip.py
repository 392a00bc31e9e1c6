"""The "Entregar em: CEP" chip: fee and time before checkout, remembered in the session."""

import re
from decimal import Decimal

import pytest

from conftest import MenuData, brl, pizzeria_document, post
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)

PIZZERIA = pizzeria_document()
CENTRO = next(z for z in PIZZERIA["delivery_zones"] if z["name"] == "Centro expandido")
NORTE = next(z for z in PIZZERIA["delivery_zones"] if z["name"] == "Zona Norte")

pytestmark = pytest.mark.usefixtures("shop")


def chip(html: str) -> str:
    match = re.search(r'<section class="delivery-chip".*?</section>', html, re.S)
    assert match, "no delivery chip on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def quote(zone) -> str:
    return f"taxa {brl(zone['fee'], space=' ')} · cerca de {zone['eta_minutes']} min"


def test_a_cep_in_a_zone_shows_its_fee_and_time_on_the_menu_and_the_cart(client):
    response = post(client, "/entregar-em/", {"cep": "01310-100", "next": "/?categoria=bebida"})
    assert response.status_code == 302 and response["Location"] == "/?categoria=bebida"
    shown = chip(client.get("/").content.decode())
    assert "Entregar em: 01310-100" in shown and quote(CENTRO) in shown
    post(client, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1, "size": "grande"})
    on_cart = chip(client.get("/carrinho/").content.decode())
    assert quote(CENTRO) in on_cart
    total = MenuData().price("calabresa") + Decimal(CENTRO["fee"])
    assert f"Total com entrega: {brl(total, space=' ')}" in on_cart
    # Another CEP replaces it; the zone follows.
    post(client, "/entregar-em/", {"cep": "02010000"})
    assert quote(NORTE) in chip(client.get("/").content.decode())


def test_a_cep_outside_every_zone_says_pickup(client):
    post(client, "/entregar-em/", {"cep": "20040-020"})
    shown = chip(client.get("/").content.decode())
    assert "fora da área, retire na pizzaria" in shown
    assert f"cerca de {PIZZERIA['pickup_eta_minutes']} min" in shown


def test_forgetting_the_cep_brings_back_the_empty_chip(client):
    post(client, "/entregar-em/", {"cep": "01310-100"})
    post(client, "/entregar-em/", {"limpar": "1", "cep": ""})
    shown = chip(client.get("/").content.decode())
    assert "taxa R$" not in shown and "Ver taxa" in shown


@pytest.mark.parametrize("typed", ["123", "abcde-fgh", "0131010000000", "", "01310\x00100"])
def test_a_malformed_cep_gets_a_message_and_keeps_the_previous_one(client, typed):
    post(client, "/entregar-em/", {"cep": "01310-100"})
    response = post(client, "/entregar-em/", {"cep": typed}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Digite um CEP com 8 números, como 01310-100." in html
    assert quote(CENTRO) in chip(html)


@pytest.mark.usefixtures("cep_db")
def test_with_the_cep_database_an_unknown_cep_is_refused(client):
    response = post(client, "/entregar-em/", {"cep": "69900-000"}, follow=True)
    assert "Não encontramos o CEP 69900-000." in response.content.decode()
    assert "taxa R$" not in chip(response.content.decode())


def test_the_chip_needs_csrf_and_post(client):
    assert client.get("/entregar-em/").status_code == 405
    assert client.post("/entregar-em/", {"cep": "01310-100"}).status_code == 403


def test_next_never_leaves_the_site(client):
    response = post(client, "/entregar-em/", {"cep": "01310-100", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_one_visitors_cep_never_reaches_another_visitors_cached_menu(client):
    from django.test import Client

    post(client, "/entregar-em/", {"cep": "01310-100"})
    assert quote(CENTRO) in chip(client.get("/").content.decode())
    stranger = Client()
    assert "taxa R$" not in chip(stranger.get("/").content.decode())
    assert "taxa R$" not in chip(stranger.get("/").content.decode())  # from the whole-page cache


def test_the_chip_and_the_cart_bar_cost_no_redis_command_of_their_own(client, redis_commands):
    """A visitor's menu page reads their session once; the chip and the bar read it from there."""
    from django.test import Client

    def cost(visitor) -> int:
        visitor.get("/")  # warm
        redis_commands.start()
        assert visitor.get("/").status_code == 200
        return redis_commands.count()

    post(client, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1})
    with_cart = cost(client)
    assert with_cart >= 1  # the session's read: the counter sees this page's commands
    post(client, "/entregar-em/", {"cep": "01310-100"})
    assert cost(client) == with_cart
    assert quote(CENTRO) in chip(client.get("/").content.decode())
    other = Client(enforce_csrf_checks=True)
    post(other, "/entregar-em/", {"cep": "01310-100"})  # a session with a CEP and no cart
    assert cost(other) == with_cart
