"""The staff's back office in Chromium: the orders board through an evening, two staff racing one order,
the 80 mm tickets as a thermal printer gets them, and the board without JavaScript.

Staff and customers each have their own browser context (their own cookies), as on the counter's screen
and the customer's phone. Screenshots go to test-artifacts/ (CI keeps them).
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from conftest import ARTIFACTS, CUSTOMER_PASSWORD, brl
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from orders import repositories
from orders.statuses import LABELS, Status
from orders.tests.conftest import log_in
from orders.tests.test_checkout import add, checkout_key, submit
from tests.conftest import DESK, PHONE, shot
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

# The small CEP database of the locations tests, so 01310-100 fills in Avenida Paulista; the shop loaded
# and open around the clock, so the tests run at any hour.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cep_db", "always_open")]

BOARD = "/gestao/pedidos/"
# 80 mm at 96 CSS pixels per inch: the width a thermal printer's driver lays the ticket out on.
TICKET_PX = round(80 / 25.4 * 96)
# The board asks for changes every 5 s: what a poll brings is waited for over three of them.
POLL_WAIT = 15_000


@pytest.fixture
def shopper(live_server, make_customer):
    """The shop's Django test client, signed in as a confirmed customer: places orders without a browser."""
    customer = make_customer("cliente@example.com", verified=True, name="Cláudia Ramos")
    client = log_in(Client(enforce_csrf_checks=True), customer.email)
    client.customer = customer
    return client


def place_order(shopper, *, payment: str = "CREDIT_CARD", note: str = "", **fields):
    """An order through the shop's pages (cart, checkout), as stored."""
    add(shopper, "calabresa", size="grande", half="peperone", note=note)
    add(shopper, "refrigerante-2l")
    response = submit(shopper, checkout_key(shopper), payment=payment, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    order_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return repositories.order_get(customer_id=shopper.customer.id, order_id=order_id)


def stored(order):
    return repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)


def card(page, code: str):
    return page.locator(f"article.bo-card[data-code='{code}']")


def column(page, key: str):
    return page.locator(f"section.bo-column[data-column='{key}']")


def mails_about(smtp_server, code: str) -> list:
    return [m for m in smtp_server.messages if code in m["Subject"]]


def flush_outbox() -> None:
    call_command("send_outbox", stdout=StringIO())


# --- 1. the evening, end to end --------------------------------------------------------------------


