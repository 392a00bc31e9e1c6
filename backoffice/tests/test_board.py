"""The orders board through the staff's pages: columns, moves, conflicts, alerts, tickets, counts."""

import datetime as dt
import re

import pytest

from backoffice import roles
from backoffice.board import views as board_views
from orders import repositories
from orders.statuses import Status
from orders.tests.conftest import OPEN_TIME, log_in
from orders.tests.test_checkout import add, checkout_key, submit

from .conftest import staff_post

pytestmark = pytest.mark.django_db
BOARD = "/gestao/pedidos/"
CHANGES = "/gestao/pedidos/mudancas/"


@pytest.fixture
def board_now(monkeypatch):
    """The board's clock: the moment the shop's clock is frozen at, when the test's orders are placed."""
    moment = OPEN_TIME
    monkeypatch.setattr(board_views, "now", lambda: moment)
    return moment


@pytest.fixture
def shopper(client, customer, open_now):
    return log_in(client, customer.email)


@pytest.fixture
def place(shopper, customer, board_now):
    """Place an order through the shop's pages; returns it as stored."""

    def place_order(payment="CREDIT_CARD", **fields):
        add(shopper, "calabresa", size="grande", half="peperone", note="sem cebola")
        add(shopper, "refrigerante-2l")
        response = submit(shopper, checkout_key(shopper), payment=payment, **fields)
        assert response.status_code == 302, response.content.decode()[:2000]
        order_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        return repositories.order_get(customer_id=customer.id, order_id=order_id)

    return place_order


def card_html(page: str, code: str) -> str:
    match = re.search(rf'<article[^>]*data-code="{code}".*?</article>', page, re.S)
    assert match, f"no card for {code}"
    return match.group(0)


def column_of(page: str, code: str) -> str:
    sections = re.findall(
        r'<section class="bo-column[^"]*"[^>]*data-column="(\w+)">(.*?)</section>', page, re.S
    )
    return next(key for key, html in sections if f'data-code="{code}"' in html)


def version_field(page: str, code: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', card_html(page, code)).group(1)


def move(staff, code, target, version, *, reason=None, **request):
    data = {"target": target, "version": version}
    if reason is not None:
        data["reason"] = reason
    return staff_post(staff, f"/gestao/pedidos/{code}/mover/", data, **request)


def test_a_new_order_shows_everything_the_counter_needs(place, staff_login, shop):
    order = place(payment="CASH", change_for="200,00")
    staff = staff_login(roles.KITCHEN)
    page = staff.get(BOARD).content.decode()
    assert column_of(page, order.code) == "novos"
    card = card_html(page, order.code)
    assert "is-new" in card
    item = order.items[0]
    assert f"{item.quantity}×" in card and item.name in card and item.size_name in card
    assert "sem cebola" in card and "Entrega" in card and order.address["district"] in card
    assert "Dinheiro" in card and "troco para" in card
    total = f"{order.total:.2f}".replace(".", ",")
    assert total in card
    assert "<title>(1) Pedidos" in page


def test_accepting_moves_the_card_and_the_customer_sees_it(place, staff_login, shopper):
    order = place()
    staff = staff_login(roles.KITCHEN, name="Rita")
    page = staff.get(BOARD).content.decode()
    response = move(staff, order.code, "RECEIVED", version_field(page, order.code))
    assert response.status_code == 302
    page = staff.get(BOARD).content.decode()
    assert column_of(page, order.code) == "recebidos"
    tracking = shopper.get(f"/pedidos/{order.order_id}/").content.decode()
    assert 'data-testid="order-status">Pedido recebido<' in tracking
    detail = staff.get(f"/gestao/pedidos/{order.code}/").content.decode()
    assert "Rita" in detail  # the audit trail names who accepted it


def test_the_whole_evening_of_a_delivery_order(place, staff_login):
    order = place()
    staff = staff_login(roles.KITCHEN)
    for target, column in (
        ("RECEIVED", "recebidos"),
        ("PREPARING", "preparo"),
        ("OUT_FOR_DELIVERY", "prontos"),
        ("DELIVERED", "concluidos"),
    ):
        page = staff.get(BOARD).content.decode()
        assert move(staff, order.code, target, version_field(page, order.code)).status_code == 302
        assert column_of(staff.get(BOARD).content.decode(), order.code) == column
    stored = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
    assert [c.status for c in stored.history] == [
        Status.PLACED,
        Status.RECEIVED,
        Status.PREPARING,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]


def test_a_pix_order_waits_for_its_payment(place, staff_login):
    order = place(payment="PIX")
    staff = staff_login(roles.KITCHEN)
    card = card_html(staff.get(BOARD).content.decode(), order.code)
    assert "PIX não pago" in card and "Pagamento recebido" in card
    move(staff, order.code, "RECEIVED", re.search(r'name="version" value="([^"]*)"', card).group(1))
    card = card_html(staff.get(BOARD).content.decode(), order.code)
    assert "PIX pago" in card


def test_a_rejection_needs_a_reason_that_the_customer_sees(place, staff_login, shopper):
    order = place()
    staff = staff_login(roles.KITCHEN)
    version = version_field(staff.get(BOARD).content.decode(), order.code)
    refused = move(staff, order.code, "CANCELED", version, reason="   ", follow=True)
    assert "motivo do cancelamento" in refused.content.decode()
    assert (
        repositories.order_get(customer_id=order.customer_id, order_id=order.order_id).status == Status.PLACED
    )
    move(staff, order.code, "CANCELED", version, reason="Acabou a massa, desculpe!")
    tracking = shopper.get(f"/pedidos/{order.order_id}/").content.decode()
    assert "Cancelado" in tracking and "Acabou a massa, desculpe!" in tracking


def test_two_staff_on_one_order_end_with_one_move_and_one_conflict(place, staff_login):
    order = place()
    first, second = staff_login(roles.KITCHEN, "ana@pizzaria.example"), staff_login(roles.MANAGER)
    seen_by_first = version_field(first.get(BOARD).content.decode(), order.code)
    seen_by_second = version_field(second.get(BOARD).content.decode(), order.code)
    assert move(first, order.code, "RECEIVED", seen_by_first).status_code == 302
    # Script path: 409 with the redrawn board; form path: a message on the board.
    conflict = move(
        second, order.code, "CANCELED", seen_by_second, reason="x", HTTP_ACCEPT="application/json"
    )
    assert conflict.status_code == 409
    answer = conflict.json()
    assert "O pedido mudou" in answer["message"] and answer["status"] == "RECEIVED"
    assert f'data-code="{order.code}"' in answer["html"]
    page = move(second, order.code, "PREPARING", seen_by_second, follow=True).content.decode()
    assert "O pedido mudou" in page
    stored = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
    assert stored.status == Status.RECEIVED and len(stored.history) == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"target": "DELIVERED"},  # skipping steps
        {"target": "NONSENSE"},
        {"target": ""},
        {"target": "RECEIVED\x00"},
    ],
)
def test_bad_moves_are_refused_with_a_message(place, staff_login, fields):
    order = place()
    staff = staff_login(roles.KITCHEN)
    version = version_field(staff.get(BOARD).content.decode(), order.code)
    response = staff_post(staff, f"/gestao/pedidos/{order.code}/mover/", {"version": version, **fields})
    assert response.status_code == 302
    assert (
        repositories.order_get(customer_id=order.customer_id, order_id=order.order_id).status == Status.PLACED
    )


