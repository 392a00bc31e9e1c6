"""The menu pages (/gestao/cardapio/) as a manager uses them, and what customers see on their next page."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from backoffice import roles
from backoffice.catalog.forms import BrazilianDecimalField, format_brl, parse_brl
from conftest import brl, post
from menu import repositories as menu_rows
from menu.services import menu_size_rules
from menu.tests.test_catalog import BAD_PHOTOS, jpeg_with_gps, upload
from orders.tests.test_checkout import add

from .conftest import staff_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]
PAGE = "/gestao/cardapio/"
NEW = PAGE + "novo/"
MOVE = PAGE + "ordem/"
CATEGORY = PAGE + "categoria/"


def edit_url(slug: str) -> str:
    return f"{PAGE}item/{slug}/"


def text(response) -> str:
    return unescape(response.content.decode())


def card(page: str, slug: str) -> str:
    match = re.search(rf'<li class="menu-card[^"]*" data-item="{slug}".*?</li>', page, re.S)
    assert match, f"no card for {slug}"
    return match.group(0)


def form_fields(html: str) -> dict:
    """What the edit form was drawn with: its inputs' values (checkboxes only when checked)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken" or 'type="file"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                fields[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = unescape(body).strip()
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


@pytest.fixture
def manager(staff_login):
    return staff_login(roles.MANAGER)


def size_prices(price_grande: str) -> dict:
    """The size fields typed the Brazilian way: the largest at ``price_grande``, each smaller 10 less."""
    rules = menu_size_rules()
    whole = Decimal(price_grande.replace(",", "."))
    return {
        f"price_{rule['code']}": format_brl(whole - 10 * (len(rules) - 1 - i)) for i, rule in enumerate(rules)
    }


# --- Brazilian prices -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("35,90", "35.90"),
        ("35.90", "35.90"),
        ("35", "35.00"),
        ("35,9", "35.90"),
        ("1.234,50", "1234.50"),
        ("R$ 42,00", "42.00"),
        ("  7,5 ", "7.50"),
    ],
)
def test_prices_typed_the_brazilian_way(typed, expected):
    assert BrazilianDecimalField().clean(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5,00", "maior que zero"),
        ("0,00", "maior que zero"),
        ("abc", "35,90"),
        ("35,999", "dois dígitos"),
        ("1,234.50", "35,90"),
        ("9.999,00", "alto demais"),
        ("1e3", "35,90"),
        ("NaN", "35,90"),
    ],
)
def test_prices_that_are_not_prices_are_refused(typed, message):
    from django import forms

    with pytest.raises(forms.ValidationError, match=message):
        BrazilianDecimalField().clean(typed)


def test_parse_and_format_round_trip():
    for amount in ("0.50", "35.90", "1234.50"):
        assert parse_brl(format_brl(Decimal(amount))) == Decimal(amount)


# --- the list ---------------------------------------------------------------------------------------


def test_the_menu_page_lists_every_category_and_item_with_prices(manager, menu_data):
    html = text(manager.get(PAGE))
    assert '<a href="/gestao/cardapio/" aria-current="page">Cardápio</a>' in html
    for category in menu_data.categories:
        assert f'data-category="{category["slug"]}"' in html
    for slug in menu_data.items:
        assert f'data-item="{slug}"' in html
    row = html.split('data-item="calabresa"', 1)[1].split("</li>", 1)[0]
    assert brl(menu_data.price("calabresa", "grande")) in row


def test_the_kitchen_opens_none_of_the_menu_pages_and_changes_nothing(staff_login, nosql_store):
    kitchen = staff_login(roles.KITCHEN)
    for url in (PAGE, NEW, edit_url("calabresa")):
        assert kitchen.get(url).status_code == 403
    nosql_store.stats.reset()
    for url, data in (
        (NEW, {"name": "Pirata", "category": "especial", "price_grande": "50,00"}),
        (edit_url("calabresa"), {"name": "Pirata", "category": "especial"}),
        (MOVE, {"kind": "item", "slug": "calabresa", "direction": "1"}),
        (CATEGORY, {"name": "Pirata"}),
    ):
        assert staff_post(kitchen, url, data).status_code == 403
    assert nosql_store.stats.calls["put"] == 0


def test_without_the_csrf_token_nothing_changes(manager, nosql_store):
    manager.get(PAGE)
    nosql_store.stats.reset()
    response = manager.post(NEW, {"name": "Sem token", "category": "especial", "price_grande": "50,00"})
    assert response.status_code == 403
    assert nosql_store.stats.calls["put"] == 0


# --- creating with a photo ---------------------------------------------------------------------------