def test_a_phone_order_reaches_the_open_board_rings_and_is_accepted(
    contexts,
    staff_page,
    live_server,
    make_customer,
    smtp_server,
    menu_data,
):
    base = live_server.url
    # The kitchen keeps the board open and switches the sound on.
    staff = staff_page("cozinha@pizzaria.example", name="Rita")
    staff.goto(base + BOARD)
    expect(column(staff, "novos").locator("article.bo-card")).to_have_count(0)
    staff.get_by_role("button", name="Ativar som").click()
    expect(staff.locator("#sound-toggle")).to_have_text("Som ativado")
    # Count the bell's real starts: an element event, not the app's own bookkeeping.
    staff.evaluate(
        """() => {
            window.bellStarts = 0;
            document.getElementById('bell').addEventListener('playing', () => { window.bellStarts += 1; });
        }"""
    )

    shot(staff, "1-board-empty")

    # A customer on a phone: log in, menu, cart, checkout, card on delivery.
    customer = make_customer("ana.paula@example.com", verified=True, name="Ana Paula Souza")
    phone = contexts.page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(base + "/conta/entrar/")
    phone.fill("input[name=email]", customer.email)
    phone.fill("input[name=password]", CUSTOMER_PASSWORD)
    phone.locator("main").get_by_role("button", name="Entrar").click()
    phone.wait_for_load_state()
    phone.goto(base + "/")
    pizza = phone.locator("li.menu-card[data-item=calabresa]")
    pizza.locator("summary").click()
    pizza.locator("input[name=size][value=grande]").check()
    pizza.get_by_role("button", name="Adicionar").click()
    expect(phone.locator("[data-testid=cart-badge]")).to_have_text("1")
    phone.goto(base + "/carrinho/")
    phone.get_by_role("link", name="Fechar pedido").click()
    phone.wait_for_load_state("load")
    phone.fill("input[name=cep]", "01310-100")
    expect(phone.locator("input[name=logradouro]")).to_have_value("Avenida Paulista")
    phone.fill("input[name=numero]", "1000")
    phone.check("input[name=payment][value=CREDIT_CARD]")
    phone.get_by_role("button", name="Fazer pedido").click()
    phone.get_by_role("button", name="Fazer pedido").click()  # after the delivery fee was shown
    phone.wait_for_url(re.compile(r".*/pedidos/[0-9a-z]+/$"))
    order_id = phone.url.rstrip("/").rsplit("/", 1)[-1]
    order = repositories.order_get(customer_id=customer.id, order_id=order_id)
    assert order.status == Status.PLACED
    expect(phone.locator("[data-testid=order-status]")).to_have_text(str(LABELS[Status.PLACED]))

    # The board, never reloaded, gets the card from its poll, shows the count in the tab and rings.
    new_card = card(staff, order.code)
    expect(column(staff, "novos").locator(f"[data-code='{order.code}']")).to_be_visible(timeout=POLL_WAIT)
    expect(new_card).to_contain_text(menu_data.name("calabresa"))
    expect(new_card).to_have_class(re.compile(r"\bis-new\b"))
    expect(staff).to_have_title(re.compile(r"^\(1\) Pedidos"))
    expect(staff.locator("#board")).to_have_attribute("data-ringing", "true")
    staff.wait_for_function("() => window.bellStarts >= 1")
    shot(staff, "1-board-ringing")

    # send_outbox (cron's job) sends the placement e-mail; the move must bring exactly one more. Queuing it
    # rewrites the order's row, which the board showed before: that is nobody's move.
    flush_outbox()
    before = len(mails_about(smtp_server, order.code))
    assert before == 1

    new_card.get_by_role("button", name="Aceitar").click()
    expect(column(staff, "recebidos").locator(f"[data-code='{order.code}']")).to_be_visible()
    expect(column(staff, "novos").locator("article.bo-card")).to_have_count(0)
    expect(staff.locator("#board")).to_have_attribute("data-ringing", "false")
    expect(staff).to_have_title(re.compile(r"^Pedidos"))
    assert stored(order).status == Status.RECEIVED
    assert [change.by for change in stored(order).history][-1] == "Rita"

    # The customer's tracking page says so.
    phone.reload()
    expect(phone.locator("[data-testid=order-status]")).to_have_text("Pedido recebido")

    # Exactly one e-mail for the move: the confirmation.
    for _ in range(2):
        flush_outbox()
    mails = mails_about(smtp_server, order.code)
    assert len(mails) == before + 1
    assert "confirmado" in mails[-1]["Subject"] and mails[-1]["To"] == customer.email
    # The bell stopped: nobody hears it once the order was accepted.
    starts = staff.evaluate("() => window.bellStarts")
    staff.wait_for_timeout(4500)  # longer than one ring interval
    assert staff.evaluate("() => window.bellStarts") == starts
    assert staff.evaluate("() => window.bellStarts") >= 1, "the board reloaded instead of polling"
    shot(staff, "1-board-accepted")


# --- 2. two staff browsers racing one order ----------------------------------------------------------