def test_a_forged_or_missing_version_is_a_conflict_not_a_move(place, staff_login):
    order = place()
    staff = staff_login(roles.KITCHEN)
    for version in ("", "%%%", "AAAA"):
        response = move(staff, order.code, "RECEIVED", version, HTTP_ACCEPT="application/json")
        assert response.status_code == 409
    assert (
        repositories.order_get(customer_id=order.customer_id, order_id=order.order_id).status == Status.PLACED
    )


def test_moves_need_csrf_and_the_permission(place, staff_login, make_staff):
    from django.test import Client

    order = place()
    staff = staff_login(roles.KITCHEN)
    version = version_field(staff.get(BOARD).content.decode(), order.code)
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = staff.cookies
    assert (
        forged.post(
            f"/gestao/pedidos/{order.code}/mover/", {"target": "RECEIVED", "version": version}
        ).status_code
        == 403
    )
    assert (
        repositories.order_get(customer_id=order.customer_id, order_id=order.order_id).status == Status.PLACED
    )


def test_polling_with_nothing_new_costs_no_store_call_and_two_redis_commands(
    place, staff_login, nosql_store, redis_commands
):
    place()
    staff = staff_login(roles.KITCHEN)
    page = staff.get(BOARD).content.decode()
    version = re.search(r'data-version="(\d+)"', page).group(1)
    nosql_store.stats.reset()
    redis_commands.start()
    answer = staff.get(CHANGES, {"versao": version}).json()
    assert answer == {"changed": False, "version": int(version)}
    assert nosql_store.stats.total == 0
    assert redis_commands.count() <= 2


def test_polling_after_a_new_order_brings_its_card(place, staff_login):
    staff = staff_login(roles.KITCHEN)
    page = staff.get(BOARD).content.decode()
    version = re.search(r'data-version="(\d+)"', page).group(1)
    order = place()
    answer = staff.get(CHANGES, {"versao": version}).json()
    assert answer["changed"] and answer["version"] > int(version)
    assert f'data-code="{order.code}"' in answer["html"]
    assert answer["new"] == 1 and answer["ringing"] == 1


