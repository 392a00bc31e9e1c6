"""What an order adds to its business day's sales totals, and the delta a change makes. Pure functions.

Totals are a flat mapping ``"kind/measure/label" -> number``: ints count orders or items, Decimals are
money (exact; text in the stored JSON). Flat and additive, so a day's totals are the sum of its orders'
contributions and every change is ``new contribution - old contribution``, whatever changed.

What counts as revenue ("faturamento"): every order that is not CANCELED and not a PIX order still
AWAITING_PAYMENT. Those PIX orders are "pending", cancellations are counted apart with their reasons,
and a PIX order canceled after its payment was confirmed is a refund owed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from ocipizza.pizzeria.days import business_day_of

from ..entities import Order, Payment
from ..statuses import BY_CUSTOMER, BY_SYSTEM, Status

Totals = dict[str, int | Decimal]
SEP = "/"
ZERO = Decimal("0.00")
MAX_LABEL = 200


def key(kind: str, measure: str, label: str = "") -> str:
    return f"{kind}{SEP}{measure}{SEP}{label[:MAX_LABEL]}"


def split(name: str) -> tuple[str, str, str]:
    kind, measure, label = name.split(SEP, 2)
    return kind, measure, label


def item_label(item) -> str:
    """How a line is grouped among the top items: its name as sold, with the size."""
    return f"{item.name} ({item.size_name})" if item.size_name else item.name


def canceled_by(order: Order) -> str:
    by = next((c.by for c in reversed(order.history) if c.status == Status.CANCELED), "")
    if by == BY_CUSTOMER:
        return "customer"
    if by == BY_SYSTEM:
        return "system"
    return "staff"


def order_day(order: Order, timezone) -> dt.date:
    return business_day_of(order.created_at, timezone)


def order_contribution(order: Order, *, timezone) -> Totals:
    """What ``order`` adds to its day, as it is now."""
    totals: Totals = {}

    def add(kind: str, measure: str, value, label: str = "") -> None:
        name = key(kind, measure, label)
        totals[name] = totals.get(name, 0) + value

    total = order.total
    add("all", "orders", 1)
    if order.status == Status.CANCELED:
        add("canceled", "orders", 1)
        add("canceled", "value", total)
        add("reason", "orders", 1, order.cancel_reason)
        add("canceled_by", "orders", 1, canceled_by(order))
        if order.pix_paid:
            add("pix", "orders", 1, "refund")
            add("pix", "value", total, "refund")
        return totals
    if order.status == Status.AWAITING_PAYMENT:
        add("pending", "orders", 1)
        add("pending", "value", total)
        add("pix", "orders", 1, "pending")
        add("pix", "value", total, "pending")
        return totals
    add("revenue", "orders", 1)
    add("revenue", "value", total)
    add("revenue", "subtotal", order.subtotal)
    add("revenue", "fees", order.delivery_fee)
    add("payment", "orders", 1, order.payment)
    add("payment", "value", total, order.payment)
    add("fulfilment", "orders", 1, str(order.fulfilment))
    add("fulfilment", "value", total, str(order.fulfilment))
    hour = f"{order.created_at.astimezone(timezone).hour:02d}"
    add("hour", "orders", 1, hour)
    add("hour", "value", total, hour)
    for item in order.items:
        add("item", "quantity", item.quantity, item_label(item))
        add("item", "value", item.total, item_label(item))
    if order.payment == Payment.CASH:
        add("cash", "orders", 1)
        add("cash", "value", total)
        # Notes handed over, and the change given back from the drawer.
        add("cash", "tendered", order.change_for or total)
        add("cash", "change", order.change_due or ZERO)
        if order.change_due:
            add("cash", "with_change", 1)
    elif order.payment == Payment.PIX:
        add("pix", "orders", 1, "confirmed")
        add("pix", "value", total, "confirmed")
    return totals


def totals_add(totals: Mapping, delta: Mapping) -> Totals:
    """``totals + delta``; entries that reach zero disappear, so a day's row never grows with them."""
    result: Totals = dict(totals)
    for name, value in delta.items():
        summed = result.get(name, 0) + value
        if summed:
            result[name] = summed
        else:
            result.pop(name, None)
    return result


def totals_sum(many: Iterable[Mapping]) -> Totals:
    result: Totals = {}
    for totals in many:
        result = totals_add(result, totals)
    return result


def totals_delta(old: Mapping, new: Mapping) -> Totals:
    """``new - old``, zero entries left out."""
    return totals_add(new, {name: -value for name, value in old.items()})


def order_change_deltas(*, before: Order | None, after: Order | None, timezone) -> dict[dt.date, Totals]:
    """Per business day, what a change from ``before`` to ``after`` (either may be None) adds.

    Empty when the change moves no figure (an accepted card order, an e-mail queued, anonymisation).
    """
    deltas: dict[dt.date, Totals] = {}
    if before is not None:
        day = order_day(before, timezone)
        deltas[day] = totals_delta(order_contribution(before, timezone=timezone), {})
    if after is not None:
        day = order_day(after, timezone)
        deltas[day] = totals_add(deltas.get(day, {}), order_contribution(after, timezone=timezone))
    return {day: delta for day, delta in deltas.items() if delta}


def totals_to_json(totals: Mapping) -> dict:
    """Money as text (exact on both backends), counts as numbers."""
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in totals.items()}


def totals_from_json(value: Mapping | None) -> Totals:
    return {name: Decimal(v) if isinstance(v, str) else v for name, v in (value or {}).items()}
