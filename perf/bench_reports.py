"""A month's sales report with 300 orders against the same report with 30,000, in the same run.

Usage: .venv/bin/python perf/bench_reports.py [--small 300] [--large 30000] [--repeat 200]

Builds two embedded stores holding one month of orders each (rows written straight through the store,
with their per-day ``sales_day`` totals computed the way the order services add them), then times the
month report's selector (``backoffice.reports.selectors.report_get``) on each and prints both p50s and
their ratio (goal: about 1x, since the report reads only the month's ``sales_day`` rows). For contrast
it also times reading the month's orders themselves (what the CSV export does, and what a report
computed from the orders would cost), whose ratio grows with the orders.
"""

import argparse
import calendar
import datetime as dt
import os
import random
import secrets
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocipizza.settings.local")

import django

django.setup()

from django.test.utils import override_settings  # noqa: E402

from backoffice.reports.selectors import report_get  # noqa: E402
from ocipizza.nosql import Put, store  # noqa: E402
from ocipizza.nosql.backends.sqlite import SQLiteStore  # noqa: E402
from ocipizza.nosql.tables import SCHEMA  # noqa: E402
from orders.entities import Order, OrderItem, Payment, StatusChange  # noqa: E402
from orders.repositories import ORDER_TABLE, _row  # noqa: E402
from orders.sales.repositories import SalesDay, sales_day_put  # noqa: E402
from orders.sales.selectors import orders_of_days  # noqa: E402
from orders.sales.totals import order_contribution, order_day, totals_add  # noqa: E402
from orders.statuses import BY_CUSTOMER, Fulfilment, Status  # noqa: E402
from perf.timing import p50, timed  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=-3))  # São Paulo, without a zoneinfo lookup in the loop
MONTH = dt.date(2026, 10, 1)
LAST = MONTH.replace(day=calendar.monthrange(MONTH.year, MONTH.month)[1])
ITEMS = [(f"pizza-{n}", f"Pizza {n}", Decimal("39.90") + n) for n in range(20)]
ORDERS_PER_CUSTOMER = 50  # one write_many per customer: a shard


def an_order(rng: random.Random, customer_id: str) -> Order:
    day = MONTH + dt.timedelta(days=rng.randrange(LAST.day))
    at = dt.datetime.combine(day, dt.time(18), tzinfo=TZ) + dt.timedelta(seconds=rng.randrange(5 * 3600))
    items = tuple(
        OrderItem(
            item=slug, name=name, quantity=rng.randint(1, 3), unit_price=price, size="G", size_name="Grande"
        )
        for slug, name, price in rng.sample(ITEMS, rng.randint(1, 3))
    )
    payment = rng.choice(Payment.ALL)
    status = rng.choices([Status.DELIVERED, Status.CANCELED, Status.AWAITING_PAYMENT], [90, 8, 2])[0]
    if status == Status.AWAITING_PAYMENT:
        payment = Payment.PIX
    first = Status.AWAITING_PAYMENT if payment == Payment.PIX else Status.PLACED
    history = [StatusChange(first, at, by=BY_CUSTOMER)]
    if status != first:
        history.append(StatusChange(status, at + dt.timedelta(minutes=40), by="Ana", reason="teste"))
    subtotal = sum((i.total for i in items), Decimal("0.00"))
    fulfilment = rng.choice(list(Fulfilment))
    fee = Decimal("7.00") if fulfilment == Fulfilment.DELIVERY else Decimal("0.00")
    return Order(
        customer_id=customer_id,
        order_id=secrets.token_hex(12),
        code=secrets.token_hex(4).upper(),
        status=history[-1].status,
        fulfilment=fulfilment,
        payment=payment,
        items=items,
        subtotal=subtotal,
        delivery_fee=fee,
        total=subtotal + fee,
        change_for=Decimal("200.00") if payment == Payment.CASH else None,
        created_at=at,
        updated_at=history[-1].at,
        history=tuple(history),
    )


def build(path: Path, count: int) -> dict:
    config = {
        "default": {"BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore", "OPTIONS": {"PATH": str(path)}}
    }
    fresh = SQLiteStore("bench", SCHEMA, config["default"]["OPTIONS"])
    for statement in SCHEMA.statements:
        fresh.execute_ddl(statement)
    rng = random.Random(count)
    days: dict = {}
    batch: list = []
    customer = secrets.token_urlsafe(12)
    for n in range(count):
        if n % ORDERS_PER_CUSTOMER == 0 and batch:
            fresh.write_many(batch)
            batch, customer = [], secrets.token_urlsafe(12)
        order = an_order(rng, customer)
        batch.append(Put(ORDER_TABLE, _row(order)))
        day = order_day(order, TZ)
        days[day] = totals_add(days.get(day, {}), order_contribution(order, timezone=TZ))
    if batch:
        fresh.write_many(batch)
    fresh.close()
    with override_settings(NOSQL_STORES=config):
        now = dt.datetime.now(dt.UTC)
        for day, totals in days.items():
            sales_day_put(SalesDay(day, totals), now=now)
        store.close()
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--scan-repeat", type=int, default=3, help="runs of the (slow) read of every order")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    results = {}
    for label, count in (("small", args.small), ("large", args.large)):
        print(f"Loading {count} orders over {MONTH:%Y-%m} ...", flush=True)
        config = build(folder / f"{label}.sqlite3", count)
        with override_settings(NOSQL_STORES=config):
            report = report_get(first=MONTH, last=LAST)
            assert report.placed == count, (report.placed, count)
            report_p50 = p50(timed(lambda _i: report_get(first=MONTH, last=LAST), args.repeat))
            scan_p50 = p50(
                timed(
                    lambda _i: sum(1 for _ in orders_of_days(first=MONTH, last=LAST, timezone=TZ)),
                    args.scan_repeat,
                )
            )
            store.close()
        results[label] = (count, report_p50, scan_p50)
    (small, small_report, small_scan), (large, large_report, large_scan) = results["small"], results["large"]
    print()
    print(f"{'':34}{small:>12,} orders{large:>12,} orders{'ratio':>10}")
    for name, first, second in (
        ("month report (sales_day rows) p50", small_report, large_report),
        ("reading the month's orders p50", small_scan, large_scan),
    ):
        print(f"{name:34}{first:>15,.0f} us{second:>15,.0f} us{second / first:>9.2f}x")
    print("goal: the report's ratio about 1x (it reads one row per day, whatever the orders)")


if __name__ == "__main__":
    main()
