"""Keeping ``sales_day`` up to date: each order change adds its delta, and days can be rebuilt.

A day's totals cannot share the order's atomic write: the order lives in its customer's shard, the day
in its month's. So the order is written first and its delta right after, by ``sales_record_change``,
called from every place that writes an order (placing it, moving it, anonymising it). Deltas are added
with a conditional write over the version read, retried on conflict, so concurrent changes to one day
all count. A process that dies between the order's write and the delta's (or a store error on the
delta's) leaves that day off by that order: ``manage.py report --rebuild`` (or ``--rebuild --day D``)
recomputes days from their orders and fixes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.utils import timezone as django_timezone

from ocipizza.nosql import ConditionFailed, StoreError
from ocipizza.pizzeria.days import business_day_bounds
from ocipizza.pizzeria.selectors import pizzeria_get

from ..entities import Order
from . import repositories
from .totals import Totals, order_change_deltas, order_contribution, totals_add

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 30


class SalesDayBusy(StoreError):
    """A day's row kept changing under every attempt (``MAX_ATTEMPTS``)."""


def sales_timezone():
    """The pizzeria's time zone, which business days and hours of the day are counted in."""
    pizzeria = pizzeria_get()
    return pizzeria.tz if pizzeria else django_timezone.get_default_timezone()


def sales_day_add(*, day: dt.date, delta: Totals, now: dt.datetime) -> repositories.SalesDay:
    """Add ``delta`` to ``day``'s totals with a conditional write, retried while others write it."""
    for attempt in range(MAX_ATTEMPTS):
        current = repositories.sales_day_get(day)
        changed = replace(current, totals=totals_add(current.totals, delta))
        try:
            return replace(changed, version=repositories.sales_day_put(changed, now=now))
        except ConditionFailed:
            # Another worker wrote the day between our read and write: read it again. The jitter keeps
            # a crowd of writers from retrying in lockstep.
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise SalesDayBusy(f"sales_day {day} kept changing; run `manage.py report --rebuild --day {day}`")


def sales_record_change(*, before: Order | None, after: Order | None, now: dt.datetime | None = None) -> None:
    """Add what the change from ``before`` to ``after`` did to the figures (no write if nothing).

    Never raises: the order is already stored, and the customer or staff member must not see an error
    for the books. A failure is logged and left for ``report --rebuild`` to mend.
    """
    try:
        deltas = order_change_deltas(before=before, after=after, timezone=sales_timezone())
        for day, delta in deltas.items():
            sales_day_add(day=day, delta=delta, now=now or django_timezone.now())
    except Exception:
        logger.exception(
            "sales totals not updated for order %s; run manage.py report --rebuild",
            (after or before).order_id if (after or before) else "?",
        )


@dataclass(frozen=True)
class RebuiltDay:
    day: dt.date
    orders: int
    changed: bool


def sales_day_rebuild(*, day: dt.date, timezone, now: dt.datetime, dry_run: bool = False) -> RebuiltDay:
    """Recompute ``day``'s totals from its orders and store them if they differ.

    The write is conditional on the row read before the orders, so a delta added meanwhile makes it
    start over rather than vanish. Rebuilding a day while orders are being placed in it can still
    miscount an order placed at that very moment; rebuild again once it is quiet.
    """
    for _attempt in range(MAX_ATTEMPTS):
        current = repositories.sales_day_get(day)
        start, end = business_day_bounds(day, day, timezone)
        totals: Totals = {}
        count = 0
        for order in repositories.orders_placed_between(start=start, end=end):
            totals = totals_add(totals, order_contribution(order, timezone=timezone))
            count += 1
        if totals == current.totals or dry_run:
            return RebuiltDay(day, count, totals != current.totals)
        try:
            repositories.sales_day_put(replace(current, totals=totals), now=now)
        except ConditionFailed:
            continue
        return RebuiltDay(day, count, True)
    raise SalesDayBusy(f"sales_day {day} kept changing while it was rebuilt")


def sales_rebuild(
    *,
    first: dt.date | None,
    last: dt.date,
    now: dt.datetime,
    dry_run: bool = False,
    progress: Callable[[RebuiltDay], None] | None = None,
) -> list[RebuiltDay]:
    """Rebuild every day from ``first`` (default: the first order's day) to ``last``."""
    timezone = sales_timezone()
    if first is None:
        first = repositories.first_order_day(timezone=timezone)
        if first is None:
            return []
    done = []
    day = first
    while day <= last:
        rebuilt = sales_day_rebuild(day=day, timezone=timezone, now=now, dry_run=dry_run)
        done.append(rebuilt)
        if progress:
            progress(rebuilt)
        day += dt.timedelta(days=1)
    return done
