"""Issue 17 items 3-6 and 10 on a phone in Chromium: the delivery chip, adding without losing the place,
the bottom cart bar, the half-and-half prices, a calmer checkout, search spellings and the small things.

Every page is checked for Content Security Policy complaints (no inline scripts or styles).
"""

import json
import re
import unicodedata

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.entities import Address
from accounts.services import customer_address_save
from conftest import CUSTOMER_PASSWORD, brl, pizzeria_document, zone_fee
from ocipizza.pizzeria.services import pizzeria_save

pytestmark = pytest.mark.browser

PIZZERIA = pizzeria_document()
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}


@pytest.fixture
def always_open(shop):
    """The shipped profile, open around the clock, so the tests run at any hour."""
    from ocipizza.pizzeria.entities import ORDER_LIMIT_MAX

    document = json.loads(settings.PIZZERIA_PROFILE_FILE.read_text())
    document["hours"] = {day: [["00:00", "12:00"], ["12:00", "00:00"]] for day in document["hours"]}
    document.update(max_open_orders=ORDER_LIMIT_MAX, max_orders_per_hour=ORDER_LIMIT_MAX)
    pizzeria_save(document=document)


@pytest.fixture
def phone(browser, request):
    """``phone(**options)``: a phone-sized page whose CSP complaints fail the test, audited by axe (the
    ``accessibility`` fixture) like every browser test's pages."""
    opened, complaints = [], []
    audit = request.getfixturevalue("accessibility")

    def make(**options):
        context = browser.new_context(
            locale="pt-BR", **{"viewport": PHONE, "is_mobile": True, "has_touch": True, **options}
        )
        context.set_default_timeout(10_000)
        # axe is a script: a context with scripts off has its pages audited as copies at the end.
        audit.watch(context, javascript=options.get("java_script_enabled", True))
        opened.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                complaints.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    yield make
    from conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    if audit is not None:
        audit.finish()
    for number, context in enumerate(opened, 1):
        for page in context.pages:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{number}.png"), full_page=True)
        context.close()
    assert complaints == [], "a page broke its Content Security Policy"


def log_in(page, base, email):
    page.goto(base + "/conta/entrar/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", CUSTOMER_PASSWORD)
    page.locator("main").get_by_role("button", name="Entrar").click()
    page.wait_for_url(lambda url: "/conta/entrar/" not in url)


def snap(page, name: str) -> None:
    """What the customer sees at this moment (the viewport, not the whole page), for review."""
    from conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"evening-{name}.png"))


def folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


# --- items 3 and 4: fees up front, adding in place, the bottom bar -----------------------------------


def test_chip_add_in_place_bottom_bar_and_half_prices(phone, live_server, always_open, menu_data):
    page = phone()
    base = live_server.url
    page.goto(base + "/")
    centro = zone_fee(PIZZERIA, "Centro expandido")

    # The chip: a CEP in the Centro zone gives its fee and time before anything is in the cart.
    page.fill("#delivery-cep", "01310-100")
    page.get_by_role("button", name="Ver taxa").click()
    chip = page.get_by_test_id("delivery-chip-quote")
    expect(chip).to_have_text(f"taxa {brl(centro)} · cerca de 35 min")

    # Adding a drink far down the page: the confirmation shows next to its button, the page stays put.
    water = page.locator("li.menu-card[data-item=agua-mineral]")
    water.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 800
    bar = page.get_by_test_id("cart-bar")
    expect(bar).to_be_hidden()
    water.get_by_role("button", name="Adicionar").click()
    expect(water.get_by_test_id("add-confirm")).to_contain_text(
        f"{menu_data.name('agua-mineral')} foi para o carrinho."
    )
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("1")
    confirm_link = water.get_by_test_id("add-confirm").get_by_role("link", name="Ver carrinho")
    expect(confirm_link).to_have_attribute("href", "/carrinho/")
    assert page.evaluate("window.scrollY") == before
    assert "#" not in page.url  # no reload, no jump to an anchor
    price = menu_data.price("agua-mineral")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("1 item")
    expect(bar).to_contain_text(f"Ver carrinho · {brl(price)}")

    # Half and half: each half's price in the chosen size, and which one is charged (the dearer half).
    card = page.locator("li.menu-card[data-item=calabresa]")
    card.scroll_into_view_if_needed()
    card.locator("summary").click()
    card.locator("select[name=half]").select_option("peperone")
    own, other = menu_data.price("calabresa", "grande"), menu_data.price("peperone", "grande")
    rule = card.locator(".half-rule")
    expect(rule).to_have_text(
        f"Metade Calabresa {brl(own)} + metade Peperone {brl(other)}: "
        f"você paga {brl(max(own, other))}, o preço da metade mais cara."
    )
    card.locator("input[name=size][value=broto]").check()
    own, other = menu_data.price("calabresa", "broto"), menu_data.price("peperone", "broto")
    expect(card.locator("select[name=half] option[value=peperone]")).to_have_text(
        f"Peperone · Broto {brl(other)}"
    )
    expect(rule).to_contain_text(f"você paga {brl(max(own, other))}")
    card.get_by_role("button", name="Adicionar").click()
    expect(bar).to_contain_text("2 itens")
    expect(bar).to_contain_text(f"Ver carrinho · {brl(price + max(own, other))}")
    snap(page, "menu-phone")

    # The bar leads to the cart, whose chip still knows the CEP.
    bar.click()
    page.wait_for_url("**/carrinho/")
    expect(page.get_by_test_id("delivery-chip-quote")).to_have_text(f"taxa {brl(centro)} · cerca de 35 min")
    expect(page.locator("li.cart-line")).to_have_count(2)

    # Outside every zone the chip says to pick up.
    page.locator(".delivery-chip-change summary").click()
    page.fill("#delivery-cep", "20040-020")
    page.get_by_role("button", name="Ver taxa").click()
    expect(page.get_by_test_id("delivery-chip-quote")).to_contain_text("fora da área, retire na pizzaria")