def test_two_staff_browsers_racing_one_order_end_with_one_move_and_one_message(
    staff_page, shopper, live_server
):
    order = place_order(shopper)
    ana = staff_page("ana@pizzaria.example", name="Ana")
    bruno = staff_page("bruno@pizzaria.example", name="Bruno")
    for page in (ana, bruno):
        page.goto(live_server.url + BOARD)
        expect(column(page, "novos").locator(f"[data-code='{order.code}']")).to_be_visible()

    # Bruno starts rejecting it. His next poll is held back until after his click: he decides within one
    # poll of Ana, so his card still shows the order as it was.
    held = []

    def hold(route):
        held.append(route)

    bruno.route("**/gestao/pedidos/mudancas/**", hold)
    theirs = card(bruno, order.code)
    theirs.locator("summary", has_text="Recusar").click()
    theirs.get_by_label("Motivo (o cliente vê)").fill("Acabou a calabresa, desculpe!")

    # Ana accepts first.
    card(ana, order.code).get_by_role("button", name="Aceitar").click()
    expect(column(ana, "recebidos").locator(f"[data-code='{order.code}']")).to_be_visible()
    assert stored(order).status == Status.RECEIVED

    with bruno.expect_response(re.compile(r".*/mover/$")) as answer:
        theirs.get_by_role("button", name="Confirmar").click()
    assert answer.value.status == 409
    status_line = bruno.locator("#board-status")
    expect(status_line).to_be_visible()
    expect(status_line).to_contain_text("O pedido mudou")
    # The losing board shows the order as it is now, without a reload.
    expect(column(bruno, "recebidos").locator(f"[data-code='{order.code}']")).to_be_visible()
    expect(column(bruno, "novos").locator("article.bo-card")).to_have_count(0)
    shot(bruno, "2-race-lost")

    # One move in the history: Ana's.
    history = stored(order).history
    assert [change.status for change in history] == [Status.PLACED, Status.RECEIVED]
    assert history[-1].by == "Ana"
    # Ana's board never heard of a conflict.
    expect(ana.locator("#board-status")).to_have_text("")

    # The message outlives the next polls, which find the board up to date.
    bruno.unroute("**/gestao/pedidos/mudancas/**")
    for route in held:
        route.continue_()
    polls = re.compile(r".*/mudancas/\?versao=\d*$")
    with bruno.expect_response(polls, timeout=15_000):
        pass
    with bruno.expect_request(polls, timeout=15_000):  # a poll later: the one before was handled
        pass
    expect(status_line).to_contain_text("O pedido mudou")

    # Bruno's fresh card works: his next move goes through and clears the message.
    card(bruno, order.code).get_by_role("button", name="Iniciar preparo").click()
    expect(column(bruno, "preparo").locator(f"[data-code='{order.code}']")).to_be_visible()
    expect(status_line).to_have_text("")
    assert [change.by for change in stored(order).history][1:] == ["Ana", "Bruno"]


def test_a_rejection_reason_being_typed_survives_the_redraw_a_new_order_brings(
    staff_page, shopper, live_server
):
    first = place_order(shopper)
    staff = staff_page("cozinha@pizzaria.example")
    staff.goto(live_server.url + BOARD)
    reason = card(staff, first.code).get_by_label("Motivo (o cliente vê)")
    card(staff, first.code).locator("summary", has_text="Recusar").click()
    reason.fill("Forno em manutenção")
    second = place_order(shopper, payment="PIX")
    expect(card(staff, second.code)).to_be_visible(timeout=POLL_WAIT)  # the poll redrew the columns
    expect(reason).to_be_visible()
    expect(reason).to_have_value("Forno em manutenção")
    expect(reason).to_be_focused()
    card(staff, first.code).get_by_role("button", name="Confirmar").click()
    expect(column(staff, "concluidos").locator(f"[data-code='{first.code}']")).to_be_visible()
    assert stored(first).status == Status.CANCELED and stored(first).cancel_reason == "Forno em manutenção"


# --- 3. the tickets at 80 mm ---------------------------------------------------------------------------

LONG_NOTE = "sem cebola, massa bem assada e borda recheada com catupiry, cortar em 12 pedaços"


