"""The whole customer journey on a phone in Chromium: sign up, confirm, order meio-a-meio and a drink,
check out with the address filled from the CEP, pay by PIX and land on the tracking page.

Screenshots of every step go to test-artifacts/ (CI keeps them).
"""

import json
import re
import shutil
import subprocess
import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import ARTIFACTS, brl, pizzeria_document, zone_fee
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from ocipizza.pizzeria.services import pizzeria_save
from orders.tests.test_pix import decode_brcode

# The small CEP database of the locations tests, so 01310-100 fills in Avenida Paulista.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cep_db")]

PASSWORD = "pizza-de-sexta-feira-42"


@pytest.fixture
def always_open(shop):
    """The shipped profile, open around the clock, so the test runs at any hour, and with the order caps
    at their highest: one test customer places more orders in a minute than a real one would."""
    from ocipizza.pizzeria.entities import ORDER_LIMIT_MAX

    document = json.loads(settings.PIZZERIA_PROFILE_FILE.read_text())
    document["hours"] = {day: [["00:00", "12:00"], ["12:00", "00:00"]] for day in document["hours"]}
    document.update(max_open_orders=ORDER_LIMIT_MAX, max_orders_per_hour=ORDER_LIMIT_MAX)
    pizzeria_save(document=document)


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"order-journey-{name}.png"), full_page=True)


def wait_for_mail(smtp_server, count, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(smtp_server.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp_server.messages) >= count, "the e-mail did not arrive"
    return smtp_server.messages[count - 1]


def test_phone_customer_orders_meio_a_meio_and_pays_by_pix(
    phone_page, live_server, always_open, smtp_server, menu_data
):
    page = phone_page
    base = live_server.url

    # Sign up and confirm the e-mail.
    page.goto(base + "/conta/cadastro/")
    page.fill("input[name=name]", "Ana Paula Souza")
    page.fill("input[name=email]", "ana.paula@example.com")
    page.fill("input[name=telephone]", "(11) 98888-7777")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=privacy]")
    shot(page, "1-signup")
    page.get_by_role("button", name="Criar conta").click()
    message = wait_for_mail(smtp_server, 1)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/conta/confirmar/\S+", body).group(0)
    page.goto(base + link[link.index("/conta/") :])
    page.get_by_role("button", name="Confirmar meu e-mail").click()
    assert "E-mail confirmado!" in page.content()
    page.goto(base + "/conta/entrar/")
    page.fill("input[name=email]", "ana.paula@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Entrar").click()

    # Meio a meio calabresa/peperone (grande) and a 2 L soda.
    page.goto(base + "/")
    card = page.locator("li.menu-card[data-item=calabresa]")
    card.locator("summary").click()
    card.locator("select[name=half]").select_option("peperone")
    card.locator("input[name=size][value=grande]").check()
    shot(page, "2-menu")
    card.get_by_role("button", name="Adicionar").click()
    page.locator("li.menu-card[data-item=refrigerante-2l]").get_by_role("button", name="Adicionar").click()
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("2")  # added in place, by the script

    page.goto(base + "/carrinho/")
    assert "Meio a meio: Calabresa e Peperone" in page.content()
    halves = (menu_data.price("calabresa", "grande"), menu_data.price("peperone", "grande"))
    subtotal = max(halves) + menu_data.price("refrigerante-2l")  # the dearer half, and the soda
    assert page.locator("[data-testid=subtotal]").inner_text() == brl(subtotal)
    shot(page, "3-cart")
    page.get_by_role("link", name="Fechar pedido").click()
    page.wait_for_load_state("load")  # deferred scripts (the CEP autofill) have run

    # The CEP fills the address in; the customer adds the number.
    page.fill("input[name=cep]", "01310-100")
    expect(page.locator("input[name=logradouro]")).to_have_value("Avenida Paulista")
    assert page.input_value("input[name=bairro]") == "Bela Vista"
    assert page.input_value("input[name=cidade]") == "São Paulo"
    page.fill("input[name=numero]", "1000")
    page.check("input[name=payment][value=PIX]")
    shot(page, "4-checkout")
    page.get_by_role("button", name="Fazer pedido").click()
    # A new address: the page first shows the delivery fee, and the customer confirms.
    fee = zone_fee(pizzeria_document(), "Centro expandido")
    assert f"Confira a taxa de entrega de {brl(fee, ' ')}" in page.content()
    assert page.locator("[data-testid=checkout-total]").inner_text() == brl(subtotal + fee)
    page.get_by_role("button", name="Fazer pedido").click()

    # The tracking page with the PIX QR code and the copia-e-cola.
    page.wait_for_url(re.compile(r".*/pedidos/[0-9a-z]+/$"))
    assert page.locator("[data-testid=order-status]").inner_text() == "Aguardando pagamento"
    code = page.locator("[data-testid=pix-code]").input_value()
    fields = decode_brcode(code)
    assert fields["54"] == str(subtotal + fee)
    qr = page.locator("[data-testid=pix-qr] svg")
    assert qr.is_visible()
    shot(page, "5-tracking")
    image = ARTIFACTS / "order-journey-qr.png"
    qr.screenshot(path=str(image))
    assert shutil.which("zbarimg"), "zbar-tools is missing: scripts/test.sh installs it"
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    )
    assert decoded.stdout.strip() == code