def test_without_scripts_adding_comes_back_to_the_card_clear_of_the_header(phone, live_server, always_open):
    page = phone(java_script_enabled=False)
    page.goto(live_server.url + "/")
    water = page.locator("li.menu-card[data-item=agua-mineral]")
    water.get_by_role("button", name="Adicionar").click()
    page.wait_for_url("**/#added-agua-mineral")
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("1")
    # The card's own note says it, under the button, in sight and clear of the sticky header.
    note = water.locator(".added-note")
    expect(note).to_be_visible()
    expect(note).to_have_text("Foi para o carrinho. Ver carrinho")
    header = page.locator(".site-header").bounding_box()
    box = note.bounding_box()
    assert box["y"] >= header["y"] + header["height"], "the note sits under the sticky header"
    assert box["y"] + box["height"] <= PHONE["height"]
    assert water.get_by_role("button", name="Adicionar").bounding_box()["y"] >= header["y"] + header["height"]
    # Other cards keep theirs hidden.
    expect(page.locator("li.menu-card[data-item=calabresa] .added-note")).to_be_hidden()

    # A refused add comes back to the card itself (#item-<slug>), which clears the sticky header too.
    page.goto(live_server.url + "/#item-refrigerante-2l")
    soda = page.locator("li.menu-card[data-item=refrigerante-2l]")
    expect(soda.locator(".added-note")).to_be_hidden()
    card = soda.bounding_box()
    header = page.locator(".site-header").bounding_box()
    assert card["y"] >= header["y"] + header["height"], "the card sits under the sticky header"
    assert card["y"] < PHONE["height"]


# --- item 5 (and 3 at checkout): the calmer checkout --------------------------------------------------


def save(customer, **fields):
    address = Address(number="10", complement="", state="SP", **fields)
    return customer_address_save(customer_id=customer.id, address=address)


