"""Issue 17 items 3-5 and 10 through the pages: adding keeps the place (JSON for the menu's script), the
phone's cart bar, the half-and-half prices, a calmer checkout that quotes saved addresses, pickup wording."""

import html as html_lib
import re
from decimal import Decimal

import pytest

from accounts.entities import Address
from accounts.services import customer_address_save
from conftest import MenuData, brl, pizzeria_document, post, zone_fee
from ocipizza.pizzeria.services import pizzeria_save
from orders.tests import test_checkout
from orders.tests.test_checkout import checkout_key, orders_of, submit

MENU, PIZZERIA = MenuData(), pizzeria_document()
JSON = {"HTTP_ACCEPT": "application/json"}

client = test_checkout.client  # the customer signed in through the login page
filled = test_checkout.filled  # a cart at an open hour


def add_json(client, item, **fields):
    data = {"item": item, "quantity": 1, "next": "/#item-" + item, **fields}
    return post(client, "/carrinho/adicionar/", data, **JSON)


def text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- item 4: add to cart keeps the place -------------------------------------------------------------


@pytest.mark.usefixtures("shop")
def test_the_menus_script_gets_json_and_no_flash_message_is_left_behind(client):
    response = add_json(client, "calabresa", size="grande")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    answer = response.json()
    price = MENU.price("calabresa", "grande")
    assert answer["ok"] is True
    assert answer["message"] == f"{MENU.name('calabresa')} foi para o carrinho."
    assert answer["count"] == 1 and answer["count_text"] == "1 item"
    assert answer["badge_label"] == "1 item no carrinho"
    assert answer["bar_text"] == f"Ver carrinho · {brl(price)}"
    answer = add_json(client, "refrigerante-2l", quantity=2).json()
    assert answer["count"] == 3 and answer["count_text"] == "3 itens"
    assert answer["bar_text"] == f"Ver carrinho · {brl(price + 2 * MENU.price('refrigerante-2l'))}"
    # The confirmation was shown next to the button: it must not pop up again on the next page.
    assert "foi para o carrinho" not in client.get("/").content.decode()


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": 0}, "A quantidade vai de 1 a 20."),
        ({"quantity": "muitas"}, "A quantidade precisa ser um número."),
        ({"item": "sushi"}, None),
    ],
)
def test_bad_input_answers_json_with_the_message_and_keeps_the_cart(client, fields, message):
    add_json(client, "calabresa", size="grande")
    response = post(
        client,
        "/carrinho/adicionar/",
        {"item": "calabresa", "quantity": 1, "size": "grande", **fields},
        **JSON,
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False and answer["message"]
    if message:
        assert answer["message"] == message
    assert add_json(client, "calabresa", size="grande").json()["count"] == 2  # the first one is still there


@pytest.mark.usefixtures("shop")
def test_without_scripts_the_form_comes_back_to_the_card(client):
    data = {"item": "calabresa", "quantity": 1, "next": "/?categoria=tradicional#item-calabresa"}
    response = post(client, "/carrinho/adicionar/", data)
    # Added: to the card's own note (shown by CSS :target, under the button).
    assert response.status_code == 302 and response["Location"] == "/?categoria=tradicional#added-calabresa"
    page = client.get("/?categoria=tradicional").content.decode()
    assert "foi para o carrinho" in page
    assert re.search(r'<p class="add-confirm added-note" id="added-calabresa">Foi para o carrinho.', page)
    # Refused: back to the card, whose form keeps what was typed wrong in sight.
    response = post(client, "/carrinho/adicionar/", {**data, "quantity": 99})
    assert response["Location"] == "/?categoria=tradicional#item-calabresa"


@pytest.mark.usefixtures("shop")
def test_the_cart_bar_shows_count_and_total_once_there_is_a_cart(client):
    from django.test import Client

    stranger = Client()
    bar = re.search(r"<a class=\"cart-bar\"[^>]*>", stranger.get("/").content.decode()).group(0)
    assert " hidden" in bar
    add_json(client, "calabresa", size="grande", quantity=2)
    page = client.get("/").content.decode()
    bar = re.search(r"<a class=\"cart-bar\".*?</a>", page, re.S).group(0)
    assert " hidden" not in bar.split(">")[0]
    total = 2 * MENU.price("calabresa", "grande")
    assert text(bar) == f"2 itens Ver carrinho · {brl(total, space=' ')}"


@pytest.mark.usefixtures("shop")
def test_the_half_and_half_picker_shows_each_halfs_price_and_the_rule(client):
    # Without scripts the card's link comes back with ?meio=, which lists the other halves in that card.
    page = client.get("/").content.decode()
    card = re.search(r'data-item="calabresa".*?</li>', page, re.S).group(0)
    link = re.search(r'<a class="half-open" href="([^"]+)"', card).group(1)
    assert html_lib.unescape(link) == "/?meio=calabresa#item-calabresa"
    assert "<option" not in card
    page = client.get(html_lib.unescape(link).split("#")[0]).content.decode()
    card = re.search(r'data-item="calabresa".*?</li>', page, re.S).group(0)
    assert '<details class="customize" open>' in card
    peperone = re.search(r'<option value="peperone"[^>]*>(.*?)</option>', card).group(1)
    assert (
        text(peperone)
        == f"{MENU.name('peperone')} · Grande {brl(MENU.price('peperone', 'grande'), space=' ')}"
    )
    prices = re.search(r'<option value="peperone"[^>]*data-prices="([^"]+)"', card).group(1)
    assert f"broto:{MENU.price('peperone', 'broto')}" in prices
    assert '<option value="calabresa"' not in card  # not its own other half
    assert "o preço da metade mais cara" in card
    # Only that card lists them; the add form goes back to the plain menu.
    other = re.search(r'data-item="peperone".*?</li>', page, re.S).group(0)
    assert "<option" not in other and "half-open" in other
    assert 'name="next" value="/#item-calabresa"' in card
    # The rule is the pizzeria's: the cached cards follow a change of it.
    pizzeria_save(document={**PIZZERIA, "half_and_half_rule": "average"})
    for address in ("/", "/?meio=calabresa"):
        page = client.get(address).content.decode()
        card = re.search(r'data-item="calabresa".*?</li>', page, re.S).group(0)
        assert "a média dos preços das duas metades" in card


@pytest.mark.usefixtures("shop")
def test_the_page_holds_one_list_of_halves_for_the_script(client):
    page = client.get("/?categoria=tradicional").content.decode()
    listing = re.search(r'<template id="half-options">(.*?)</template>', page, re.S).group(1)
    offered = re.findall(r'<option value="([^"]*)"', listing)
    assert offered[0] == "" and sorted(offered[1:]) == sorted(MENU.pizzas)  # every pizza, once each
    assert page.count('<option value="peperone"') == 1
    # Pages without a pizza do not carry it.
    assert 'id="half-options"' not in client.get("/?categoria=bebida").content.decode()


@pytest.mark.usefixtures("shop")
def test_a_stray_or_unknown_meio_is_ignored(client):
    plain = client.get("/").content.decode()
    for address in ("/?meio=nada", "/?meio=agua-mineral", "/?meio=%3Cscript%3E"):
        response = client.get(address)
        assert response.status_code == 200
        assert response.content.decode().count("<option") == plain.count("<option")
    # With a search, the links keep the search and drop an earlier meio.
    page = client.get("/?q=calabresa&meio=calabresa").content.decode()
    card = re.search(r'data-item="calabresa".*?</li>', page, re.S).group(0)
    assert 'name="next" value="/?q=calabresa#item-calabresa"' in card
    assert '<option value="peperone"' in card


# --- items 3 and 5: a checkout that quotes saved addresses and asks only what matters ----------------


def save_address(customer, *, cep, label, street="Avenida Paulista", district="Bela Vista", city="São Paulo"):
    address = Address(
        cep=cep,
        street=street,
        number="10",
        complement="",
        district=district,
        city=city,
        state="SP",
        label=label,
    )
    return customer_address_save(customer_id=customer.id, address=address)


def radios(page: str) -> dict[str, str]:
    """label text -> the radio's tag, for the saved addresses."""
    found = {}
    for tag, label in re.findall(
        r'<label class="choice">(<input[^>]*name="saved_address"[^>]*>)(.*?)</label>', page
    ):
        found[text(label)] = tag
    return found


def test_saved_addresses_show_their_fee_and_one_out_of_the_area_is_never_preselected(filled, customer):
    far = save_address(
        customer, cep="20040020", label="Praia", street="Praça Pio X", district="Centro", city="Rio"
    )
    near = save_address(customer, cep="01310100", label="Casa")
    page = filled.get("/pedido/finalizar/").content.decode()
    options = radios(page)
    fee = zone_fee(PIZZERIA, "Centro expandido")
    [near_label] = [label for label in options if label.startswith("Casa:")]
    [far_label] = [label for label in options if label.startswith("Praia:")]
    assert near_label.endswith(f"(taxa {brl(fee, space=' ')}, cerca de 35 min)")
    assert far_label.endswith("(fora da área de entrega)")
    assert "checked" in options[near_label] and "checked" not in options[far_label]
    # What the script shows when one is picked: the fee, the total and the sentence, from the server.
    assert f'data-fee="{fee}"' in options[near_label]
    subtotal = test_checkout.SUBTOTAL
    assert f'data-total-text="{brl(subtotal + fee)}"' in html_lib.unescape(options[near_label])
    assert 'data-zone-out="1"' in options[far_label]
    assert near.id in options[near_label] and far.id in options[far_label]


def test_with_only_far_addresses_a_new_address_is_preselected(filled, customer):
    save_address(customer, cep="20040020", label="Praia", street="Praça Pio X", district="Centro", city="Rio")
    page = filled.get("/pedido/finalizar/").content.decode()
    [new] = [tag for label, tag in radios(page).items() if label == "Outro endereço"]
    assert "checked" in new


def test_choosing_another_saved_address_without_scripts_shows_its_fee_before_charging(filled, customer):
    save_address(customer, cep="01310100", label="Casa")
    north = save_address(
        customer, cep="02010000", label="Vó", street="Rua Voluntários da Pátria", district="Santana"
    )
    key = checkout_key(filled)
    # The page quoted the preselected Centro address; the customer picks the Zona Norte one and submits.
    response = submit(
        filled, key, saved_address=north.id, quoted_fee=str(zone_fee(PIZZERIA, "Centro expandido"))
    )
    assert response.status_code == 200 and orders_of(customer) == []
    page = text(response.content.decode())
    north_fee = zone_fee(PIZZERIA, "Zona Norte")
    assert f"Confira a taxa de entrega de R$ {north_fee:.2f}".replace(".", ",") in page
    response = submit(filled, key, saved_address=north.id, quoted_fee=str(north_fee))
    assert response.status_code == 302
    [order] = orders_of(customer)
    assert order.delivery_fee == north_fee


def test_the_checkout_marks_what_the_script_hides_and_takes_the_chips_cep(filled):
    post(filled, "/entregar-em/", {"cep": "04101-300"})
    page = filled.get("/pedido/finalizar/").content.decode()
    assert re.search(r'<div class="field" data-cash-only>.*?name="change_for"', page, re.S)
    assert 'value="04101-300"' in re.search(r'<input[^>]*name="cep"[^>]*>', page).group(0)
    assert '<script src="/static/js/checkout.js" defer></script>' in page


# --- item 10: pickup with cash, contacts -------------------------------------------------------------


def test_a_pickup_order_paid_in_cash_speaks_of_the_counter(filled, customer):
    response = submit(filled, checkout_key(filled), fulfilment="PICKUP", payment="CASH", change_for="200,00")
    assert response.status_code == 302
    [order] = orders_of(customer)
    page = text(filled.get(response["Location"]).content.decode())
    change = brl(Decimal("200.00") - order.total, space=" ")
    assert f"deixaremos {change} de troco separado no balcão" in page
    assert "levaremos" not in page


def test_pickup_payment_choices_say_na_retirada(filled, customer):
    page = filled.get("/pedido/finalizar/").content.decode()
    assert 'data-pickup-label="Dinheiro na retirada"' in page
    assert 'data-delivery-label="Cartão de crédito na entrega"' in page
    # Without scripts, the page the server sends back for a pickup says it too.
    response = submit(filled, checkout_key(filled), fulfilment="PICKUP", payment="CASH", change_for="1,00")
    labels = text(response.content.decode())
    assert "Cartão de crédito na retirada" in labels and "Cartão de crédito na entrega" not in labels


def test_pickup_with_cash_and_no_change_asks_to_bring_the_exact_amount(filled, customer):
    response = submit(filled, checkout_key(filled), fulfilment="PICKUP", payment="CASH")
    page = text(filled.get(response["Location"]).content.decode())
    assert "Pagamento em dinheiro na retirada: se puder, separe o valor trocado." in page


def test_tracking_and_footer_show_the_pizzerias_whatsapp_and_phone(filled, customer):
    response = submit(filled, checkout_key(filled))
    page = filled.get(response["Location"]).content.decode()
    whatsapp = "".join(c for c in PIZZERIA["whatsapp"] if c.isdigit())
    phone = "".join(c for c in PIZZERIA["phone"] if c.isdigit())
    tracking = re.search(r"<main.*?</main>", page, re.S).group(0)
    assert f'href="https://wa.me/{whatsapp}"' in tracking and f'href="tel:+{phone}"' in tracking
    footer = re.search(r"<footer.*?</footer>", filled.get("/").content.decode(), re.S).group(0)
    assert f'href="https://wa.me/{whatsapp}"' in footer and f'href="tel:+{phone}"' in footer


def test_a_shop_opening_later_today_says_today(client, shop, monkeypatch):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from menu import views as menu_views
    from orders import views as order_views

    # A Saturday morning before the first shift.
    saturday_morning = dt.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo(PIZZERIA["timezone"]))
    monkeypatch.setattr(menu_views, "clock", lambda: saturday_morning)
    monkeypatch.setattr(order_views, "clock", lambda: saturday_morning)
    first_shift = PIZZERIA["hours"]["sat"][0][0]
    assert first_shift > "09:00"
    assert f"Abrimos hoje às {first_shift}." in text(client.get("/").content.decode())
    add_json(client, "calabresa", size="grande")
    assert f"Abrimos hoje às {first_shift}." in text(client.get("/pedido/finalizar/").content.decode())
    response = submit(client, checkout_key(client))
    assert f"A pizzaria está fechada agora. Abrimos hoje às {first_shift}." in text(response.content.decode())


@pytest.mark.parametrize("name", ["123", "... --", "42 42"])
def test_a_name_must_have_letters(client, customer, name):
    from accounts.tests.conftest import signup_data

    message = "O nome precisa ter letras."
    response = post(client, "/conta/dados/", {"name": name, "telephone": "(11) 98765-4321"})
    assert response.status_code == 200 and message in html_lib.unescape(response.content.decode())
    from django.test import Client

    stranger = Client(enforce_csrf_checks=True)
    response = post(stranger, "/conta/cadastro/", signup_data(name=name, email="novo@example.com"))
    assert response.status_code == 200 and message in html_lib.unescape(response.content.decode())
    from accounts.selectors import customer_get

    assert customer_get(customer_id=customer.id).name == "Maria Silva"
