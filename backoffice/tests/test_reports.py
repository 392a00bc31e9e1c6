"""Sales reports through the manager's pages: figures from the test's own orders, the CSV, the daily
close, store calls that do not grow with the orders, bad input, the kitchen kept out, the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from backoffice import roles
from backoffice.management.commands import report as report_command
from backoffice.reports import views as report_views
from conftest import brl
from orders.entities import Payment
from orders.sales import repositories as sales_repositories
from orders.services import order_transition
from orders.statuses import Actor, Fulfilment, Status
from orders.tests.sales_orders import build_order, store_order

pytestmark = pytest.mark.django_db
SP = ZoneInfo("America/Sao_Paulo")
EVENING = dt.datetime(2026, 11, 24, 19, 0, tzinfo=SP)
DAY = EVENING.date()
REPORTS = "/gestao/relatorios/"
CLOSE = "/gestao/relatorios/fechamento/"
CSV = "/gestao/relatorios/pedidos.csv"


@pytest.fixture
def report_now(monkeypatch):
    """The reports' clock: late on the test's evening (still the same business day)."""
    moment = EVENING + dt.timedelta(hours=5)
    monkeypatch.setattr(report_views, "now", lambda: moment)
    monkeypatch.setattr(report_command, "now", lambda: moment)
    return moment


@pytest.fixture
def manager(staff_login, report_now):
    return staff_login(roles.MANAGER)


@pytest.fixture
def evening_orders(shop, menu_data):
    """A mixed evening: cards, cash with change, PIX paid and pending, delivery and pickup, cancellations
    (one with a reason a spreadsheet would run as a formula), and one order after midnight."""
    pizzas = menu_data.pizzas
    drink = next(slug for slug in menu_data.items if slug not in pizzas)
    specs = [
        dict(
            lines=[(pizzas[0], "grande", 2), (drink, None, 1)],
            payment=Payment.CREDIT_CARD,
            status=Status.DELIVERED,
            fulfilment=Fulfilment.DELIVERY,
            fee=Decimal("8.00"),
        ),
        dict(
            lines=[(pizzas[1], "media", 1)],
            payment=Payment.CASH,
            status=Status.DELIVERED,
            change_for=Decimal("100.00"),
        ),
        dict(
            lines=[(pizzas[0], "grande", 1)],
            payment=Payment.CASH,
            status=Status.PREPARING,
            fulfilment=Fulfilment.DELIVERY,
            fee=Decimal("5.50"),
        ),
        dict(lines=[(pizzas[2], None, 1)], payment=Payment.PIX, status=Status.RECEIVED),
        dict(lines=[(pizzas[3], None, 2)], payment=Payment.PIX, status=Status.AWAITING_PAYMENT),
        dict(
            lines=[(pizzas[1], None, 1)],
            payment=Payment.DEBIT_CARD,
            status=Status.CANCELED,
            reason="Sem entregador",
        ),
        dict(
            lines=[(pizzas[2], "grande", 1)],
            payment=Payment.PIX,
            status=Status.CANCELED,
            reason='=HYPERLINK("http://x")',
            paid_before_cancel=True,
        ),
        dict(
            lines=[(pizzas[0], None, 1)],
            payment=Payment.DEBIT_CARD,
            status=Status.PLACED,
            at=EVENING.replace(hour=1) + dt.timedelta(days=1),
            name="+55 golpe",
        ),
    ]
    orders = []
    for number, spec in enumerate(specs):
        at = spec.pop("at", EVENING + dt.timedelta(minutes=20 * number))
        orders.append(store_order(build_order(menu_data, at=at, **spec)))
    return orders


def expected(orders):
    """The figures, computed here from the orders themselves."""
    paid = [o for o in orders if o.status not in (Status.CANCELED, Status.AWAITING_PAYMENT)]
    cash = [o for o in paid if o.payment == Payment.CASH]
    revenue = sum((o.total for o in paid), Decimal("0.00"))
    return {
        "revenue": revenue,
        "orders": len(paid),
        "average": (revenue / len(paid)).quantize(Decimal("0.01")),
        "placed": len(orders),
        "canceled": [o for o in orders if o.status == Status.CANCELED],
        "pending": [o for o in orders if o.status == Status.AWAITING_PAYMENT],
        "by_payment": {
            method: sum((o.total for o in paid if o.payment == method), Decimal("0.00"))
            for method in {o.payment for o in paid}
        },
        "cash_tendered": sum((o.change_for or o.total for o in cash), Decimal("0.00")),
        "cash_change": sum((o.change_due or Decimal("0.00") for o in cash), Decimal("0.00")),
        "cash_drawer": sum((o.total for o in cash), Decimal("0.00")),
    }


def shown(page: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}">(.*?)</', page, re.S)
    assert match, f"no {name} on the page"
    return match.group(1).strip()


def test_a_days_report_equals_the_figures_of_its_orders(manager, evening_orders):
    want = expected(evening_orders)
    page = manager.get(REPORTS, {"periodo": "dia", "data": DAY.isoformat()}).content.decode()
    assert shown(page, "revenue") == brl(want["revenue"])
    assert shown(page, "orders") == str(want["orders"])
    assert shown(page, "average") == brl(want["average"])
    assert shown(page, "placed") == str(want["placed"])
    canceled = want["canceled"]
    assert shown(page, "canceled") == f"{len(canceled)} · {brl(sum(o.total for o in canceled))}"
    for method, value in want["by_payment"].items():
        row = re.search(rf'<tr data-payment="{method}">(.*?)</tr>', page, re.S).group(1)
        assert brl(value) in row
    assert '<tr data-reason="Sem entregador">' in page
    assert "<svg" in page and "<rect" in page and " style=" not in page  # drawn here, CSP-clean
    assert "Faturamento: pedidos não cancelados" in page  # what counts is stated


def test_the_csv_parses_back_to_the_same_figures_and_runs_no_formula(manager, evening_orders):
    want = expected(evening_orders)
    response = manager.get(CSV, {"periodo": "dia", "data": DAY.isoformat()})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == want["placed"]
    paid = [r for r in rows if r["conta como"] == "faturado"]
    assert sum(Decimal(r["total (R$, ponto decimal)"]) for r in paid) == want["revenue"]
    assert len(paid) == want["orders"]
    for method, value in want["by_payment"].items():
        assert sum(Decimal(r["total (R$, ponto decimal)"]) for r in paid if r["pagamento"] == method) == value
    assert {dt.date.fromisoformat(r["dia (AAAA-MM-DD)"]) for r in rows} == {DAY}
    assert all(dt.datetime.fromisoformat(r["criado em (ISO 8601)"]).tzinfo for r in rows)
    reasons = {r["motivo do cancelamento"] for r in rows if r["conta como"] == "cancelado"}
    assert reasons == {"Sem entregador", '\'=HYPERLINK("http://x")'}
    assert "'+55 golpe" in {r["cliente"] for r in rows}


def test_the_daily_close_counts_the_cash_drawer_and_pix(manager, evening_orders):
    want = expected(evening_orders)
    page = manager.get(CLOSE, {"data": DAY.isoformat()}).content.decode()
    assert shown(page, "cash-tendered") == brl(want["cash_tendered"])
    assert shown(page, "cash-change") == brl(want["cash_change"])
    assert re.search(r'data-testid="cash-drawer"><strong>(.*?)</strong>', page).group(1) == brl(
        want["cash_drawer"]
    )
    assert want["cash_change"] > 0  # the change is really there to count
    [pending] = want["pending"]
    assert shown(page, "pix-pending") == f"1 · {brl(pending.total)}"
    refunds = [o for o in want["canceled"] if o.pix_paid]
    assert shown(page, "pix-refund") == f"{len(refunds)} · {brl(sum(o.total for o in refunds))}"


def test_a_week_and_a_month_add_up_their_days(manager, evening_orders):
    want = expected(evening_orders)
    for period in ("semana", "mes"):
        page = manager.get(REPORTS, {"periodo": period, "data": DAY.isoformat()}).content.decode()
        assert shown(page, "revenue") == brl(want["revenue"])
        assert "Faturamento por dia" in page


def test_the_report_reads_the_same_store_calls_for_3_orders_as_for_300(manager, shop, menu_data, nosql_store):
    pizza = menu_data.pizzas[0]

    def calls_for(day_offset: int, count: int) -> int:
        at = EVENING - dt.timedelta(days=day_offset)
        for n in range(count):
            store_order(build_order(menu_data, at=at + dt.timedelta(seconds=n), lines=[(pizza, None, 1)]))
        nosql_store.stats.reset()
        page = manager.get(REPORTS, {"data": at.date().isoformat()}).content.decode()
        assert shown(page, "placed") == str(count)
        return nosql_store.stats.total

    few, many = calls_for(1, 3), calls_for(2, 300)
    assert few == many
    nosql_store.stats.reset()
    manager.get(REPORTS, {"periodo": "mes", "data": DAY.isoformat()})
    assert nosql_store.stats.by_table.get(("query", "sales_day")) == 1
    assert not any(table == "user.order" for (_op, table) in nosql_store.stats.by_table)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"data": "28/11/2026"}, "Data inválida: use o formato AAAA-MM-DD."),
        ({"data": "2026-02-30"}, "Data inválida"),
        ({"periodo": "ano"}, "Escolha dia, semana, mês ou intervalo."),
        ({"periodo": "intervalo", "de": "2026-09-01", "ate": "2026-11-01"}, "no máximo 31 dias"),
        ({"periodo": "intervalo", "de": "2026-11-20", "ate": "2026-11-01"}, "A data inicial vem depois"),
        ({"periodo": "intervalo", "de": "2026-11-20"}, "Informe as datas inicial e final"),
        ({"data": "2026-12-25"}, "Ainda não há vendas nesse dia"),
    ],
)
def test_bad_periods_get_a_message_and_no_figures(manager, query, message):
    for url in (REPORTS, CSV):
        response = manager.get(url, query)
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page and 'data-testid="revenue"' not in page


def test_the_close_is_of_one_day(manager):
    response = manager.get(CLOSE, {"periodo": "semana", "data": DAY.isoformat()})
    assert response.status_code == 400
    assert "O fechamento do caixa é de um dia" in response.content.decode()


def test_the_kitchen_cannot_read_the_sales(staff_login, report_now):
    kitchen = staff_login(roles.KITCHEN)
    for url in (REPORTS, CLOSE, CSV):
        assert kitchen.get(url).status_code == 403
    assert REPORTS not in kitchen.get("/gestao/pedidos/").content.decode()


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_exports_and_rebuilds(report_now, evening_orders):
    want = expected(evening_orders)
    printed = run("--day", DAY.isoformat())
    assert f"revenue          R$ {brl(want['revenue'], space='')[2:]} ({want['orders']} orders)" in printed
    rows = list(csv.DictReader(io.StringIO(run("--day", DAY.isoformat(), "--csv"))))
    assert (
        sum(Decimal(r["total (R$, ponto decimal)"]) for r in rows if r["conta como"] == "faturado")
        == want["revenue"]
    )

    day_totals = sales_repositories.sales_day_get(DAY).totals
    assert "0 would change" in run("--rebuild", "--dry-run")
    # A day lost its figures (say a restore from an old backup).
    stored = sales_repositories.sales_day_get(DAY)
    sales_repositories.sales_day_put(replace(stored, totals={}), now=report_now)
    dry = run("--rebuild", "--day", DAY.isoformat(), "--dry-run")
    assert f"{DAY.isoformat()}: {want['placed']} orders, would change" in dry
    assert sales_repositories.sales_day_get(DAY).totals == {}
    rebuilt = run("--rebuild")
    assert f"{DAY.isoformat()}: {want['placed']} orders, rebuilt" in rebuilt
    assert sales_repositories.sales_day_get(DAY).totals == day_totals


def test_the_command_refuses_bad_input(report_now):
    for args in (
        ["--day", "ontem"],
        ["--month", "2026-13"],
        ["--from", "2026-01-01", "--to", "2026-03-01"],
        ["--day", "2026-12-25"],
        ["--dry-run"],
        ["--to", "2026-11-01"],
    ):
        with pytest.raises(CommandError):
            run(*args)


def test_a_move_on_the_board_reaches_the_report(manager, evening_orders):
    pending = next(o for o in evening_orders if o.status == Status.AWAITING_PAYMENT)
    before = expected(evening_orders)["revenue"]
    order_transition(order=pending, target=Status.RECEIVED, actor=Actor.STAFF, now=EVENING, by="Ana")
    page = manager.get(REPORTS, {"data": DAY.isoformat()}).content.decode()
    assert shown(page, "revenue") == brl(before + pending.total)
