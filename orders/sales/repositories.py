"""``sales_day`` rows in the store, as ``SalesDay`` values in and out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from ocipizza.nosql import Eq, Query, Range, store
from ocipizza.pizzeria.days import business_day_of

# The order row's reader is the orders repository's own; these reads only stream what it reads.
from ..entities import Order
from ..repositories import ORDER_TABLE
from ..repositories import _order as order_from_row
from .totals import Totals, totals_from_json, totals_to_json

SALES_DAY_TABLE = "sales_day"


@dataclass(frozen=True)
class SalesDay:
    day: dt.date
    totals: Totals = field(default_factory=dict)
    version: bytes | None = None  # None: no row yet


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _sales_day(row) -> SalesDay:
    value = row.value
    return SalesDay(dt.date.fromisoformat(value["day"]), totals_from_json(value["totals"]), row.version)


def sales_day_get(day: dt.date) -> SalesDay:
    row = store.get_or_none(SALES_DAY_TABLE, {"month": _month(day), "day": day.isoformat()})
    return _sales_day(row) if row else SalesDay(day)


def sales_days_between(first: dt.date, last: dt.date) -> list[SalesDay]:
    """The stored rows of the days ``first`` to ``last``: one query per calendar month touched."""
    found = []
    month_start = first.replace(day=1)
    while month_start <= last:
        where = [Eq("month", _month(month_start)), Range("day", gte=first.isoformat(), lte=last.isoformat())]
        found.extend(map(_sales_day, store.iterate(Query(SALES_DAY_TABLE, where=where, limit=40))))
        month_start = (month_start + dt.timedelta(days=32)).replace(day=1)
    return found


def sales_day_put(sales_day: SalesDay, *, now: dt.datetime) -> bytes:
    """Write the day over the version read (or only if absent); ``ConditionFailed`` when it moved."""
    value = {
        "month": _month(sales_day.day),
        "day": sales_day.day.isoformat(),
        "totals": totals_to_json(sales_day.totals),
        "updated_at": now,
    }
    if sales_day.version is None:
        return store.put(SALES_DAY_TABLE, value, if_absent=True)
    return store.put(SALES_DAY_TABLE, value, if_version=sales_day.version)


def orders_placed_between(*, start: dt.datetime, end: dt.datetime) -> Iterator[Order]:
    """Every order placed in ``[start, end)``, oldest first, page by page (``idx_order_day``)."""
    query = Query(
        ORDER_TABLE, where=[Range("created_at", gte=start, lt=end)], order_by=["created_at"], limit=500
    )
    return map(order_from_row, store.iterate(query))


def first_order_day(*, timezone) -> dt.date | None:
    """The business day of the oldest order, or ``None`` when there is none."""
    page = store.query(Query(ORDER_TABLE, where=[], order_by=["created_at"], limit=1))
    return business_day_of(page.rows[0].value["created_at"], timezone) if page.rows else None
