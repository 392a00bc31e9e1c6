"""The customer's evening after "Fazer pedido", on a phone in Chromium (issue 17, items 7, 8, 9 and 11):
the tracking page follows the kitchen without reloading, the PIX code counts down and expires, cancelling
asks why, removals can be undone, deleting the account says what happens to open orders, and a keyboard
alone places an order. axe audits every page on the way (the page fixtures).

With SCREENSHOTS=1 (scripts/screenshots.sh) the tests also refresh the README's pictures in
docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, CUSTOMER_PASSWORD, brl
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cep_db", "always_open")]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PAULISTA = {
    "cep": "01310100",
    "street": "Avenida Paulista",
    "number": "1000",
    "complement": "ap. 12",
    "district": "Bela Vista",
    "city": "São Paulo",
    "state": "SP",
    "label": "Casa",
}


def readme_shot(page, name: str) -> None:
    """The README's screenshot ``name``, taken only when scripts/screenshots.sh asks (SCREENSHOTS=1):
    the viewport, not the whole page, so the PNG stays small."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def fast_polling(settings):
    settings.ORDER_PROGRESS_POLL_SECONDS = 1


@pytest.fixture
def diner(make_customer):
    return make_customer("bruna@example.com", verified=True, name="Bruna Costa")


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/conta/entrar/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha", exact=True).fill(CUSTOMER_PASSWORD)
    page.locator("main").get_by_role("button", name="Entrar").click()
    page.wait_for_url(lambda url: "/conta/entrar/" not in url)


def place(customer, *, payment: str = "PIX", now: dt.datetime | None = None, item: str = "calabresa"):
    """An order for pickup placed through checkout's service, as the checkout page would."""
    from menu.selectors import storefront_get
    from orders import cart as carts
    from orders import checkout
    from orders.statuses import Fulfilment

    menu, pizzeria = storefront_get()
    session = {}
    carts.cart_add(session=session, menu=menu, pizzeria=pizzeria, item_slug=item, quantity=2)
    order, _created = checkout.order_place(
        customer=customer,
        cart=carts.cart_get(session=session, menu=menu, pizzeria=pizzeria),
        pizzeria=pizzeria,
        key=checkout.checkout_key_new(),
        fulfilment=Fulfilment.PICKUP,
        payment=payment,
        now=now or timezone.now(),
    )
    return order


def kitchen_moves(order, target):
    """The staff move the order (the board's service call, here without the board's page)."""
    from orders import repositories
    from orders.services import order_transition
    from orders.statuses import Actor

    current = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
    return order_transition(order=current, target=target, actor=Actor.STAFF, now=timezone.now(), by="Bia")


