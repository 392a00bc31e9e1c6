"""The app on the Oracle backend, in Chromium: the live server's store is an OracleStore talking through
borneo to the emulator subprocess, which holds the menu, the pizzeria profile and everything else."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import brl

pytestmark = [pytest.mark.browser, pytest.mark.system]


@pytest.fixture
def shop_on_oracle(oracle_store, nosql_emulator):
    from menu.services import menu_load
    from ocipizza.pizzeria.services import pizzeria_load

    menu_load(source=settings.MENU_DATA_DIR)
    pizzeria_load(path=settings.PIZZERIA_PROFILE_FILE)
    nosql_emulator.admin("requests", {"reset": True})
    return oracle_store


def test_menu_and_cart_on_oracle(page, live_server, shop_on_oracle, nosql_emulator, menu_data):
    page.goto(live_server.url + "/")
    pizzas = page.locator("li.menu-card > img")
    assert pizzas.count() == len(menu_data.photos)
    widths = pizzas.evaluate_all(
        "imgs => Promise.all(imgs.map(i => {"
        " i.loading = 'eager'; return i.decode().then(() => i.naturalWidth); }))"
    )
    assert all(w == 300 for w in widths), widths
    calabresa = page.locator("li.menu-card[data-item=calabresa]")
    calabresa_price = brl(menu_data.price("calabresa"))
    assert calabresa.locator(".size-option").last.inner_text().endswith(calabresa_price)
    for card in page.locator("li.menu-card").all():
        assert "R$" in card.inner_text()
    # The page was read from the emulator, through borneo.
    assert nosql_emulator.stats()["operations"].get("QUERY", 0) >= 1

    calabresa.get_by_role("button", name="Adicionar").click()
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("1")  # added in place, by the script
    page.goto(live_server.url + "/carrinho/")
    lines = page.locator("li.cart-line")
    assert lines.count() == 1
    assert "Calabresa" in lines.first.locator(".cart-line-name").inner_text()
    assert page.locator("[data-testid=subtotal]").inner_text() == calabresa_price
