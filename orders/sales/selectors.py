"""Reads of the sales figures: the stored per-day totals of a period, and the orders behind them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ocipizza.pizzeria.days import business_day_bounds, business_day_of

from ..entities import Order
from . import repositories
from .repositories import SalesDay
from .services import sales_timezone
from .totals import order_contribution

__all__ = ["SalesDay", "order_contribution", "orders_of_days", "sales_days", "sales_timezone", "today"]


def sales_days(*, first: dt.date, last: dt.date) -> list[SalesDay]:
    """The days ``first`` to ``last`` that had orders, from ``sales_day`` only (one query per month)."""
    return repositories.sales_days_between(first, last)


def orders_of_days(*, first: dt.date, last: dt.date, timezone) -> Iterator[Order]:
    """Every order placed in those business days, oldest first, streamed page by page."""
    start, end = business_day_bounds(first, last, timezone)
    return repositories.orders_placed_between(start=start, end=end)


def today(*, now: dt.datetime, timezone) -> dt.date:
    """The business day ``now`` falls in."""
    return business_day_of(now, timezone)