def test_a_manager_creates_a_pizza_with_a_photo_and_customers_see_it(manager, client):
    client.get("/")  # the menu is cached and its cards rendered before the change
    response = staff_post(
        manager,
        NEW,
        {
            "name": "Pizza do Chef",
            "category": "especial",
            "description": "Búfala e manjericão.",
            **size_prices("59,90"),
            "half_and_half": "on",
            "photo": upload(jpeg_with_gps()),
        },
    )
    assert response.status_code == 302, text(response)[:3000]
    assert response["Location"] == PAGE + "#item-pizza-do-chef"
    assert "Criado: Pizza do Chef. Os clientes já veem." in text(manager.get(PAGE))
    stored = menu_rows.item_get("pizza-do-chef")
    assert stored.price == Decimal("59.90") and default_storage.exists(stored.image)
    shown = card(text(client.get("/")), "pizza-do-chef")
    assert "Pizza do Chef" in shown and brl(Decimal("59.90")) in shown
    assert (
        f'srcset="{default_storage.url(stored.image)} 1x, {default_storage.url(stored.image_2x)} 2x"' in shown
    )
    # The stored photo is served (local storage in tests) and decodes.
    assert client.get(default_storage.url(stored.image)).status_code == 200


def test_a_new_drink_has_one_price(manager, client):
    response = staff_post(manager, NEW, {"name": "Chá gelado", "category": "bebida", "price": "7,50"})
    assert response.status_code == 302
    assert brl(Decimal("7.50")) in card(text(client.get("/")), "cha-gelado")


@pytest.mark.parametrize("kind", list(BAD_PHOTOS))
def test_a_bad_photo_is_refused_with_its_reason_and_nothing_is_created(manager, nosql_store, kind):
    make, message = BAD_PHOTOS[kind]
    nosql_store.stats.reset()
    response = staff_post(
        manager,
        NEW,
        {"name": "Com foto ruim", "category": "especial", **size_prices("50,00"), "photo": upload(make())},
    )
    assert response.status_code == 400
    assert message in text(response)
    assert nosql_store.stats.calls["put"] == 0
    assert menu_rows.item_get("com-foto-ruim") is None
    # The form comes back with what was typed.
    assert 'value="Com foto ruim"' in text(response)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Informe o nome."),
        ({"category": "sobremesa"}, "Escolha uma das categorias"),
        ({"price_grande": "-3"}, "maior que zero"),
        ({"price_grande": "abc"}, "Informe o preço como 35,90."),
        ({"price_broto": "", "price_media": "", "price_grande": ""}, "pelo menos um tamanho"),
    ],
)
def test_bad_fields_come_back_with_a_message(manager, nosql_store, fields, message):
    nosql_store.stats.reset()
    data = {"name": "Nova", "category": "especial", **size_prices("50,00"), **fields}
    response = staff_post(manager, NEW, data)
    assert response.status_code == 400
    assert message in text(response)
    assert nosql_store.stats.calls["put"] == 0


# --- editing ----------------------------------------------------------------------------------------


def test_a_price_change_shows_the_customer_the_carts_notice(manager, client, menu_data):
    add(client, "calabresa", size="grande")
    old = menu_data.price("calabresa", "grande")
    assert brl(old) in text(client.get("/carrinho/"))
    fields = form_fields(text(manager.get(edit_url("calabresa"))))
    assert fields["price_grande"] == format_brl(old)  # drawn as the manager types it
    new = old + Decimal("4.00")
    response = staff_post(manager, edit_url("calabresa"), {**fields, "price_grande": format_brl(new)})
    assert response.status_code == 302, text(response)[:3000]
    html = text(client.get("/carrinho/"))
    name = menu_data.name("calabresa")
    assert f"O preço de {name} mudou de {brl(old, ' ')} para {brl(new, ' ')}." in html
    assert brl(new) in html
    # The menu shows the new price at once.
    assert brl(new) in card(text(client.get("/")), "calabresa")


def test_two_managers_the_second_is_told_and_shown_the_current_values(manager, staff_login, menu_data):
    other = staff_login(roles.MANAGER, email="outra.gerente@pizzaria.example")
    mine = form_fields(text(manager.get(edit_url("calabresa"))))
    theirs = form_fields(text(other.get(edit_url("calabresa"))))
    assert mine["version"] == theirs["version"]
    assert (
        staff_post(other, edit_url("calabresa"), {**theirs, "description": "Com cebola roxa."}).status_code
        == 302
    )

    response = staff_post(manager, edit_url("calabresa"), {**mine, "name": "Calabresa Acebolada"})
    assert response.status_code == 409
    html = text(response)
    assert f"Outra pessoa mudou {menu_data.name('calabresa')} enquanto você editava." in html
    conflict = html.split('data-testid="conflict"', 1)[1].split("</section>", 1)[0]
    assert "Calabresa Acebolada" in conflict  # what this manager typed is still in front of them
    redrawn = form_fields(html.split('data-testid="conflict"', 1)[1])
    assert redrawn["description"] == "Com cebola roxa." and redrawn["name"] == menu_data.name("calabresa")
    stored = menu_rows.item_get("calabresa")
    assert (stored.name, stored.description) == (menu_data.name("calabresa"), "Com cebola roxa.")
    # Saving again from the redrawn form keeps both changes.
    response = staff_post(manager, edit_url("calabresa"), {**redrawn, "name": "Calabresa Acebolada"})
    assert response.status_code == 302
    stored = menu_rows.item_get("calabresa")
    assert (stored.name, stored.description) == ("Calabresa Acebolada", "Com cebola roxa.")


