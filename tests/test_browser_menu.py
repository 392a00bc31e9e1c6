"""The menu as a customer sees it in Chromium."""

import pytest

from conftest import brl

pytestmark = pytest.mark.browser


def test_home_page_shows_pizzas_with_photos_and_prices_in_reais(page, live_server, menu_loaded, menu_data):
    page.goto(live_server.url + "/")
    cards = page.locator("li.menu-card")
    assert cards.count() == len(menu_data.items)
    photos = page.locator("li.menu-card > img")
    assert photos.count() == len(menu_data.photos)
    # Every photo really loads (decode() rejects for a broken image; lazy ones are asked for now).
    widths = photos.evaluate_all(
        "imgs => Promise.all(imgs.map(i => {"
        " i.loading = 'eager'; return i.decode().then(() => i.naturalWidth); }))"
    )
    assert all(w == 300 for w in widths), widths
    calabresa = page.locator("li.menu-card[data-item=calabresa]")
    assert calabresa.locator(".size-option").last.inner_text().endswith(brl(menu_data.price("calabresa")))
    water = brl(menu_data.price("agua-mineral"))
    assert page.locator("li.menu-card[data-item=agua-mineral] .price").inner_text() == water
    assert page.get_by_role("heading", name="Bebidas").is_visible()
    assert page.locator(".cart-badge").inner_text() == "0"


def test_switching_to_english_keeps_the_page_working(page, live_server, menu_loaded, menu_data):
    page.goto(live_server.url + "/")
    page.select_option("#language", "en")
    page.get_by_role("button", name="Mudar").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Our menu").is_visible()
    water = brl(menu_data.price("agua-mineral"), language="en")
    assert page.locator("li.menu-card[data-item=agua-mineral] .price").inner_text() == water


def test_no_csp_violations_on_the_home_page(page, live_server, menu_loaded):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert violations == []
