"""Checkout and orders through the pages, with a real store, Redis sessions and the accounts app."""

import re
import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import Client

from conftest import MenuData, brl, pizzeria_document, post, zone_fee
from menu import repositories as menu_rows
from menu.selectors import menu_invalidate
from orders import repositories
from orders.services import order_transition
from orders.statuses import Actor, IllegalTransition, Status
from orders.tests.conftest import cart_of, log_in
from orders.tests.test_pix import decode_brcode

ADDRESS = {
    "cep": "01310-100",
    "logradouro": "Avenida Paulista",
    "numero": "1000",
    "complemento": "apto 12",
    "bairro": "Bela Vista",
    "cidade": "São Paulo",
    "uf": "SP",
}

# Prices and fees from the shipped data files, not from memory.
MENU, PIZZERIA = MenuData(), pizzeria_document()
FEE = zone_fee(PIZZERIA, "Centro expandido")  # the zone of ADDRESS's CEP
# The ``filled`` cart: two half Calabresa, half Peperone grandes (the dearer half's price) and a 2 L soda.
SUBTOTAL = 2 * max(MENU.price("calabresa", "grande"), MENU.price("peperone", "grande")) + MENU.price(
    "refrigerante-2l"
)
TOTAL = SUBTOTAL + FEE


def add(client, item, **fields):
    post(client, "/carrinho/adicionar/", {"item": item, "quantity": 1, **fields})


def checkout_key(client) -> str:
    html = client.get("/pedido/finalizar/").content.decode()
    return re.search(r'name="key" value="([0-9a-f]{32})"', html).group(1)


def submit(client, key, **fields):
    # quoted_fee: the zone's fee, as the page shows it once the CEP is known.
    data = {
        "key": key,
        "fulfilment": "DELIVERY",
        "saved_address": "new",
        "payment": "PIX",
        "quoted_fee": str(FEE),
        **ADDRESS,
        **fields,
    }
    return post(client, "/pedido/finalizar/", data)


def orders_of(customer):
    return list(repositories.orders_of(customer_id=customer.id))


@pytest.fixture
def client(client, customer):
    """The root conftest's CSRF-enforcing client, logged in as ``customer`` through the login page."""
    return log_in(client, customer.email)


@pytest.fixture
def filled(client, open_now):
    add(client, "calabresa", size="grande", quantity=2, half="peperone")
    add(client, "refrigerante-2l")
    return client


def accepted(order):
    """The pizzeria accepts a card or cash order, as the orders board does."""
    return order_transition(order=order, target=Status.RECEIVED, actor=Actor.STAFF, now=order.created_at)


def test_delivery_order_with_cash_and_change(filled, customer, nosql_store):
    key = checkout_key(filled)
    nosql_store.stats.reset()
    response = submit(filled, key, payment="CASH", change_for="200,00")
    assert response.status_code == 302
    # The order is one atomic write, and nothing else writes an order; the customer's row is written
    # once more, as the ordered lines leave the account's cart. The day's sales totals (sales_day)
    # follow in a write of their own.
    writes = nosql_store.stats.by_table
    assert writes[("write_many", "user")] == 1
    assert writes[("put", "user.order")] == 0 and writes[("put", "user")] == 1
    assert nosql_store.stats.calls["delete"] == 0
    assert set(writes) & {("put", "sales_day")}
    [order] = orders_of(customer)
    assert response["Location"] == f"/pedidos/{order.order_id}/"
    assert order.status == Status.PLACED  # until the pizzeria accepts it
    assert order.subtotal == SUBTOTAL
    assert order.delivery_fee == FEE and order.total == TOTAL
    assert order.address["street"] == "Avenida Paulista" and order.zone == "Centro expandido"
    page = filled.get(response["Location"]).content.decode()
    assert "Aguardando confirmação da pizzaria" in page and brl(TOTAL) in page
    assert f"levaremos {brl(Decimal('200.00') - TOTAL)} de troco" in page
    assert cart_of(filled) == []  # the cart went only after the write


def test_pix_order_shows_qr_and_copia_e_cola(filled, customer):
    response = submit(filled, checkout_key(filled))
    [order] = orders_of(customer)
    assert order.status == Status.AWAITING_PAYMENT
    html = filled.get(response["Location"]).content.decode()
    payload = re.search(r'data-testid="pix-code">([^<]+)<', html).group(1)
    fields = decode_brcode(payload)
    assert fields["54"] == str(TOTAL) and fields["62"]["05"] == order.code
    assert "<svg" in html and "Aguardando pagamento" in html