def test_a_forged_version_is_a_conflict_not_an_error(manager):
    fields = form_fields(text(manager.get(edit_url("bauru"))))
    for version in ("", "!!not-base64!!", "AAAA"):
        response = staff_post(manager, edit_url("bauru"), {**fields, "name": "Bauru 2", "version": version})
        assert response.status_code == 409
    assert menu_rows.item_get("bauru").name != "Bauru 2"


def test_hiding_an_item_takes_it_off_the_menu_at_once(manager, client, menu_data):
    assert 'data-item="bauru"' in text(client.get("/"))
    fields = form_fields(text(manager.get(edit_url("bauru"))))
    assert staff_post(manager, edit_url("bauru"), {**fields, "hidden": "on"}).status_code == 302
    assert 'data-item="bauru"' not in text(client.get("/"))
    listed = text(manager.get(PAGE))
    assert f"Salvo: {menu_data.name('bauru')}, escondido do cardápio." in listed
    assert "Escondido" in listed.split('data-item="bauru"', 1)[1].split("</li>", 1)[0]


def test_no_half_and_half_for_a_pizza_the_card_does_not_offer_it(manager, client, menu_data):
    fields = form_fields(text(manager.get(edit_url("peperone"))))
    fields.pop("half_and_half", None)
    assert staff_post(manager, edit_url("peperone"), fields).status_code == 302
    menu = text(client.get("/"))
    assert 'name="half"' not in card(menu, "peperone")
    assert 'value="peperone"' not in card(menu, "calabresa")
    response = post(
        client,
        "/carrinho/adicionar/",
        {"item": "calabresa", "size": "grande", "half": "peperone", "quantity": 1},
    )
    assert response.status_code == 302
    assert f"{menu_data.name('peperone')} não é vendida meio a meio." in text(
        client.get(response["Location"])
    )
    assert "Seu carrinho está vazio." in text(client.get("/carrinho/"))


def test_a_new_photo_replaces_the_old_one_in_the_storage(manager, client):
    old = menu_rows.item_get("calabresa").image
    fields = form_fields(text(manager.get(edit_url("calabresa"))))
    response = staff_post(manager, edit_url("calabresa"), {**fields, "photo": upload(jpeg_with_gps())})
    assert response.status_code == 302
    new = menu_rows.item_get("calabresa").image
    assert new != old and default_storage.exists(new) and not default_storage.exists(old)
    assert default_storage.url(new) in card(text(client.get("/")), "calabresa")


def test_an_unknown_item_is_a_404(manager):
    assert manager.get(edit_url("nao-existe")).status_code == 404


# --- order and categories ---------------------------------------------------------------------------


def test_moving_and_categories_through_the_pages(manager, client, menu_data):
    first, second = [s for s, i in menu_data.items.items() if i["category"] == "tradicional"][:2]
    response = staff_post(manager, MOVE, {"kind": "item", "slug": second, "direction": "-1"})
    assert response["Location"] == f"{PAGE}#item-{second}"
    menu = text(client.get("/"))
    assert menu.index(f'data-item="{second}"') < menu.index(f'data-item="{first}"')

    response = staff_post(manager, CATEGORY, {"slug": "tradicional", "name": "Clássicas"})
    assert response.status_code == 302
    assert "Clássicas" in text(client.get("/"))
    staff_post(manager, CATEGORY, {"name": "Doces"})
    listed = text(manager.get(PAGE))
    assert "Categoria criada: Doces." in listed and 'data-category="doces"' in listed
    response = staff_post(manager, CATEGORY, {"name": "doces"})
    assert "Já existe uma categoria com esse nome." in text(manager.get(PAGE))

    for bad, message in (
        ({"kind": "item", "slug": "x", "direction": "1"}, "Este item não está no cardápio."),
        ({"kind": "x", "slug": "bauru", "direction": "1"}, "Escolha o que mover."),
        ({"kind": "item", "slug": "bauru", "direction": "9"}, "Escolha subir ou descer."),
    ):
        assert staff_post(manager, MOVE, bad).status_code == 302
        assert message in text(manager.get(PAGE))


def test_an_empty_category_name_is_refused(manager):
    staff_post(manager, CATEGORY, {"name": "   "})
    assert "Informe o nome" in text(manager.get(PAGE))


def test_a_customer_is_sent_to_the_staff_login():
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/gestao/entrar/")
