"""A period's sales figures, built from the stored per-day totals alone (never from the orders)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.entities import Payment
from orders.sales.selectors import sales_days
from orders.sales.totals import Totals, split, totals_sum
from orders.statuses import Fulfilment

ZERO = Decimal("0.00")
CENTS = Decimal("0.01")
TOP_ITEMS = 10

PAYMENT_LABELS = {
    Payment.PIX: _("PIX"),
    Payment.CREDIT_CARD: _("Cartão de crédito"),
    Payment.DEBIT_CARD: _("Cartão de débito"),
    Payment.CASH: _("Dinheiro"),
}
FULFILMENT_LABELS = {Fulfilment.DELIVERY: _("Entrega"), Fulfilment.PICKUP: _("Retirada")}
CANCELED_BY_LABELS = {"customer": _("Pelo cliente"), "staff": _("Pela pizzaria"), "system": _("Pelo sistema")}


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    orders: int
    value: Decimal


@dataclass(frozen=True)
class Report:
    first: dt.date
    last: dt.date
    placed: int  # every order placed, whatever became of it
    revenue_orders: int
    revenue: Decimal
    subtotal: Decimal
    fees: Decimal
    by_payment: tuple[Line, ...]
    by_fulfilment: tuple[Line, ...]
    top_items: tuple[Line, ...]  # orders holds the quantity sold
    hours: tuple[Line, ...]  # from the day's first hour, every hour that had orders
    days: tuple[Line, ...]  # every day of the period
    canceled_orders: int
    canceled_value: Decimal
    cancel_reasons: tuple[Line, ...]
    canceled_by: tuple[Line, ...]
    pending_orders: int
    pending_value: Decimal
    cash_orders: int
    cash_value: Decimal
    cash_tendered: Decimal
    cash_change: Decimal
    cash_with_change: int
    pix_confirmed_orders: int
    pix_confirmed_value: Decimal
    pix_refund_orders: int
    pix_refund_value: Decimal

    @property
    def average_ticket(self) -> Decimal:
        if not self.revenue_orders:
            return ZERO
        return (self.revenue / self.revenue_orders).quantize(CENTS, rounding=ROUND_HALF_UP)

    @property
    def is_one_day(self) -> bool:
        return self.first == self.last


class _Reader:
    def __init__(self, totals: Totals):
        self.totals = totals

    def count(self, kind: str, measure: str = "orders", label: str = "") -> int:
        return int(self.totals.get(f"{kind}/{measure}/{label}", 0))

    def money(self, kind: str, measure: str = "value", label: str = "") -> Decimal:
        return Decimal(self.totals.get(f"{kind}/{measure}/{label}", ZERO)).quantize(CENTS)

    def labels(self, kind: str, measure: str = "orders") -> list[str]:
        found = []
        for name in self.totals:
            k, m, label = split(name)
            if k == kind and m == measure:
                found.append(label)
        return found

    def lines(self, kind: str, labels: dict, *, measure: str = "orders") -> tuple[Line, ...]:
        known = [key for key in labels if self.count(kind, measure, key) or self.money(kind, "value", key)]
        return tuple(
            Line(key, str(labels[key]), self.count(kind, measure, key), self.money(kind, "value", key))
            for key in known
        )


def report_from_days(*, first: dt.date, last: dt.date, days: list) -> Report:
    """The figures of ``first`` to ``last`` from those days' ``SalesDay`` rows."""
    r = _Reader(totals_sum(day.totals for day in days))
    items = sorted(
        (
            Line(label, label, r.count("item", "quantity", label), r.money("item", "value", label))
            for label in r.labels("item", "quantity")
        ),
        key=lambda line: (-line.orders, -line.value, line.label),
    )
    reasons = sorted(
        (Line(label, label, r.count("reason", "orders", label), ZERO) for label in r.labels("reason")),
        key=lambda line: (-line.orders, line.label),
    )
    start = settings.BACKOFFICE_DAY_STARTS_AT
    # Every hour from the first to the last with orders, quiet hours between them included.
    offsets = sorted((int(h) - start) % 24 for h in r.labels("hour"))
    hour_keys = [f"{(start + o) % 24:02d}" for o in range(offsets[0], offsets[-1] + 1)] if offsets else []
    by_day = {day.day: _Reader(day.totals) for day in days}
    day_lines = []
    day = first
    while day <= last:
        reader = by_day.get(day) or _Reader({})
        day_lines.append(
            Line(day.isoformat(), day.isoformat(), reader.count("revenue"), reader.money("revenue"))
        )
        day += dt.timedelta(days=1)
    return Report(
        first=first,
        last=last,
        placed=r.count("all"),
        revenue_orders=r.count("revenue"),
        revenue=r.money("revenue"),
        subtotal=r.money("revenue", "subtotal"),
        fees=r.money("revenue", "fees"),
        by_payment=r.lines("payment", PAYMENT_LABELS),
        by_fulfilment=r.lines("fulfilment", FULFILMENT_LABELS),
        top_items=tuple(items[:TOP_ITEMS]),
        hours=tuple(
            Line(h, f"{h}h", r.count("hour", "orders", h), r.money("hour", "value", h)) for h in hour_keys
        ),
        days=tuple(day_lines),
        canceled_orders=r.count("canceled"),
        canceled_value=r.money("canceled"),
        cancel_reasons=tuple(reasons),
        canceled_by=r.lines("canceled_by", CANCELED_BY_LABELS),
        pending_orders=r.count("pending"),
        pending_value=r.money("pending"),
        cash_orders=r.count("cash"),
        cash_value=r.money("cash"),
        cash_tendered=r.money("cash", "tendered"),
        cash_change=r.money("cash", "change"),
        cash_with_change=r.count("cash", "with_change"),
        pix_confirmed_orders=r.count("pix", "orders", "confirmed"),
        pix_confirmed_value=r.money("pix", "value", "confirmed"),
        pix_refund_orders=r.count("pix", "orders", "refund"),
        pix_refund_value=r.money("pix", "value", "refund"),
    )


def report_get(*, first: dt.date, last: dt.date) -> Report:
    """The period's figures: reads only its ``sales_day`` rows (one query per calendar month)."""
    return report_from_days(first=first, last=last, days=sales_days(first=first, last=last))