def test_pickup_needs_no_address_and_has_no_fee(filled, customer):
    response = post(
        filled,
        "/pedido/finalizar/",
        {"key": checkout_key(filled), "fulfilment": "PICKUP", "payment": "CREDIT_CARD"},
    )
    assert response.status_code == 302
    [order] = orders_of(customer)
    assert order.delivery_fee == 0 and order.address is None and order.total == SUBTOTAL


def test_out_of_area_cep_is_refused_and_the_cart_stays(filled, customer):
    response = submit(filled, checkout_key(filled), cep="20040-002", cidade="Rio de Janeiro", uf="RJ")
    assert response.status_code == 200
    assert "fora da área de entrega" in response.content.decode()
    assert orders_of(customer) == []
    assert len(cart_of(filled)) == 2


def test_closed_hours_block_ordering_with_the_next_opening(client, customer, monkeypatch):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from orders import views

    monday_night = dt.datetime(2026, 11, 23, 21, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    monkeypatch.setattr(views, "clock", lambda: monday_night)
    add(client, "calabresa")
    page = client.get("/pedido/finalizar/").content.decode()
    assert "Estamos fechados agora." in page and "disabled" in page
    response = submit(client, checkout_key(client))
    html = response.content.decode()
    assert PIZZERIA["hours"]["mon"] == []  # closed on Mondays: the next opening is Tuesday's first shift
    assert f"A pizzaria está fechada agora. Abrimos terça-feira, {PIZZERIA['hours']['tue'][0][0]}." in html
    assert orders_of(customer) == []


def test_minimum_order(client, customer, open_now):
    add(client, "agua-mineral")
    response = submit(client, checkout_key(client))
    minimum = Decimal(PIZZERIA["minimum_order"])
    assert MENU.price("agua-mineral") < minimum
    assert f"O pedido mínimo é de {brl(minimum, ' ')}." in response.content.decode()
    assert orders_of(customer) == []


def test_unconfirmed_customers_are_told_to_confirm(shop, open_now, make_customer):
    make_customer("novo@example.com")
    client = log_in(Client(enforce_csrf_checks=True), "novo@example.com")
    add(client, "calabresa")
    response = client.get("/pedido/finalizar/", follow=True)
    assert "Confirme" in response.content.decode()
    assert response.redirect_chain and "finalizar" not in response.redirect_chain[-1][0]


def test_anonymous_visitors_go_to_login_and_keep_their_cart(shop):
    client = Client(enforce_csrf_checks=True)
    add(client, "calabresa")
    response = client.get("/pedido/finalizar/")
    assert response.status_code == 302 and response["Location"].startswith("/conta/entrar/")
    assert [line["item"] for line in cart_of(client)] == ["calabresa"]


def test_double_submit_and_replay_make_one_order(filled, customer, nosql_store):
    key = checkout_key(filled)
    first = submit(filled, key)
    nosql_store.stats.reset()
    replay = submit(filled, key)
    assert replay["Location"] == first["Location"]
    assert nosql_store.stats.by_table[("get", "user.order")] == 1
    writes = sum(
        n for (op, _t), n in nosql_store.stats.by_table.items() if op in ("put", "write_many", "delete")
    )
    assert writes == 0
    assert len(orders_of(customer)) == 1


def test_ten_concurrent_submits_make_exactly_one_order(filled, customer, settings):
    key = checkout_key(filled)
    cookies = {name: filled.cookies[name].value for name in (settings.SESSION_COOKIE_NAME, "csrftoken")}
    barrier = threading.Barrier(10)
    locations = []

    def submit_once():
        client = Client(enforce_csrf_checks=True)  # the same browser, ten tabs
        for name, value in cookies.items():
            client.cookies[name] = value
        barrier.wait()
        response = submit(client, key)
        locations.append((response.status_code, response.get("Location")))

    threads = [threading.Thread(target=submit_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [order] = orders_of(customer)
    assert locations == [(302, f"/pedidos/{order.order_id}/")] * 10


def test_a_new_key_after_an_order_makes_a_new_order(filled, customer):
    submit(filled, checkout_key(filled))
    add(filled, "calabresa")
    submit(filled, checkout_key(filled))
    assert len(orders_of(customer)) == 2


def test_another_customers_order_is_not_found(filled, customer, make_customer):
    response = submit(filled, checkout_key(filled))
    url = response["Location"]
    make_customer("joao@example.com", verified=True, name="João Souza")
    other = log_in(Client(enforce_csrf_checks=True), "joao@example.com")
    assert other.get(url).status_code == 404
    assert post(other, url + "cancelar/").status_code == 404
    assert post(other, url + "pedir-de-novo/").status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_prices_changed_between_review_and_submit_are_shown_not_charged(filled, customer):
    key = checkout_key(filled)
    menu_rows.item_save(replace(menu_rows.item_get("refrigerante-2l"), price=Decimal("16.00")))
    menu_invalidate()
    response = submit(filled, key)
    assert orders_of(customer) == []
    shipped = MENU.price("refrigerante-2l")
    assert f"mudou de {brl(shipped, ' ')} para R$ 16,00" in response.content.decode()
    response = submit(filled, key)  # the customer saw it and confirms
    assert response.status_code == 302
    assert orders_of(customer)[0].total == TOTAL - shipped + Decimal("16.00")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"payment": "BITCOIN"}, "Escolha a forma de pagamento."),
        ({"payment": "CASH", "change_for": "abc"}, "Informe um valor como 100,00."),
        ({"payment": "CASH", "change_for": "10,00"}, "O troco precisa ser para um valor maior"),
        ({"payment": "CASH", "change_for": "99999,00"}, "Troco para no máximo"),
        ({"key": "not-a-key"}, "O formulário expirou."),
        ({"cep": "123"}, "Informe um CEP com 8 dígitos"),
        ({"cep": "", "logradouro": ""}, "Este campo é obrigatório para a entrega."),
        ({"fulfilment": "DRONE"}, "Faça uma escolha válida"),
        ({"logradouro": "x" * 500}, "no máximo 150 caracteres"),
        ({"numero": "1\x00"}, "Caracteres nulos não são permitidos"),
    ],
)
def test_bad_checkout_input_gets_a_message_and_no_order(filled, customer, fields, message):
    data = {"key": checkout_key(filled), **fields}
    response = submit(filled, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert orders_of(customer) == []


def test_customer_cancels_before_the_kitchen_starts(filled, customer):
    response = submit(filled, checkout_key(filled), payment="DEBIT_CARD")
    page = post(
        filled, response["Location"] + "cancelar/", {"reason": "desisti"}, follow=True
    ).content.decode()
    assert "Pedido cancelado." in page
    [order] = orders_of(customer)
    assert order.status == Status.CANCELED and order.cancel_reason == "Mudei de ideia"


def test_customer_cannot_cancel_once_preparing(filled, customer):
    submit(filled, checkout_key(filled), payment="DEBIT_CARD")
    order = accepted(orders_of(customer)[0])
    order = order_transition(order=order, target=Status.PREPARING, actor=Actor.STAFF, now=order.created_at)
    page = post(filled, f"/pedidos/{order.order_id}/cancelar/", {"reason": "demora"}, follow=True)
    assert "não pode mais ser cancelado pelo site" in page.content.decode()
    assert orders_of(customer)[0].status == Status.PREPARING


@pytest.mark.parametrize(
    ("path", "target", "actor"),
    [
        ([], Status.DELIVERED, Actor.STAFF),  # skipping the kitchen
        ([], Status.PREPARING, Actor.CUSTOMER),  # customers do not cook
        ([Status.PREPARING], Status.READY_FOR_PICKUP, Actor.STAFF),  # a delivery order is not picked up
        ([Status.PREPARING, Status.OUT_FOR_DELIVERY, Status.DELIVERED], Status.CANCELED, Actor.STAFF),
        ([Status.CANCELED], Status.PREPARING, Actor.STAFF),  # no way back from canceled
    ],
)
def test_illegal_status_moves_are_refused(filled, customer, path, target, actor):
    submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    order = accepted(orders_of(customer)[0])
    for step in path:
        order = order_transition(order=order, target=step, actor=Actor.STAFF, now=order.created_at)
    with pytest.raises(IllegalTransition):
        order_transition(order=order, target=target, actor=actor, now=order.created_at)
    assert orders_of(customer)[0].status == order.status


def test_stale_status_change_is_refused(filled, customer):
    from orders.services import OrderChangeError

    submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    order = accepted(orders_of(customer)[0])
    order_transition(order=order, target=Status.PREPARING, actor=Actor.STAFF, now=order.created_at)
    with pytest.raises(OrderChangeError):
        order_transition(order=order, target=Status.CANCELED, actor=Actor.STAFF, now=order.created_at)


def test_tracking_timeline_follows_the_order(filled, customer):
    response = submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    [order] = orders_of(customer)
    html = filled.get(response["Location"]).content.decode()
    assert 'data-testid="order-status">Aguardando confirmação da pizzaria<' in html
    for step in (Status.RECEIVED, Status.PREPARING, Status.OUT_FOR_DELIVERY):
        order = order_transition(order=order, target=step, actor=Actor.STAFF, now=order.created_at)
    html = filled.get(response["Location"]).content.decode()
    assert 'data-testid="order-status">Saiu para entrega<' in html
    assert html.count("is-done") == 4 and "data-progress-url" in html and 'http-equiv="refresh"' not in html
    order = order_transition(order=order, target=Status.DELIVERED, actor=Actor.STAFF, now=order.created_at)
    html = filled.get(response["Location"]).content.decode()
    assert "Entregue" in html and "data-progress-url" not in html  # nothing left to watch


def test_reorder_puts_items_back_at_todays_prices(filled, customer):
    submit(filled, checkout_key(filled))
    [order] = orders_of(customer)
    menu_rows.item_save(replace(menu_rows.item_get("refrigerante-2l"), price=Decimal("16.50")))
    menu_rows.item_save(replace(menu_rows.item_get("peperone"), available=False))
    menu_invalidate()
    page = post(filled, f"/pedidos/{order.order_id}/pedir-de-novo/", follow=True).content.decode()
    name, shipped = MENU.name("refrigerante-2l"), MENU.price("refrigerante-2l")
    assert f"{name} custa hoje R$ 16,50 (antes {brl(shipped, ' ')})." in page
    assert "Peperone está esgotado no momento." in page
    assert [line["item"] for line in cart_of(filled)] == ["refrigerante-2l"]


def test_order_history_pages(client, customer, open_now, roomy_limits):
    for _ in range(12):
        add(client, "calabresa")
        submit(client, checkout_key(client))
    first = client.get("/pedidos/").content.decode()
    assert first.count('class="order-card"') == 10
    more = re.search(r'href="\?depois=([^"]+)"', first).group(1)
    second = client.get(f"/pedidos/?depois={more}").content.decode()
    assert second.count('class="order-card"') == 2
    garbage = client.get("/pedidos/?depois=garbage")
    assert garbage.status_code == 400 and garbage.content.decode().count('class="order-card"') == 10


def test_checkout_posts_need_csrf(client, open_now):
    add(client, "calabresa")
    key = checkout_key(client)
    assert (
        client.post("/pedido/finalizar/", {"key": key, "fulfilment": "PICKUP", "payment": "CASH"}).status_code
        == 403
    )
    ordered = post(client, "/pedido/finalizar/", {"key": key, "fulfilment": "PICKUP", "payment": "CASH"})
    assert ordered.status_code == 302 and ordered["Location"].startswith("/pedidos/")


def test_deleting_the_account_keeps_its_orders_anonymised(filled, customer):
    from accounts.services import customer_delete

    submit(filled, checkout_key(filled), payment="CASH")
    customer_delete(customer_id=customer.id, notify=False)
    [order] = orders_of(customer)
    assert order.customer == {}
    assert order.address == {"district": "Bela Vista", "city": "São Paulo", "state": "SP"}
    assert order.total == TOTAL and order.items[0].name.startswith("Meio a meio")


def test_order_emails_arrive_once_through_the_outbox(filled, customer, smtp_server):
    from io import StringIO

    from django.core.management import call_command

    smtp_server.messages.clear()
    submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    [order] = orders_of(customer)
    for _ in range(2):  # a second sender round finds nothing left to do
        call_command("send_outbox", stdout=StringIO())
    mails = [m for m in smtp_server.messages if order.code in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "maria@example.com"
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert f"/pedidos/{order.order_id}/" in body and brl(TOTAL, " ") in body
    order = accepted(orders_of(customer)[0])
    call_command("send_outbox", stdout=StringIO())
    assert any(f"Pedido {order.code} confirmado" in m["Subject"] for m in smtp_server.messages)
    for step in (Status.PREPARING, Status.OUT_FOR_DELIVERY):
        # Read afresh: queuing the e-mail cleared the order's flag, which changed its row version.
        order = order_transition(
            order=orders_of(customer)[0], target=step, actor=Actor.STAFF, now=order.created_at
        )
        call_command("send_outbox", stdout=StringIO())  # each move is mailed before the next one
    subjects = [m["Subject"] for m in smtp_server.messages if order.code in m["Subject"]]
    assert any("em preparo" in s for s in subjects) and any("saiu para entrega" in s for s in subjects)
    assert len(subjects) == 4  # placed, confirmed, preparing, out for delivery: one e-mail per move


def test_operators_confirm_a_pix_payment_with_the_order_command(filled, customer):
    from io import StringIO

    from django.core.management import CommandError, call_command

    submit(filled, checkout_key(filled))
    [order] = orders_of(customer)
    out = StringIO()
    call_command("order", "show", order.code.lower(), stdout=out)
    assert "AWAITING_PAYMENT" in out.getvalue() and "Meio a meio: Calabresa e Peperone" in out.getvalue()
    call_command("order", "move", order.code, "RECEIVED", "--dry-run", stdout=out)
    assert orders_of(customer)[0].status == Status.AWAITING_PAYMENT
    call_command("order", "move", order.code, "RECEIVED", stdout=out)
    assert orders_of(customer)[0].status == Status.RECEIVED
    assert "Pedido recebido" in filled.get(f"/pedidos/{order.order_id}/").content.decode()
    with pytest.raises(CommandError, match="can move to: PREPARING, CANCELED"):
        call_command("order", "move", order.code, "DELIVERED", stdout=out)
    with pytest.raises(CommandError, match="No order has the code"):
        call_command("order", "show", "ZZZZZZZZ", stdout=out)


def test_a_fee_the_customer_has_not_seen_is_shown_before_any_order(filled, customer):
    key = checkout_key(filled)
    response = submit(filled, key, quoted_fee="")
    html = response.content.decode()
    assert response.status_code == 200 and orders_of(customer) == []
    assert f"Confira a taxa de entrega de {brl(FEE, ' ')} e confirme o pedido." in html
    assert f'data-testid="checkout-total">{brl(TOTAL)}<' in html
    assert f'name="quoted_fee" value="{FEE}"' in html
    assert Decimal("3.00") != FEE
    response = submit(filled, key, quoted_fee="3.00")  # a stale or forged quote is not a confirmation
    assert response.status_code == 200 and orders_of(customer) == []
    assert submit(filled, key).status_code == 302
    assert orders_of(customer)[0].delivery_fee == FEE


def test_a_saved_address_is_priced_on_the_first_page(client, customer, open_now):
    from accounts.entities import Address
    from accounts.services import customer_address_save

    customer_address_save(
        customer_id=customer.id,
        address=Address(
            "05422030", "Rua Fradique Coutinho", "50", "", "Pinheiros", "São Paulo", "SP", label="Casa"
        ),
    )
    add(client, "calabresa")
    html = client.get("/pedido/finalizar/").content.decode()
    assert f'name="quoted_fee" value="{zone_fee(PIZZERIA, "Zona Oeste")}"' in html and "Zona Oeste" in html


def test_moves_faster_than_the_mail_sender_still_send_every_email(filled, customer, smtp_server):
    """Accepted and put in the oven before send_outbox ran once: the customer still gets all three."""
    from io import StringIO

    from django.core.management import call_command

    smtp_server.messages.clear()
    submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    order = accepted(orders_of(customer)[0])
    order_transition(order=order, target=Status.PREPARING, actor=Actor.STAFF, now=order.created_at)
    for _ in range(2):
        call_command("send_outbox", stdout=StringIO())
    subjects = [m["Subject"] for m in smtp_server.messages if order.code in m["Subject"]]
    assert len(subjects) == 3
    assert any("confirmado" in s for s in subjects) and any("em preparo" in s for s in subjects)
