"""Phone and counter orders (/gestao/balcao/): the shop's prices, fees and rules, placed by staff."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from backoffice import roles
from backoffice.board import views as board_views
from backoffice.counter import services as counter_services
from backoffice.counter import views as counter_views
from backoffice.counter.services import COUNTER_CART_KEY, PIZZERIA_CUSTOMER_ID
from conftest import MenuData, brl, pizzeria_document, post, zone_fee
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from ocipizza.mail.outbox import outbox_due
from ocipizza.pizzeria.services import pizzeria_pause
from orders import repositories
from orders.cart import SESSION_KEY
from orders.notifications import order_notifications_flush
from orders.statuses import Status
from orders.tests.conftest import OPEN_TIME
from orders.tests.test_pix import decode_brcode

from .conftest import staff_post

pytestmark = pytest.mark.django_db

PAGE = "/gestao/balcao/"
ADD = "/gestao/balcao/adicionar/"
LINE = "/gestao/balcao/item/"
REMOVE = "/gestao/balcao/item/remover/"
CLEAR = "/gestao/balcao/limpar/"
BOARD = "/gestao/pedidos/"

ADDRESS = {
    "cep": "01310-100",
    "logradouro": "Avenida Paulista",
    "numero": "1000",
    "complemento": "apto 12",
    "bairro": "Bela Vista",
    "cidade": "São Paulo",
    "uf": "SP",
}
CALLER = {"channel": "telefone", "name": "João  Pereira", "telephone": "(11) 98765-4321"}
E164 = "+5511987654321"

# Prices and fees from the shipped data files, as the shop's checkout tests take them.
MENU, PIZZERIA = MenuData(), pizzeria_document()
FEE = zone_fee(PIZZERIA, "Centro expandido")  # ADDRESS's CEP
MINIMUM = Decimal(PIZZERIA["minimum_order"])
# The cart ``filled`` makes: two half Calabresa, half Peperone grandes and a 2 L soda.
HALF = max(MENU.price("calabresa", "grande"), MENU.price("peperone", "grande"))  # "max" in the file
SUBTOTAL = 2 * HALF + MENU.price("refrigerante-2l")


@pytest.fixture
def evening(monkeypatch):
    """The counter's and the board's clocks (nothing else) on an evening the pizzeria is open."""
    assert PIZZERIA["half_and_half_rule"] == "max"
    monkeypatch.setattr(counter_views, "clock", lambda: OPEN_TIME)
    monkeypatch.setattr(board_views, "now", lambda: OPEN_TIME)
    return OPEN_TIME


@pytest.fixture
def manager(shop, staff_login, evening) -> Client:
    return staff_login(roles.MANAGER, name="Ana Lima")


@pytest.fixture
def filled(manager):
    add(manager, "calabresa", size="grande", quantity=2, half="peperone")
    add(manager, "refrigerante-2l")
    return manager


def add(staff, item, **fields):
    return staff_post(staff, ADD, {"item": item, "quantity": 1, **fields})


def page_key(staff) -> str:
    html = staff.get(PAGE).content.decode()
    return re.search(r'name="key" value="([0-9a-f]{32})"', html).group(1)


def place(staff, key=None, **fields):
    data = {
        "key": key or page_key(staff),
        **CALLER,
        "fulfilment": "DELIVERY",
        "payment": "CASH",
        "quoted_fee": str(FEE),
        **ADDRESS,
        **fields,
    }
    return staff_post(staff, PAGE, {k: v for k, v in data.items() if v is not None})


def pizzeria_orders():
    return list(repositories.orders_of(customer_id=PIZZERIA_CUSTOMER_ID))


def counter_lines(staff) -> list:
    return staff.session.get(COUNTER_CART_KEY, {}).get("lines", [])


def text(response) -> str:
    return response.content.decode()


def test_a_phone_delivery_order_is_priced_like_the_shop_and_appears_on_the_board(
    filled, staff_login, smtp_server
):
    response = place(filled, payment="CASH", change_for="200,00")
    [order] = pizzeria_orders()
    assert response.status_code == 302 and response["Location"] == f"/gestao/pedidos/{order.code}/"
    assert order.subtotal == SUBTOTAL and order.delivery_fee == FEE and order.total == SUBTOTAL + FEE
    assert order.zone == "Centro expandido" and order.status == Status.PLACED
    assert order.change_for == Decimal("200.00")
    assert [(i.item, i.size, i.half, i.quantity) for i in order.items] == [
        ("calabresa", "grande", "peperone", 2),
        ("refrigerante-2l", None, None, 1),
    ]
    assert order.customer == {"name": "João Pereira", "email": "", "telephone": E164, "channel": "telefone"}
    assert order.address["cep"] == "01310100" and order.address["complement"] == "apto 12"
    assert order.history[0].by == "Ana Lima (Telefone)" and order.notify is None
    assert counter_lines(filled) == []  # the counter cart starts afresh
    # The kitchen's board shows the card with the channel and the caller's number to call back.
    board = text(staff_login(roles.KITCHEN, "cozinha2@pizzaria.example").get(BOARD))
    card = re.search(rf'<article[^>]*data-code="{order.code}".*?</article>', board, re.S).group(0)
    assert "Telefone" in card and "João Pereira" in card and brl(order.total) in card
    assert f'href="tel:{E164}"' in card.replace("%2B", "+") and 'href="https://wa.me/5511987654321"' in card
    detail = text(filled.get(response["Location"]))
    assert "Pedido por Telefone" in detail and "(11) 98765-4321" in detail
    assert f"Pedido {order.code} lançado: já está no quadro." in detail
    ticket = text(filled.get(f"/gestao/pedidos/{order.code}/comanda/entrega/"))
    assert "PEDIDO POR TELEFONE" in ticket and E164 in ticket
    # No e-mail address, so nothing is owed, queued or sent, now or after the staff move it.
    smtp_server.messages.clear()
    staff_post(filled, f"/gestao/pedidos/{order.code}/mover/", {"target": "RECEIVED", "version": "1.PLACED"})
    assert repositories.order_get(customer_id=PIZZERIA_CUSTOMER_ID, order_id=order.order_id).status == (
        Status.RECEIVED
    )
    call_command("send_outbox", stdout=StringIO())
    assert outbox_due(limit=10, ignore_backoff=True) == [] and smtp_server.messages == []
    assert repositories.orders_notification_due(now=OPEN_TIME + dt.timedelta(days=1), limit=10) == ()


@pytest.mark.usefixtures("cep_db")
@pytest.mark.parametrize("zone", [z["name"] for z in PIZZERIA["delivery_zones"]])
def test_the_delivery_fee_is_the_zone_of_the_address(filled, zone):
    # One past the range's start: a São Paulo CEP the test database knows only by its city, so the
    # address (checked against its CEP) may keep ADDRESS's street.
    start = next(z["cep_ranges"][0][0] for z in PIZZERIA["delivery_zones"] if z["name"] == zone)
    cep = f"{int(start) + 1:08d}"
    fee = zone_fee(PIZZERIA, zone)
    place(filled, quoted_fee=str(fee), cep=f"{cep[:5]}-{cep[5:]}")
    [order] = pizzeria_orders()
    assert (order.zone, order.delivery_fee, order.total) == (zone, fee, SUBTOTAL + fee)


def test_a_pickup_at_the_counter_has_no_fee_and_may_go_without_a_phone(filled):
    blank = dict.fromkeys(ADDRESS, "")
    place(
        filled,
        channel="balcao",
        telephone="",
        fulfilment="PICKUP",
        quoted_fee="",
        payment="DEBIT_CARD",
        **blank,
    )
    [order] = pizzeria_orders()
    assert (order.delivery_fee, order.total, order.address) == (Decimal("0.00"), SUBTOTAL, None)
    assert order.customer["channel"] == "balcao" and order.customer["telephone"] == ""


def test_a_landline_caller_is_stored_in_e164(filled):
    place(filled, telephone="(11) 3456-7890")
    [order] = pizzeria_orders()
    assert order.customer["telephone"] == "+551134567890"
    detail = text(filled.get(f"/gestao/pedidos/{order.code}/"))
    assert "(11) 3456-7890" in detail


def test_a_fee_not_yet_shown_is_shown_before_the_order_is_placed(filled):
    key = page_key(filled)
    response = place(filled, key, quoted_fee="")
    assert response.status_code == 200 and pizzeria_orders() == []
    html = text(response)
    assert f"Taxa de entrega de {brl(FEE, ' ')}" in html
    assert f'name="quoted_fee" value="{FEE}"' in html and brl(SUBTOTAL + FEE) in html
    assert place(filled, key).status_code == 302 and len(pizzeria_orders()) == 1


def test_below_the_minimum_order_is_refused(manager):
    cheapest = min(MENU.items, key=lambda slug: MENU.price(slug))
    assert MENU.price(cheapest) < MINIMUM  # the refusal below proves something only then
    add(manager, cheapest)
    response = place(manager, fulfilment="PICKUP")
    assert response.status_code == 200 and pizzeria_orders() == []
    assert f"O pedido mínimo é de {brl(MINIMUM, ' ')}." in text(response)
    assert len(counter_lines(manager)) == 1  # the cart stays for one more item


def test_a_paused_shop_takes_no_phone_order(filled):
    pizzeria_pause(reason="Forno em manutenção", by="Ana", now=OPEN_TIME)
    assert "Forno em manutenção" in text(filled.get(PAGE))
    response = place(filled)
    assert response.status_code == 200 and pizzeria_orders() == []
    assert "Forno em manutenção" in text(response) and len(counter_lines(filled)) == 2


def test_outside_opening_hours_the_shops_rule_holds(filled, monkeypatch):
    monday = OPEN_TIME - dt.timedelta(days=1)  # the shipped hours have Mondays closed
    assert PIZZERIA["hours"][("mon", "tue", "wed", "thu", "fri", "sat", "sun")[monday.weekday()]] == []
    monkeypatch.setattr(counter_views, "clock", lambda: monday)
    response = place(filled)
    assert response.status_code == 200 and pizzeria_orders() == []
    assert "fechad" in text(response)


def test_a_double_submit_places_one_order(filled):
    key = page_key(filled)
    first, second = place(filled, key), place(filled, key)
    [order] = pizzeria_orders()
    assert first["Location"] == second["Location"] == f"/gestao/pedidos/{order.code}/"
    # A new page is a new key: the next caller's order is a new order.
    add(filled, "calabresa")
    add(filled, "calabresa")
    assert place(filled).status_code == 302 and len(pizzeria_orders()) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"telephone": "1234"}, "Informe o telefone com DDD"),
        ({"telephone": "(11) 3456-7890 ramal"}, "Informe o telefone com DDD"),
        ({"telephone": "11 8765-4321"}, "fixo (11) 3456-7890"),
        ({"telephone": "98765-4321"}, "Inclua o DDD"),
        ({"telephone": "(00) 98765-4321"}, "O DDD 00 não existe."),
        ({"telephone": ""}, "Informe o telefone do cliente com DDD."),
        ({"name": "   "}, "Informe o nome do cliente."),
        ({"name": "x" * 81}, "O nome pode ter até 80 caracteres."),
        ({"channel": "fax"}, "Diga como o pedido chegou."),
        ({"cep": "123"}, "Informe um CEP com 8 dígitos"),
        ({"cep": "13010-000", "cidade": "Campinas"}, "fora da área de entrega"),
        ({"logradouro": ""}, "Este campo é obrigatório para a entrega."),
        ({"payment": "BITCOIN"}, "Escolha a forma de pagamento."),
        ({"payment": None}, "Escolha a forma de pagamento."),
        ({"change_for": "10,00"}, "O troco precisa ser para um valor maior que o total do pedido."),
        ({"change_for": "dez"}, "Informe um valor como 100,00."),
        ({"key": "forjada"}, "O formulário expirou."),
        ({"fulfilment": "DRONE"}, "Escolha entrega ou retirada."),
    ],
)
def test_bad_order_input_gets_a_message_and_places_nothing(filled, fields, message):
    response = place(filled, **fields)
    assert response.status_code == 200
    assert message in unescape(text(response))
    assert pizzeria_orders() == [] and len(counter_lines(filled)) == 2


def test_an_empty_counter_cart_places_nothing(manager):
    response = place(manager)
    assert response.status_code == 200 and pizzeria_orders() == []
    assert "Seu carrinho está vazio." in text(response)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"item": "pizza-de-vento"}, "Este item não está no cardápio."),
        ({"item": "calabresa", "quantity": 0}, "A quantidade vai de 1 a 20."),
        ({"item": "calabresa", "quantity": "muitas"}, "A quantidade precisa ser um número."),
        ({"item": "calabresa", "size": "gigante"}, "Escolha um dos tamanhos do cardápio."),
        ({"item": "calabresa", "half": "refrigerante-2l"}, "Meio a meio só vale para duas pizzas"),
        ({"item": "calabresa", "note": "x" * 141}, "140 caracteres"),
    ],
)
def test_bad_items_get_a_message_and_change_nothing(manager, fields, message):
    response = staff_post(manager, ADD, {"quantity": 1, **fields}, follow=True)
    assert message in text(response) and counter_lines(manager) == []


def test_lines_are_changed_removed_and_cleared(manager):
    add(manager, "calabresa", size="grande")
    [line] = counter_lines(manager)
    staff_post(manager, LINE, {"line": line["id"], "quantity": 3, "note": "bem assada"})
    assert counter_lines(manager)[0]["qty"] == 3 and counter_lines(manager)[0]["note"] == "bem assada"
    response = staff_post(manager, LINE, {"line": line["id"], "quantity": 99}, follow=True)
    assert "A quantidade vai de 1 a 20." in text(response) and counter_lines(manager)[0]["qty"] == 3
    response = staff_post(manager, REMOVE, {"line": "nao-existe"}, follow=True)
    assert "Este item já não está no seu carrinho." in text(response)
    staff_post(manager, REMOVE, {"line": line["id"]})
    assert counter_lines(manager) == []
    add(manager, "calabresa")
    staff_post(manager, CLEAR)
    assert counter_lines(manager) == []


def test_posts_without_the_csrf_token_are_refused(filled):
    key = page_key(filled)
    for url, data in (
        (ADD, {"item": "calabresa", "quantity": 1}),
        (PAGE, {"key": key, **CALLER, "fulfilment": "PICKUP", "payment": "CASH"}),
        (CLEAR, {}),
    ):
        assert filled.post(url, data).status_code == 403
    assert len(counter_lines(filled)) == 2 and pizzeria_orders() == []


def test_the_shops_cart_in_the_same_session_is_untouched(manager):
    post(manager, "/carrinho/adicionar/", {"item": "peperone", "quantity": 1})
    shop_cart = manager.session[SESSION_KEY]
    add(manager, "calabresa", size="grande", quantity=2, half="peperone")
    add(manager, "refrigerante-2l")
    assert manager.session[SESSION_KEY] == shop_cart
    assert place(manager).status_code == 302 and len(pizzeria_orders()) == 1
    assert manager.session[SESSION_KEY] == shop_cart and COUNTER_CART_KEY not in manager.session
    assert MENU.name("peperone") in text(manager.get("/carrinho/"))


def test_a_pix_phone_order_shows_the_qr_to_pass_on(filled):
    response = place(filled, payment="PIX")
    [order] = pizzeria_orders()
    assert order.status == Status.AWAITING_PAYMENT
    detail = text(filled.get(response["Location"]))
    assert 'data-testid="counter-pix"' in detail and "<svg" in detail
    payload = (
        re.search(r'<textarea id="pix-code"[^>]*>([^<]+)</textarea>', detail).group(1).replace("&amp;", "&")
    )
    fields = decode_brcode(payload)
    assert Decimal(fields["54"]) == order.total and fields["62"]["05"] == order.code
    assert "https://wa.me/5511987654321?text=" in detail


def test_the_kitchen_gets_403_on_every_counter_page(shop, staff_login, evening):
    kitchen = staff_login(roles.KITCHEN)
    assert kitchen.get(PAGE).status_code == 403
    for url in (PAGE, ADD, LINE, REMOVE, CLEAR):
        response = staff_post(kitchen, url, {"item": "calabresa", "quantity": 1})
        assert response.status_code == 403 and "não faz parte do seu acesso" in text(response)
    assert COUNTER_CART_KEY not in kitchen.session and pizzeria_orders() == []


def test_the_page_lists_the_menu_and_the_nav_links_it(manager):
    html = text(manager.get(PAGE))
    assert 'href="/gestao/balcao/"' in html and "Balcão / telefone" in html
    for slug in MENU.items:
        assert f'data-item="{slug}"' in html
    assert "data-cep-autofill" in html and "cep-autofill.js" in html


def test_an_order_without_an_email_never_blocks_the_mail_queue(filled):
    """A flag left on an e-mail-less order (as moves once left on anonymised ones) is dropped, not kept."""
    from dataclasses import replace

    place(filled)
    [order] = pizzeria_orders()
    repositories.order_update(replace(order, notify="order_confirmed"), expected=order.version)
    assert len(repositories.orders_notification_due(now=OPEN_TIME + dt.timedelta(days=1), limit=10)) == 1
    assert order_notifications_flush() == 0
    assert repositories.orders_notification_due(now=OPEN_TIME + dt.timedelta(days=1), limit=10) == ()


def test_on_oracle_nosql_the_order_needs_no_parent_row(oracle_store, shop, evening):
    """Oracle NoSQL (the emulator) takes a child row whose ``user`` row does not exist, as SQLite does."""
    from menu.selectors import storefront_get
    from orders.cart import cart_add, cart_get
    from orders.checkout import checkout_key_new
    from orders.statuses import Fulfilment

    session = {}
    menu, pizzeria = storefront_get()
    cart_add(session=session, menu=menu, pizzeria=pizzeria, item_slug="calabresa", quantity=2, key="c")
    cart = cart_get(session=session, menu=menu, pizzeria=pizzeria, key="c")
    order, created = counter_services.counter_order_place(
        cart=cart,
        pizzeria=pizzeria,
        key=checkout_key_new(),
        name="João",
        telephone=E164,
        channel="telefone",
        staff_name="Ana",
        fulfilment=Fulfilment.PICKUP,
        payment="CASH",
        address=None,
        change_for=None,
        now=OPEN_TIME,
    )
    assert created and order.total == 2 * MENU.price("calabresa", "grande")
    assert [o.code for o in pizzeria_orders()] == [order.code]
    found = repositories.order_find_by_code(order.code)
    assert (found.customer_id, found.customer, found.total) == (
        PIZZERIA_CUSTOMER_ID,
        order.customer,
        order.total,
    )


@pytest.mark.usefixtures("cep_db")
def test_without_javascript_buscar_cep_fills_the_address_and_prices_it(filled):
    data = {"key": page_key(filled), **CALLER, "fulfilment": "DELIVERY", "cep": "01310100", "buscar_cep": "1"}
    response = staff_post(filled, PAGE, data)
    html = text(response)
    assert response.status_code == 200 and pizzeria_orders() == []
    assert 'value="Avenida Paulista"' in html and 'value="Bela Vista"' in html
    assert f'name="quoted_fee" value="{FEE}"' in html and brl(SUBTOTAL + FEE) in html
    assert 'value="' + CALLER["name"] + '"' in html  # what was typed stays


def test_placing_is_one_write_and_a_replay_none(filled, nosql_store):
    key = page_key(filled)
    nosql_store.stats.reset()
    place(filled, key)
    # The order goes in one atomic write (the store counts it under the table family, "user").
    assert nosql_store.stats.calls["write_many"] == 1
    assert not any(
        n
        for (op, t), n in nosql_store.stats.by_table.items()
        if t.startswith("user") and op != "write_many" and op != "get"
    )
    nosql_store.stats.reset()
    place(filled, key)  # the double click: one read of the order it placed, no write
    assert nosql_store.stats.by_table[("get", "user.order")] == 1
    assert not any(
        n for (op, t), n in nosql_store.stats.by_table.items() if op in ("put", "write_many", "delete")
    )


def test_adding_to_the_counter_cart_on_a_warm_menu_costs_no_store_call(manager, nosql_store):
    manager.get(PAGE)  # warms the menu and the profile in the cache
    nosql_store.stats.reset()
    add(manager, "calabresa", size="grande")
    assert nosql_store.stats.total == 0 and len(counter_lines(manager)) == 1