def test_opening_an_order_stops_the_bell_on_every_board(place, staff_login):
    order = place()
    first, second = staff_login(roles.KITCHEN, "ana@pizzaria.example"), staff_login(roles.KITCHEN)
    version = re.search(r'data-version="(\d+)"', second.get(BOARD).content.decode()).group(1)
    detail = first.get(f"/gestao/pedidos/{order.code}/").content.decode()
    assert order.customer["name"] in detail
    answer = second.get(CHANGES, {"versao": version}).json()
    assert answer["changed"] and answer["ringing"] == 0 and answer["new"] == 1


def test_the_board_reads_one_day_through_indexes(place, staff_login, nosql_store, board_now):
    place()
    staff = staff_login(roles.KITCHEN)
    nosql_store.stats.reset()
    staff.get(BOARD)
    # Today's orders by the day index, and one query per still-open status for the two days before.
    open_statuses = [s for s in Status if s not in (Status.DELIVERED, Status.CANCELED)]
    assert nosql_store.stats.calls["query"] == 1 + len(open_statuses)
    assert nosql_store.stats.calls.get("get", 0) <= 1  # the pizzeria profile, on a cold cache


def test_an_order_left_open_yesterday_stays_on_the_board(place, staff_login, monkeypatch, board_now):
    order = place()
    monkeypatch.setattr(board_views, "now", lambda: board_now + dt.timedelta(days=1))
    staff = staff_login(roles.KITCHEN)
    assert column_of(staff.get(BOARD).content.decode(), order.code) == "novos"


def test_the_order_detail_has_ways_to_reach_the_customer(place, staff_login):
    order = place()
    staff = staff_login(roles.KITCHEN)
    page = staff.get(f"/gestao/pedidos/{order.code}/").content.decode()
    digits = re.sub(r"\D", "", order.customer["telephone"])
    assert f'href="tel:{order.customer["telephone"].replace(" ", "")}' in page or 'href="tel:' in page
    assert f"https://wa.me/{digits}" in page
    assert "google.com/maps/search/" in page and order.address["street"].replace(" ", "+") in page
    assert staff.get("/gestao/pedidos/NOPE/").status_code == 404


@pytest.mark.parametrize("kind", ["cozinha", "entrega"])
def test_tickets_print_on_80mm_paper(place, staff_login, kind):
    order = place(payment="CASH", change_for="200,00")
    staff = staff_login(roles.KITCHEN)
    page = staff.get(f"/gestao/pedidos/{order.code}/comanda/{kind}/").content.decode()
    assert "backoffice/ticket.css" in page and order.code in page and "sem cebola" in page
    if kind == "entrega":
        due = f"{order.change_due:.2f}".replace(".", ",")
        assert order.customer["telephone"] in page and due in page and order.address["street"] in page
        cep = order.address["cep"]
        assert f"CEP {cep[:5]}-{cep[5:]}" in page  # as people write it
    assert staff.get(f"/gestao/pedidos/{order.code}/comanda/outra/").status_code == 404


def test_board_move_sends_exactly_one_email(place, staff_login, smtp_server):
    from io import StringIO

    from django.core.management import call_command

    order = place()
    call_command("send_outbox", stdout=StringIO())  # the "pedido feito" e-mail
    before = len([m for m in smtp_server.messages if order.code in m["Subject"]])
    staff = staff_login(roles.KITCHEN)
    moved = move(staff, order.code, "RECEIVED", version_field(staff.get(BOARD).content.decode(), order.code))
    assert moved.status_code == 302
    for _ in range(2):
        call_command("send_outbox", stdout=StringIO())
    mails = [m for m in smtp_server.messages if order.code in m["Subject"]]
    assert len(mails) == before + 1
    assert "confirmado" in mails[-1]["Subject"] and mails[-1]["To"] == order.customer["email"]


def test_the_email_bookkeeping_of_send_outbox_is_not_someone_elses_move(place, staff_login, smtp_server):
    from io import StringIO

    from django.core.management import call_command

    from backoffice.board import services
    from backoffice.board.selectors import move_token

    order = place()
    staff = staff_login(roles.KITCHEN)
    for target in ("RECEIVED", "PREPARING"):
        seen = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
        version = version_field(staff.get(BOARD).content.decode(), order.code)
        call_command("send_outbox", stdout=StringIO())  # queues the e-mail, rewrites the row's flag
        flushed = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
        assert flushed.version != seen.version and flushed.history == seen.history  # the precondition
        assert move(staff, order.code, target, version).status_code == 302
        stored = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
        assert stored.status == target
    # The row changes between the board's read and its write: the move goes through on the fresh row.
    call_command("send_outbox", stdout=StringIO())
    assert repositories.order_get(customer_id=order.customer_id, order_id=order.order_id).version != (
        stored.version
    )
    moved = services.order_move(
        order=stored,
        target="OUT_FOR_DELIVERY",
        version=move_token(stored),
        staff_name="Rita",
        reason="",
        now=stored.updated_at,
    )
    assert moved.status == Status.OUT_FOR_DELIVERY
    stored = repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
    assert [c.status for c in stored.history][-2:] == [Status.PREPARING, Status.OUT_FOR_DELIVERY]
