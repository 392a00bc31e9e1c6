"""Sales reports in Chromium: a manager signs in (with the second factor), reads the day's figures,
which equal the figures computed here from the test's own orders, downloads the CSV, which parses back
to the same numbers, and reads the daily close. Orders are placed through the shop's pages and moved
as the board moves them, so the per-day totals come from the real hooks."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backoffice import roles
from conftest import brl
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from orders.entities import Payment
from orders.services import order_transition
from orders.statuses import Actor, Status
from tests.conftest import shot
from tests.test_browser_backoffice import place_order, shopper, stored  # noqa: F401  (fixtures)
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cep_db", "always_open")]


@pytest.fixture
def manager_page(staff_page):
    """A desk-sized context signed in as a manager: password, then the authenticator's code."""
    return staff_page(
        "gerente@pizzaria.example", role=roles.MANAGER, name="Paula Gerente", accept_downloads=True
    )


def test_the_days_report_and_its_csv_equal_the_orders(manager_page, shopper, live_server):  # noqa: F811
    page = manager_page
    orders = [
        place_order(shopper, payment=Payment.CREDIT_CARD),
        place_order(shopper, payment=Payment.CASH, change_for="200,00"),
        place_order(shopper, payment=Payment.PIX),
        place_order(shopper, payment=Payment.PIX),
        place_order(shopper, payment=Payment.DEBIT_CARD),
    ]
    now = timezone.now()
    # The board confirms one PIX, accepts the card order, rejects the debit one; one PIX stays pending.
    order_transition(order=orders[2], target=Status.RECEIVED, actor=Actor.STAFF, now=now, by="Ana")
    order_transition(order=orders[0], target=Status.RECEIVED, actor=Actor.STAFF, now=now, by="Ana")
    order_transition(
        order=orders[4], target=Status.CANCELED, actor=Actor.STAFF, now=now, by="Ana", reason="Sem entregador"
    )
    orders = [stored(order) for order in orders]

    paid = [o for o in orders if o.status not in (Status.CANCELED, Status.AWAITING_PAYMENT)]
    revenue = sum((o.total for o in paid), Decimal("0.00"))
    cash = [o for o in paid if o.payment == Payment.CASH]

    page.get_by_role("link", name="Relatórios").click()
    expect(page.get_by_test_id("revenue")).to_have_text(brl(revenue))
    expect(page.get_by_test_id("orders")).to_have_text(str(len(paid)))
    expect(page.get_by_test_id("average")).to_have_text(brl((revenue / len(paid)).quantize(Decimal("0.01"))))
    expect(page.get_by_test_id("placed")).to_have_text(str(len(orders)))
    expect(page.locator("tr[data-reason='Sem entregador'] [data-count]")).to_have_text("1")
    for method in {o.payment for o in paid}:
        value = sum((o.total for o in paid if o.payment == method), Decimal("0.00"))
        expect(page.locator(f"tr[data-payment='{method}'] [data-value]")).to_have_text(brl(value))
    expect(page.locator("svg.bo-chart-svg rect").first).to_be_visible()
    shot(page, "reports-day")

    with page.expect_download() as download:
        page.get_by_test_id("csv-link").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert sorted(r["código"] for r in rows) == sorted(o.code for o in orders)
    csv_paid = [r for r in rows if r["conta como"] == "faturado"]
    assert sum(Decimal(r["total (R$, ponto decimal)"]) for r in csv_paid) == revenue
    assert len(csv_paid) == len(paid)

    page.get_by_role("link", name="Fechamento do caixa").click()
    expect(page.get_by_test_id("cash-tendered")).to_have_text(brl(sum(o.change_for or o.total for o in cash)))
    expect(page.get_by_test_id("cash-change")).to_have_text(brl(sum(o.change_due for o in cash)))
    expect(page.get_by_test_id("cash-drawer")).to_have_text(brl(sum(o.total for o in cash)))
    [pending] = [o for o in orders if o.status == Status.AWAITING_PAYMENT]
    expect(page.get_by_test_id("pix-pending")).to_have_text(f"1 · {brl(pending.total)}")
