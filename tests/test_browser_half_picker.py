"""The half-and-half picker on a phone in Chromium, with and without scripts (issue 13).

The menu page carries the list of halves once; a card gets it when asked: with scripts by opening its
"Meio a meio" section, without them through a link that reloads the menu with that card's list.
Pages are audited by axe and fail on Content Security Policy complaints (the ``phone`` fixture).
"""

import pytest
from playwright.sync_api import expect

from conftest import brl
from tests.test_browser_evening_ux import always_open, phone  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_with_scripts_a_card_gets_the_list_when_it_opens(phone, live_server, always_open, menu_data):  # noqa: F811
    page = phone()
    page.goto(live_server.url + "/")
    others = [slug for slug in menu_data.pizzas if slug != "calabresa"]
    card = page.locator("li.menu-card[data-item=calabresa]")
    card.scroll_into_view_if_needed()
    expect(card.locator("select[name=half]")).to_have_count(0)
    card.locator("summary").click()
    select = card.get_by_label("Outra metade")
    expect(select).to_be_visible()
    expect(card.get_by_role("link", name="Escolher a outra metade")).to_have_count(0)
    # Every other pizza, each with its price in the chosen size; the pizza itself is not offered.
    expect(select.locator("option")).to_have_count(1 + len(others))
    for slug in others:
        expect(select.locator(f"option[value={slug}]")).to_have_text(
            f"{menu_data.name(slug)} · Grande {brl(menu_data.price(slug, 'grande'))}"
        )
    select.select_option("peperone")
    own, other = menu_data.price("calabresa", "grande"), menu_data.price("peperone", "grande")
    expect(card.locator(".half-rule")).to_have_text(
        f"Metade Calabresa {brl(own)} + metade Peperone {brl(other)}: "
        f"você paga {brl(max(own, other))}, o preço da metade mais cara."
    )
    # Another card gets a list of its own, with its own label and without itself.
    second = page.locator("li.menu-card[data-item=peperone]")
    second.scroll_into_view_if_needed()
    second.locator("summary").click()
    expect(second.get_by_label("Outra metade").locator("option")).to_have_count(len(menu_data.pizzas))
    expect(second.locator("option[value=peperone]")).to_have_count(0)
    expect(select).to_have_value("peperone")  # the first card keeps its choice
    card.get_by_role("button", name="Adicionar").click()
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("1")
    page.goto(live_server.url + "/carrinho/")
    expect(page.locator("main")).to_contain_text("Meio a meio: Calabresa e Peperone")
    expect(page.get_by_test_id("subtotal")).to_have_text(brl(max(own, other)))


def test_without_scripts_the_link_lists_the_halves_in_that_card(phone, live_server, always_open, menu_data):  # noqa: F811
    page = phone(java_script_enabled=False)
    page.goto(live_server.url + "/")
    card = page.locator("li.menu-card[data-item=calabresa]")
    card.locator("summary").click()
    card.get_by_role("link", name="Escolher a outra metade").click()
    page.wait_for_url("**/?meio=calabresa#item-calabresa")
    card = page.locator("li.menu-card[data-item=calabresa]")
    select = card.get_by_label("Outra metade")
    expect(select).to_be_visible()  # the section comes open, the card in sight
    box, header = card.bounding_box(), page.locator(".site-header").bounding_box()
    assert header["y"] + header["height"] <= box["y"] < page.viewport_size["height"]
    expect(select.locator("option")).to_have_count(len(menu_data.pizzas))  # "Pizza inteira" + the others
    expect(select.locator("option[value=peperone]")).to_have_text(
        f"Peperone · Grande {brl(menu_data.price('peperone', 'grande'))}"
    )
    # No other card lists them.
    expect(page.locator("li.menu-card select[name=half]")).to_have_count(1)
    select.select_option("peperone")
    card.locator("input[name=size][value=broto]").check()
    card.get_by_role("button", name="Adicionar").click()
    page.wait_for_url(lambda url: "meio=" not in url)
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("1")
    page.goto(live_server.url + "/carrinho/")
    expect(page.locator("main")).to_contain_text("Meio a meio: Calabresa e Peperone")
    halves = (menu_data.price("calabresa", "broto"), menu_data.price("peperone", "broto"))
    expect(page.get_by_test_id("subtotal")).to_have_text(brl(max(halves)))
