"""Phone orders in Chromium: a manager takes a caller's order at /gestao/balcao/ (the CEP autofill fills the
address) and the kitchen's open board shows its card by the next poll, without a reload.

The manager and the kitchen each have their own browser context, as on two screens of the pizzeria.
Screenshots go to test-artifacts/ (CI keeps them).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backoffice import roles
from backoffice.counter.services import PIZZERIA_CUSTOMER_ID
from conftest import ARTIFACTS, MenuData, brl, pizzeria_document, zone_fee
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from orders import repositories
from orders.statuses import Status
from tests.test_browser_backoffice import POLL_WAIT, card, column
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cep_db", "always_open")]


MENU = MenuData()
FEE = zone_fee(pizzeria_document(), "Centro expandido")  # 01310-100's zone


@pytest.fixture
def manager_page(staff_page):
    """A desk-sized context signed in as a manager: password, then the authenticator's code."""
    return staff_page("gerente@pizzaria.example", role=roles.MANAGER, name="Ana Lima")


def test_a_manager_takes_a_phone_order_and_the_open_board_shows_it(manager_page, staff_page, live_server):
    kitchen = staff_page("cozinha@pizzaria.example", name="Beto")
    kitchen.goto(live_server.url + "/gestao/pedidos/")
    expect(column(kitchen, "novos")).to_be_visible()

    page = manager_page
    page.get_by_role("link", name="Balcão / telefone").click()
    page.wait_for_url(re.compile(r".*/gestao/balcao/$"))
    pizza = page.locator("#item-calabresa")
    pizza.locator("input[name=size][value=grande]").check()
    pizza.locator("select[name=half]").select_option("peperone")
    pizza.locator("input[name=quantity]").fill("2")
    pizza.locator("input[name=note]").fill("sem cebola")
    pizza.get_by_role("button", name="Adicionar").click()
    expect(page.locator("[data-testid=counter-cart]")).to_contain_text("Meio a meio: Calabresa e Peperone")
    page.locator("#item-refrigerante-2l").get_by_role("button", name="Adicionar").click()
    subtotal = 2 * max(MENU.price("calabresa", "grande"), MENU.price("peperone", "grande")) + MENU.price(
        "refrigerante-2l"
    )
    expect(page.locator("[data-testid=counter-subtotal]")).to_have_text(brl(subtotal))
    page.wait_for_load_state("load")  # deferred scripts (the CEP autofill) have run

    page.fill("input[name=name]", "João Pereira")
    page.fill("input[name=telephone]", "(11) 98765-4321")
    page.check("input[name=fulfilment][value=DELIVERY]")
    page.fill("input[name=cep]", "01310-100")
    expect(page.locator("input[name=logradouro]")).to_have_value("Avenida Paulista")
    assert page.input_value("input[name=bairro]") == "Bela Vista"
    assert page.input_value("input[name=cidade]") == "São Paulo"
    page.fill("input[name=numero]", "1000")
    page.check("input[name=payment][value=CASH]")
    page.fill("input[name=change_for]", "200,00")
    page.get_by_role("button", name="Lançar pedido").click()
    # An address the autofill found has not been priced yet: the fee is shown to tell the caller first.
    expect(page.locator(".bo-messages")).to_contain_text(f"Taxa de entrega de {brl(FEE, ' ')}")
    expect(page.locator("[data-testid=counter-total]")).to_have_text(brl(subtotal + FEE))
    assert page.input_value("input[name=name]") == "João Pereira"  # the form came back as typed
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "counter-phone-order.png"), full_page=True)
    page.get_by_role("button", name="Lançar pedido").click()

    page.wait_for_url(re.compile(r".*/gestao/pedidos/[0-9A-Z]{8}/$"))
    [order] = repositories.orders_of(customer_id=PIZZERIA_CUSTOMER_ID)
    assert (order.total, order.status, order.zone) == (subtotal + FEE, Status.PLACED, "Centro expandido")
    assert order.customer["telephone"] == "+5511987654321" and order.address["street"] == "Avenida Paulista"
    expect(page.locator("main")).to_contain_text(f"Pedido {order.code} lançado")
    expect(page.locator("[data-testid=detail-channel]")).to_have_text("Pedido por Telefone")

    # The kitchen's board, never reloaded, shows the card by its poll, with the caller to call back.
    new = card(kitchen, order.code)
    expect(column(kitchen, "novos").locator(f"[data-code='{order.code}']")).to_be_visible(timeout=POLL_WAIT)
    expect(new.locator("[data-testid=card-channel]")).to_contain_text("Telefone")
    expect(new).to_contain_text("João Pereira")
    expect(new.locator("a[href^='tel:']")).to_have_text("(11) 98765-4321")
    expect(new).to_contain_text(brl(subtotal + FEE))