def ticket_facts(page) -> dict:
    """What a thermal printer gets: colours of everything painted, the width used, the item lines' size."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            const body = document.body;
            const colours = new Set();
            const backgrounds = new Set();
            for (const el of [root, body, ...body.querySelectorAll('*')]) {
                const style = getComputedStyle(el);
                if (style.display === 'none' || el.tagName === 'SCRIPT') continue;
                colours.add(style.color);
                backgrounds.add(style.backgroundColor);
                for (const side of ['Top', 'Bottom', 'Left', 'Right']) {
                    const border = 'border' + side;
                    if (style[border + 'Style'] !== 'none') colours.add(style[border + 'Color']);
                }
            }
            const all = [...body.querySelectorAll('*')];
            const widest = Math.max(...all.map(el => el.getBoundingClientRect().right));
            const items = [...document.querySelectorAll('.ticket-items li')];
            return {
                colours: [...colours],
                backgrounds: [...backgrounds],
                scrollWidth: root.scrollWidth,
                clientWidth: root.clientWidth,
                widest: widest,
                bodyFont: parseFloat(getComputedStyle(body).fontSize),
                bodyWidth: body.getBoundingClientRect().width,
                itemFonts: items.map(li => parseFloat(getComputedStyle(li).fontSize)),
                itemWeights: items.map(li => parseInt(getComputedStyle(li).fontWeight, 10)),
            };
        }"""
    )


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """The pages' sizes in points, from their /MediaBox entries."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


@pytest.mark.parametrize("kind", ["cozinha", "entrega"])
def test_tickets_print_black_on_white_within_80mm_with_big_item_lines(staff_page, shopper, live_server, kind):
    order = place_order(shopper, payment="CASH", change_for="200,00", note=LONG_NOTE)
    page = staff_page("cozinha@pizzaria.example", viewport={"width": TICKET_PX, "height": 900})
    url = f"{live_server.url}/gestao/pedidos/{order.code}/comanda/{kind}/"
    page.emulate_media(media="print")
    page.goto(url)
    shot(page, f"3-ticket-{kind}")

    text = page.locator("body").inner_text()
    assert order.code in text and LONG_NOTE in text
    for item in order.items:
        assert f"{item.quantity}× {item.name}" in text
        if item.half_name:  # meio a meio: the name says both halves, once
            assert item.half_name in item.name and text.count(item.half_name) == 1
    if kind == "entrega":
        assert order.customer["telephone"] in text and order.address["street"] in text
        assert brl(order.change_due) in text and brl(order.total) in text

    facts = ticket_facts(page)
    assert facts["colours"] == ["rgb(0, 0, 0)"], "text and rules are black"
    assert set(facts["backgrounds"]) <= {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}, "on white"
    assert facts["scrollWidth"] <= facts["clientWidth"], "nothing runs past 80 mm"
    assert facts["widest"] <= facts["clientWidth"]
    # An 80 mm printer's head prints 72 mm of it (576 dots at 203 dpi).
    assert facts["bodyWidth"] <= 72 / 25.4 * 96 + 0.5
    assert len(facts["itemFonts"]) == len(order.items)
    assert all(size >= 16 and size >= 1.3 * facts["bodyFont"] for size in facts["itemFonts"])
    assert all(weight >= 700 for weight in facts["itemWeights"])

    # As Chromium prints it on 80 mm paper: every page 80 mm wide, one page for a short order.
    pdf = page.pdf(width="80mm", height="297mm")
    (ARTIFACTS / f"backoffice-3-ticket-{kind}.pdf").write_bytes(pdf)
    sizes = pdf_page_sizes(pdf)
    assert len(sizes) == 1 and sizes[0][0] == pytest.approx(80 / 25.4 * 72, abs=1)

    # Opened from the board with ?imprimir=1, the ticket asks to be printed once it has loaded.
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto(url + "?imprimir=1")
    # A loaded CI machine may take a while to load the page; the ticket must ask exactly once.
    page.wait_for_function("() => window.printed >= 1", timeout=30_000)
    assert page.evaluate("window.printed") == 1


# --- 4. without JavaScript ---------------------------------------------------------------------------


def test_without_javascript_the_board_works_with_its_forms_and_a_manual_refresh(
    staff_page, shopper, live_server
):
    accepted, refused = place_order(shopper), place_order(shopper, payment="PIX")
    staff = staff_page("cozinha@pizzaria.example", name="Rita", java_script_enabled=False)
    staff.goto(live_server.url + BOARD)
    expect(column(staff, "novos").locator("article.bo-card")).to_have_count(2)
    expect(staff).to_have_title(re.compile(r"^\(2\) Pedidos"))
    expect(staff.get_by_role("button", name="Ativar som")).to_be_hidden()  # it needs the script

    with staff.expect_navigation():
        card(staff, accepted.code).get_by_role("button", name="Aceitar").click()
    expect(column(staff, "recebidos").locator(f"[data-code='{accepted.code}']")).to_be_visible()
    assert stored(accepted).status == Status.RECEIVED

    rejecting = card(staff, refused.code)
    rejecting.locator("summary", has_text="Recusar").click()
    rejecting.get_by_label("Motivo (o cliente vê)").fill("Sem massa até amanhã")
    with staff.expect_navigation():
        rejecting.get_by_role("button", name="Confirmar").click()
    expect(column(staff, "concluidos").locator(f"[data-code='{refused.code}']")).to_be_visible()
    assert stored(refused).status == Status.CANCELED

    # A new order shows after "Atualizar", not by itself.
    later = place_order(shopper)
    expect(card(staff, later.code)).to_have_count(0)
    staff.get_by_role("link", name="Atualizar").click()
    expect(column(staff, "novos").locator(f"[data-code='{later.code}']")).to_be_visible()
    expect(staff).to_have_title(re.compile(r"^\(1\) Pedidos"))

    # Someone else moved the order meanwhile: the stale form posts, the page says so and shows it fresh.
    other = staff_page("ana@pizzaria.example", name="Ana")
    other.goto(live_server.url + BOARD)
    card(other, accepted.code).get_by_role("button", name="Iniciar preparo").click()
    expect(column(other, "preparo").locator(f"[data-code='{accepted.code}']")).to_be_visible()
    with staff.expect_navigation():
        card(staff, accepted.code).get_by_role("button", name="Iniciar preparo").click()
    expect(staff.locator(".bo-messages")).to_contain_text("O pedido mudou")
    expect(column(staff, "preparo").locator(f"[data-code='{accepted.code}']")).to_be_visible()
    assert [change.by for change in stored(accepted).history][1:] == ["Rita", "Ana"]
    shot(staff, "4-no-javascript")


# --- the board on a busy evening, as the counter sees it --------------------------------------------


def test_a_busy_board_stays_readable(staff_page, shopper, live_server):
    from django.utils import timezone

    from orders.services import order_transition
    from orders.statuses import Actor

    def moved(order, *targets):
        for target in targets:
            order = order_transition(
                order=order, target=target, actor=Actor.STAFF, now=timezone.now(), by="Rita"
            )
        return order

    pickup = {"fulfilment": "PICKUP", "saved_address": "", "quoted_fee": ""}
    orders = {
        "novos": [
            place_order(shopper, payment="PIX"),
            place_order(shopper, payment="CASH", change_for="200,00", note=LONG_NOTE),
        ],
        "recebidos": [moved(place_order(shopper), Status.RECEIVED)],
        "preparo": [moved(place_order(shopper, **pickup), Status.RECEIVED, Status.PREPARING)],
        "prontos": [
            moved(place_order(shopper), Status.RECEIVED, Status.PREPARING, Status.OUT_FOR_DELIVERY),
            moved(place_order(shopper, **pickup), Status.RECEIVED, Status.PREPARING, Status.READY_FOR_PICKUP),
        ],
        "concluidos": [
            moved(
                place_order(shopper),
                Status.RECEIVED,
                Status.PREPARING,
                Status.OUT_FOR_DELIVERY,
                Status.DELIVERED,
            ),
            order_transition(
                order=place_order(shopper),
                target=Status.CANCELED,
                actor=Actor.STAFF,
                now=timezone.now(),
                by="Rita",
                reason="Fora da área de entrega",
            ),
        ],
    }
    staff = staff_page("cozinha@pizzaria.example", name="Rita")
    staff.goto(live_server.url + BOARD)
    for key, placed in orders.items():
        expect(column(staff, key).locator("article.bo-card")).to_have_count(len(placed))
        expect(column(staff, key).locator(".bo-count")).to_have_text(str(len(placed)))
    expect(staff).to_have_title(re.compile(rf"^\({len(orders['novos'])}\) Pedidos"))
    shot(staff, "5-busy-board")
    layout = staff.evaluate(
        """() => {
            const root = document.documentElement;
            const spill = [];
            for (const card of document.querySelectorAll('article.bo-card')) {
                const box = card.getBoundingClientRect();
                for (const el of card.querySelectorAll('*')) {
                    if (!el.checkVisibility()) continue;
                    const r = el.getBoundingClientRect();
                    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) spill.push(el.outerHTML);
                }
            }
            const counts = [...document.querySelectorAll('.bo-count')].map(el => el.getBoundingClientRect());
            return {
                overflow: root.scrollWidth - root.clientWidth,
                spill: spill,
                countHeights: counts.map(r => r.height),
            };
        }"""
    )
    staff.set_viewport_size({"width": 1024, "height": 768})
    shot(staff, "5-busy-board-1024")
    staff.set_viewport_size(DESK)
    assert layout["overflow"] <= 0, "the page scrolls sideways"
    assert layout["spill"] == [], "something sticks out of its card"
    assert max(layout["countHeights"]) == min(layout["countHeights"]), "a column's count is stretched"
    # Each finished card says how it finished.
    for order in orders["concluidos"]:
        expect(card(staff, order.code)).to_contain_text(
            "Cancelado" if order.status == Status.CANCELED else "Concluído"
        )
    staff.set_viewport_size({"width": 1024, "height": 768})
    shot(staff, "5-busy-board-1024")
