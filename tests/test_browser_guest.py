"""Issue 17 items 1 and 2 on phones in Chromium: one account's cart on two phones (and back after a logout),
and a guest's PIX order followed through the link of the e-mail.

Every page is audited by axe and watched for Content Security Policy complaints.
"""

import json
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import CUSTOMER_PASSWORD, brl, pizzeria_document, zone_fee
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from ocipizza.pizzeria.services import pizzeria_save
from orders.tests.test_pix import decode_brcode

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cep_db")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def always_open(shop):
    """The shipped profile, open around the clock, so the tests run at any hour."""
    document = json.loads(settings.PIZZERIA_PROFILE_FILE.read_text())
    document["hours"] = {day: [["00:00", "12:00"], ["12:00", "00:00"]] for day in document["hours"]}
    pizzeria_save(document=document)


def log_in(page, base, email):
    page.goto(base + "/conta/entrar/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", CUSTOMER_PASSWORD)
    page.locator("main").get_by_role("button", name="Entrar").click()
    page.wait_for_url(lambda url: "/conta/entrar/" not in url)


def add_from_menu(page, base, item):
    page.goto(base + "/")
    before = badge(page).inner_text()
    page.locator(f"li.menu-card[data-item={item}]").get_by_role("button", name="Adicionar").first.click()
    # The menu's script adds in place: done when the badge moves, not when the page is loaded (it
    # already was). Another page opened sooner could be answered before the addition landed.
    expect(badge(page)).not_to_have_text(before)


def badge(page):
    return page.locator("[data-testid=cart-badge]").first


def test_one_account_one_cart_on_two_phones(contexts, live_server, always_open, make_customer, menu_data):
    make_customer("maria@example.com", verified=True, name="Maria Silva")
    base = live_server.url
    first, second = contexts.page(**PHONE), contexts.page(**PHONE)

    # Before signing in, the first phone picks a soda; at login it joins the (empty) account cart.
    add_from_menu(first, base, "refrigerante-2l")
    expect(badge(first)).to_have_text("1")
    log_in(first, base, "maria@example.com")
    log_in(second, base, "maria@example.com")
    second.goto(base + "/carrinho/")
    expect(badge(second)).to_have_text("1")
    assert "Refrigerante 2 L" in second.content()

    # A pizza added on the second phone is on the first one's next page.
    add_from_menu(second, base, "calabresa")
    first.goto(base + "/carrinho/")
    expect(badge(first)).to_have_text("2")
    subtotal = menu_data.price("calabresa") + menu_data.price("refrigerante-2l")
    assert first.locator("[data-testid=subtotal]").inner_text() == brl(subtotal)

    # Removing it on the first phone removes it on the second.
    first.locator("li.cart-line", has_text="Calabresa").get_by_role("button", name="Remover").click()
    second.goto(base + "/carrinho/")
    expect(badge(second)).to_have_text("1")

    # Logging out leaves this phone with an empty cart; signing in again brings the cart back.
    second.locator("header").get_by_role("button", name="Sair", exact=True).click()
    expect(badge(second)).to_have_text("0")
    log_in(second, base, "maria@example.com")
    second.goto(base + "/carrinho/")
    expect(badge(second)).to_have_text("1")
    assert second.locator("[data-testid=subtotal]").inner_text() == brl(menu_data.price("refrigerante-2l"))


def test_a_guest_pays_by_pix_and_follows_the_order_by_the_emailed_link(
    contexts, live_server, always_open, smtp_server, menu_data
):
    base = live_server.url
    page = contexts.page(**PHONE)
    add_from_menu(page, base, "calabresa")
    add_from_menu(page, base, "refrigerante-2l")
    page.goto(base + "/carrinho/")
    page.get_by_role("link", name="Pedir sem cadastro").click()
    page.wait_for_load_state("load")

    page.fill("input[name=name]", "Ana Lima")
    page.fill("input[name=telephone]", "(21) 99876-5432")
    page.fill("input[name=email]", "ana.lima@example.com")
    assert page.locator("input[name=payment][value=CASH]").count() == 0  # PIX or card only
    page.fill("input[name=cep]", "01310-100")
    expect(page.locator("input[name=logradouro]")).to_have_value("Avenida Paulista")
    page.fill("input[name=numero]", "1000")
    page.check("input[name=payment][value=PIX]")
    page.get_by_role("button", name="Fazer pedido").click()
    page.wait_for_load_state("load")
    if "/pedido/sem-cadastro/" in page.url:  # a new address: the fee is shown first, then confirmed
        page.get_by_role("button", name="Fazer pedido").click()
    page.wait_for_url(re.compile(r".*/pedido/acompanhar/[^/]+/$"))
    tracking_url = page.url
    fee = zone_fee(pizzeria_document(), "Centro expandido")
    total = menu_data.price("calabresa") + menu_data.price("refrigerante-2l") + fee
    expect(page.locator("[data-testid=order-status]")).to_have_text("Aguardando pagamento")
    assert decode_brcode(page.locator("[data-testid=pix-code]").input_value())["54"] == str(total)
    assert "Enviamos o link para acompanhá-lo para ana.lima@example.com" in page.content()

    # The e-mail carries the tracking link; opened on another phone with no session, it shows the order.
    call_command("send_outbox", stdout=StringIO())
    [message] = [m for m in smtp_server.messages if m["To"] == "ana.lima@example.com"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/pedido/acompanhar/\S+/", body)[0]
    # The same order as the page's link (each signing has its own timestamp, so the tokens differ).
    assert (
        link.split("/pedido/acompanhar/")[1].split(":")[0]
        == tracking_url.split("/pedido/acompanhar/")[1].split(":")[0]
    )
    other = contexts.page(**PHONE)
    other.goto(base + link[link.index("/pedido/") :])
    expect(other.locator("[data-testid=order-status]")).to_have_text("Aguardando pagamento")
    assert other.locator("[data-testid=order-total]").inner_text() == brl(total)
    assert other.locator("[data-testid=pix-qr] svg").is_visible()