def test_calmer_checkout_quotes_saved_addresses_at_once(phone, live_server, always_open, make_customer):
    customer = make_customer("lia@example.com", verified=True, name="Lia Prado")
    save(customer, cep="20040020", street="Praça Pio X", district="Centro", city="Rio", label="Praia")
    save(
        customer,
        cep="01310100",
        street="Avenida Paulista",
        district="Bela Vista",
        city="São Paulo",
        label="Casa",
    )
    save(customer, cep="02010000", street="Rua Voluntários", district="Santana", city="São Paulo", label="Vó")
    page = phone()
    base = live_server.url
    log_in(page, base, customer.email)
    page.goto(base + "/")
    soda = page.locator("li.menu-card[data-item=refrigerante-2l]")
    soda.locator("input[name=quantity]").fill("3")
    soda.get_by_role("button", name="Adicionar").click()
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("3")
    subtotal = 3 * pizzeria_price("refrigerante-2l")
    page.goto(base + "/pedido/finalizar/")
    page.wait_for_load_state("load")

    # The address outside the zones is not the one chosen; the fields of a new address stay out of sight.
    casa = page.get_by_role("radio", name=re.compile(r"^Casa:"))
    expect(casa).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile(r"^Praia:"))).not_to_be_checked()
    expect(page.get_by_role("radio", name=re.compile(r"^Praia:"))).to_have_accessible_name(
        re.compile(r"fora da área de entrega")
    )
    address_fields = page.locator(".delivery-address .address-fields")
    expect(address_fields).to_be_hidden()
    centro, norte = zone_fee(PIZZERIA, "Centro expandido"), zone_fee(PIZZERIA, "Zona Norte")
    total = page.get_by_test_id("checkout-total")
    expect(total).to_have_text(brl(subtotal + centro))

    # Another saved address: fee, total and quote change at once, no reload.
    page.get_by_role("radio", name=re.compile(r"^Vó:")).check()
    expect(total).to_have_text(brl(subtotal + norte))
    expect(page.get_by_test_id("delivery-quote")).to_contain_text(f"Zona Norte): taxa de {brl(norte)}")
    snap(page, "checkout-phone")
    page.get_by_role("radio", name=re.compile(r"^Praia:")).check()
    expect(page.get_by_test_id("delivery-quote")).to_contain_text("fora da área de entrega")
    expect(total).to_be_hidden()

    # A new address shows its fields; pickup hides the whole section.
    page.get_by_label("Outro endereço").check()
    expect(address_fields).to_be_visible()
    page.get_by_label("Retirar na pizzaria").check()
    expect(page.locator("[data-delivery-section]")).to_be_hidden()
    expect(page.get_by_role("radio", name="Cartão de crédito na retirada")).to_be_visible()
    expect(page.get_by_role("radio", name="Dinheiro na retirada")).to_be_visible()
    page.get_by_label("Entrega", exact=True).check()
    expect(page.locator("[data-delivery-section]")).to_be_visible()
    expect(page.get_by_role("radio", name="Cartão de crédito na entrega")).to_be_visible()

    # "Troco para quanto?" only for cash.
    change = page.get_by_label("Troco para quanto?")
    expect(change).to_be_hidden()
    page.get_by_label("Dinheiro").check()
    expect(change).to_be_visible()
    page.get_by_label("PIX (QR Code ou copia e cola)").check()
    expect(change).to_be_hidden()

    # The order goes to the Zona Norte address at the fee the page showed.
    page.get_by_role("radio", name=re.compile(r"^Vó:")).check()
    page.get_by_role("button", name="Fazer pedido").click()
    page.wait_for_url(re.compile(r".*/pedidos/[^/]+/$"))
    expect(page.get_by_test_id("order-total")).to_have_text(brl(subtotal + norte))

    # Tracking: the pizzeria's WhatsApp and phone.
    whatsapp = "".join(c for c in PIZZERIA["whatsapp"] if c.isdigit())
    help_links = page.locator(".order-help")
    expect(help_links.get_by_role("link", name=re.compile("WhatsApp"))).to_have_attribute(
        "href", f"https://wa.me/{whatsapp}"
    )
    expect(help_links.get_by_role("link", name=re.compile("Ligar"))).to_be_visible()


def pizzeria_price(slug):
    from conftest import MenuData

    return MenuData().price(slug)


# --- item 6: search ----------------------------------------------------------------------------------


def test_search_knows_the_spellings(phone, live_server, always_open, menu_data):
    page = phone()
    page.goto(live_server.url + "/?categoria=bebida")
    page.fill("#menu-q", "muçarela")
    page.press("#menu-q", "Enter")
    page.wait_for_url("**/?q=*")
    expected = [
        s for s, i in menu_data.items.items() if "mussarela" in folded(f"{i['name']} {i['description']}")
    ]
    expect(page.locator("li.menu-card")).to_have_count(len(expected))
    expect(page.get_by_test_id("search-summary")).to_have_text(
        f"{len(expected)} resultados para “muçarela” em todo o cardápio."
    )
    page.fill("#menu-q", "coca")
    page.press("#menu-q", "Enter")
    expect(page.locator("li.menu-card[data-item=refrigerante-lata]")).to_be_visible()


# --- item 10: the small things -------------------------------------------------------------------------


def header_on_one_line(page):
    header = page.locator(".header-row").bounding_box()
    assert header["height"] < 64, f"the header wraps: {header['height']} px high"
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    for link in page.locator(".header-row a:visible, .header-row button:visible").all():
        box = link.bounding_box()
        assert header["y"] <= box["y"] and box["y"] + box["height"] <= header["y"] + header["height"]


def test_the_phone_header_fits_one_line_and_the_footer_has_contacts(
    phone, live_server, always_open, make_customer, monkeypatch
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from menu import views as menu_views

    page = phone(viewport=NARROW)
    page.goto(live_server.url + "/")
    header_on_one_line(page)
    expect(page.get_by_role("link", name=re.compile(r"Carrinho"))).to_be_visible()
    footer = page.locator("footer")
    whatsapp = "".join(c for c in PIZZERIA["whatsapp"] if c.isdigit())
    expect(footer.get_by_role("link", name=re.compile("WhatsApp"))).to_have_attribute(
        "href", f"https://wa.me/{whatsapp}"
    )

    customer = make_customer("rui@example.com", verified=True, name="Rui Barbosa")
    log_in(page, live_server.url, customer.email)
    page.goto(live_server.url + "/")
    header_on_one_line(page)

    # Before the Saturday lunch shift (the shipped hours), the menu says it opens today.
    pizzeria_save(document=PIZZERIA)
    saturday = dt.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo(PIZZERIA["timezone"]))
    monkeypatch.setattr(menu_views, "clock", lambda: saturday)
    page.goto(live_server.url + "/")
    expect(page.locator(".banner-closed")).to_contain_text(
        f"Abrimos hoje às {PIZZERIA['hours']['sat'][0][0]}."
    )