def hhmm(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


# --- item 7 and 8: tracking without reloads, the PIX countdown --------------------------------------------


def test_tracking_follows_the_kitchen_without_reloading(
    phone_page, live_server, diner, fast_polling, accessibility, settings
):
    from orders.expiry import pix_expires_at
    from orders.statuses import Status

    page = phone_page
    order = place(diner)
    sign_in(page, live_server.url, diner.email)
    page.goto(f"{live_server.url}/pedidos/{order.order_id}/")

    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    region = page.locator("#order-progress")
    assert region.get_attribute("aria-live") == "polite"
    status = page.get_by_test_id("order-status")
    expect(status).to_have_text("Aguardando pagamento")

    # The PIX code: valid until a time the page states, a countdown, and the same deadline in the code.
    until = hhmm(pix_expires_at(order))
    expect(page.get_by_test_id("pix-expiry")).to_contain_text(f"Este código vale até as {until}.")
    minutes = settings.ORDER_PIX_MINUTES
    expect(page.get_by_test_id("pix-countdown")).to_have_text(
        re.compile(rf"^Tempo para pagar: ({minutes}|{minutes - 1}):[0-5]\d$")
    )
    first = page.get_by_test_id("pix-countdown").inner_text()
    expect(page.get_by_test_id("pix-countdown")).not_to_have_text(first)  # it counts
    assert f"VALIDO ATE {until.replace(':', 'H')}" in page.get_by_test_id("pix-code").input_value()
    readme_shot(page, "tracking")

    # The staff see the payment: the timeline moves on, the PIX part goes, the ETA counts from now.
    page.evaluate("window.__sameDocument = true")
    paid = kitchen_moves(order, Status.RECEIVED)
    expect(status).to_have_text("Pedido recebido")
    expect(page.locator("section.pix")).to_be_hidden()
    expect(page.get_by_test_id("order-eta")).to_have_text(f"Previsão: por volta das {hhmm(paid.eta_at)}.")
    expect(page.locator('.timeline-step[aria-current="step"]')).to_contain_text("Pedido recebido")
    accessibility.check(page)

    for target, label in (
        (Status.PREPARING, "Em preparo"),
        (Status.READY_FOR_PICKUP, "Pronto para retirada"),
        (Status.DELIVERED, "Entregue"),
    ):
        kitchen_moves(order, target)
        expect(status).to_have_text(label)
    expect(page.get_by_role("button", name="Cancelar pedido")).to_be_hidden()
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    accessibility.check(page)


def test_an_unpaid_pix_order_expires_on_the_page_and_by_email(
    phone_page, live_server, diner, fast_polling, smtp_server, settings
):
    page = phone_page
    late = timezone.now() - dt.timedelta(minutes=settings.ORDER_PIX_MINUTES, seconds=5)
    order = place(diner, now=late)
    sign_in(page, live_server.url, diner.email)
    page.goto(f"{live_server.url}/pedidos/{order.order_id}/")
    expect(page.get_by_test_id("pix-expired")).to_contain_text(
        "O prazo para pagar este pedido com PIX acabou"
    )
    assert page.get_by_test_id("pix-code").count() == 0, "an expired code is not offered"

    call_command("send_outbox", stdout=StringIO())  # its round cancels the order, then sends the e-mail
    reason = f"o pagamento PIX não chegou em {settings.ORDER_PIX_MINUTES} minutos"
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelado")
    expect(page.get_by_test_id("cancel-reason")).to_have_text(f"Motivo do cancelamento: {reason}")
    expect(page.get_by_test_id("pix-expired")).to_be_hidden()
    mails = [m for m in smtp_server.wait_for(2) if order.code in m["Subject"] and "cancelado" in m["Subject"]]
    assert len(mails) == 1
    assert f"Motivo: {reason}" in mails[0].get_body(preferencelist=("plain",)).get_content()


# --- item 9: ask first, or offer "desfazer" -----------------------------------------------------------


def test_cancelling_asks_why(phone_page, live_server, diner):
    page = phone_page
    order = place(diner, payment="CREDIT_CARD")
    sign_in(page, live_server.url, diner.email)
    page.goto(f"{live_server.url}/pedidos/{order.order_id}/")
    confirm = page.get_by_role("button", name="Confirmar cancelamento")
    expect(confirm).to_be_hidden()  # nothing is cancelled by one slip of the thumb
    page.get_by_text("Cancelar pedido").click()
    confirm.click()  # no reason chosen: the browser asks for one, nothing is sent
    expect(page.get_by_test_id("order-status")).to_have_text("Aguardando confirmação da pizzaria")
    page.get_by_label("Mudei de ideia").check()
    page.get_by_label("Quer contar mais? (opcional)").fill("Vou jantar fora")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cancel-asks-why.png"), full_page=True)
    confirm.click()
    expect(page.get_by_role("status")).to_contain_text("Pedido cancelado.")
    expect(page.get_by_test_id("cancel-reason")).to_have_text(
        "Motivo do cancelamento: Mudei de ideia: Vou jantar fora"
    )


def test_a_removed_cart_line_comes_back_with_desfazer(phone_page, live_server, diner, menu_data):
    page = phone_page
    sign_in(page, live_server.url, diner.email)
    page.goto(live_server.url + "/")
    readme_shot(page, "menu-phone")
    page.locator("li.menu-card[data-item=refrigerante-2l]").get_by_role("button", name="Adicionar").click()
    expect(page.get_by_test_id("cart-badge")).to_have_text("1")
    page.goto(live_server.url + "/carrinho/")
    page.get_by_role("button", name="Remover").click()
    expect(page.get_by_role("status")).to_contain_text("Item retirado do carrinho.")
    expect(page.get_by_text(menu_data.name("refrigerante-2l"))).to_have_count(0)
    page.get_by_role("status").get_by_role("button", name="Desfazer").click()
    expect(page.get_by_role("status")).to_contain_text("O item voltou para o carrinho.")
    price = brl(menu_data.price("refrigerante-2l"))
    expect(page.get_by_test_id("subtotal")).to_have_text(price)
    # Used once: the offer is gone with its message.
    expect(page.get_by_role("button", name="Desfazer")).to_have_count(0)


def test_a_deleted_address_comes_back_with_desfazer(phone_page, live_server, diner):
    from accounts.entities import Address
    from accounts.services import customer_address_save

    customer_address_save(customer_id=diner.id, address=Address(**PAULISTA))
    page = phone_page
    sign_in(page, live_server.url, diner.email)
    page.goto(live_server.url + "/conta/enderecos/")
    expect(page.get_by_text("Avenida Paulista, 1000")).to_be_visible()
    page.get_by_role("button", name="Excluir").click()
    expect(page.get_by_role("status")).to_contain_text("Endereço excluído.")
    expect(page.get_by_text("Avenida Paulista, 1000")).to_have_count(0)
    page.get_by_role("status").get_by_role("button", name="Desfazer").click()
    expect(page.get_by_role("status")).to_contain_text("Endereço recuperado.")
    expect(page.get_by_text("Avenida Paulista, 1000")).to_be_visible()


def test_deleting_the_account_says_what_happens_to_open_orders(phone_page, live_server, diner):
    from orders.statuses import Status

    waiting = place(diner, payment="CREDIT_CARD")
    cooking = place(diner, payment="CREDIT_CARD", item="peperone")
    kitchen_moves(cooking, Status.RECEIVED)
    kitchen_moves(cooking, Status.PREPARING)
    page = phone_page
    sign_in(page, live_server.url, diner.email)
    page.goto(live_server.url + "/conta/excluir/")
    notes = page.get_by_test_id("deletion-orders")
    expect(notes).to_contain_text(
        f"O pedido {waiting.code} (Aguardando confirmação da pizzaria) será cancelado"
    )
    expect(notes).to_contain_text(f"O pedido {cooking.code} (Em preparo) já está com a cozinha")
    page.get_by_label("Senha").fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Excluir minha conta").click()
    expect(page.locator("main")).to_contain_text(f"Espere a entrega do pedido {cooking.code}")
    expect(page.get_by_test_id("account-link")).to_be_visible()  # still signed in, nothing deleted


# --- item 11: a keyboard alone places an order ------------------------------------------------------


def tab_to(page, locator, *, limit: int = 120) -> None:
    """Press Tab until ``locator`` has the focus (as a keyboard user does), or fail."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(element) => document.activeElement === element", target):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_a_keyboard_alone_places_an_order(page, live_server, diner, menu_data):
    from accounts.entities import Address
    from accounts.services import customer_address_save

    customer_address_save(customer_id=diner.id, address=Address(**PAULISTA))
    base = live_server.url
    page.goto(base + "/conta/entrar/")
    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type(diner.email)
    page.keyboard.press("Tab")
    page.keyboard.type(CUSTOMER_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/conta/entrar/" not in url)

    page.goto(base + "/")
    pizza = page.locator("li.menu-card[data-item=calabresa]")  # above the minimum order
    tab_to(page, pizza.get_by_role("button", name="Adicionar"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cart-badge")).to_have_text("1")
    tab_to(page, page.locator("header a.cart-link"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/carrinho/$"))
    tab_to(page, page.get_by_role("link", name="Fechar pedido"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pedido/finalizar/$"))
    page.wait_for_load_state("load")
    readme_shot(page, "checkout")
    # The saved address in the delivery area and PIX come chosen; the keyboard reaches the button.
    place_button = page.get_by_role("button", name="Fazer pedido")
    tab_to(page, place_button)
    with page.expect_navigation():
        page.keyboard.press(" ")
    if "/pedido/finalizar/" in page.url:  # the fee is shown first when the page had not priced it yet
        page.wait_for_load_state("load")
        tab_to(page, place_button)
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pedidos/[0-9a-z]+/$"))
    expect(page.get_by_test_id("order-status")).to_have_text("Aguardando pagamento")
    expect(page.get_by_test_id("order-total")).to_be_visible()


def test_the_api_docs_examples_take_the_keyboard_on_a_phone(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/api/docs/")
    # A phone's width cuts the examples' long lines: each box takes the focus, so the arrow keys scroll it
    # (axe's scrollable-region-focusable, checked on this page by the fixture, is the rule).
    for name in ("Exemplo de pedido e resposta", "Exemplo de erro"):
        tab_to(page, page.get_by_role("region", name=name))
