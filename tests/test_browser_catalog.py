"""The menu area in Chromium: a manager (password, then the authenticator's code) creates a pizza with a
photo from the phone, a customer's phone shows it at once with the photo decoded (the 2× copy on a
2× screen), and a price change reaches the customer's cart as its notice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backoffice import roles
from backoffice.catalog.forms import format_brl
from conftest import brl
from menu import repositories as menu_rows
from menu.entities import PHOTO_SIZE
from menu.services import menu_size_rules
from menu.tests.test_catalog import jpeg_with_gps
from tests.test_browser_backoffice import PHONE, shot
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("always_open")]


@pytest.fixture
def manager_page(staff_page):
    """A desk-sized context signed in as a manager: password, then the authenticator's code."""
    return staff_page("gerente@pizzaria.example", role=roles.MANAGER, name="Paula Gerente")


def test_a_manager_adds_a_pizza_with_a_photo_and_changes_a_price_customers_see_both(
    contexts, manager_page, live_server, menu_data
):
    base = live_server.url
    # A customer's phone (a 2× screen) puts a calabresa grande in the cart first.
    phone = contexts.page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(base + "/")
    calabresa = phone.locator("li.menu-card[data-item=calabresa]")
    calabresa.locator("input[name=size][value=grande]").check(force=True)
    calabresa.get_by_role("button", name="Adicionar").click()
    expect(phone.locator("[data-testid=cart-badge]")).to_have_text("1")

    # The manager creates a pizza, priced per size the Brazilian way, with a photo straight off a phone.
    page = manager_page
    page.get_by_role("navigation").get_by_role("link", name="Cardápio").click()
    page.wait_for_url("**/gestao/cardapio/")
    page.get_by_role("link", name="Nova pizza ou bebida").click()
    page.get_by_label("Nome", exact=True).fill("Pizza do Chef")
    page.get_by_label("Categoria").select_option("especial")
    page.get_by_label("Descrição (ingredientes)").fill("Mussarela de búfala, tomate confit e manjericão.")
    rules = menu_size_rules()
    prices = {rule["code"]: Decimal("59.90") - 10 * (len(rules) - 1 - i) for i, rule in enumerate(rules)}
    for rule in rules:
        page.get_by_label(rule["name"], exact=True).fill(format_brl(prices[rule["code"]]))
    page.set_input_files(
        "#id_photo", files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    shot(page, "catalog-form")
    page.get_by_role("button", name="Criar").click()
    page.wait_for_url("**/gestao/cardapio/#item-pizza-do-chef")
    expect(page.locator(".bo-messages")).to_contain_text("Criado: Pizza do Chef. Os clientes já veem.")
    shot(page, "catalog-created")

    # The customer's next page has it, with its photo decoded at twice the card's size.
    phone.goto(base + "/")
    card = phone.locator("li.menu-card[data-item=pizza-do-chef]")
    expect(card).to_contain_text("Pizza do Chef")
    expect(card).to_contain_text(brl(min(prices.values())))
    photo = card.locator("img")
    photo.scroll_into_view_if_needed()
    # decode() fails on a broken file; with "2x" the browser halves the natural size it reports.
    width, height, source = photo.evaluate(
        "img => img.decode().then(() => [img.naturalWidth, img.naturalHeight, img.currentSrc])"
    )
    assert (width, height) == PHOTO_SIZE
    assert source.endswith(menu_rows.item_get("pizza-do-chef").image_2x)
    pixels = photo.evaluate(
        "img => fetch(img.currentSrc).then(r => r.blob()).then(createImageBitmap)"
        ".then(bitmap => [bitmap.width, bitmap.height])"
    )
    assert tuple(pixels) == (2 * PHOTO_SIZE[0], 2 * PHOTO_SIZE[1])
    shot(phone, "catalog-menu-phone")

    # The manager raises the calabresa grande.
    old = menu_data.price("calabresa", "grande")
    new = old + Decimal("4.50")
    page.get_by_role("link", name=f"Editar {menu_data.name('calabresa')}").click()
    grande = next(rule["name"] for rule in rules if rule["code"] == "grande")
    expect(page.get_by_label(grande, exact=True)).to_have_value(format_brl(old))
    page.get_by_label(grande, exact=True).fill(format_brl(new))
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator(".bo-messages")).to_contain_text(f"Salvo: {menu_data.name('calabresa')}.")
    expect(page.locator("li[data-item=calabresa] [data-testid=prices]")).to_contain_text(brl(new))

    # The customer's cart says so.
    phone.goto(base + "/carrinho/")
    expect(phone.locator("main")).to_contain_text(
        f"O preço de {menu_data.name('calabresa')} mudou de {brl(old, ' ')} para {brl(new, ' ')}."
    )
    shot(phone, "catalog-cart-notice")
