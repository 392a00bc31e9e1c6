"""The pizzeria's business day: from ``BACKOFFICE_DAY_STARTS_AT`` local time to the same hour next day.

A shift that runs past midnight stays in the day it began, for the orders board and the sales figures
alike. Kept in the bottom layer so that ``orders`` and the back office share one definition.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def business_day_start(now: dt.datetime, timezone) -> dt.datetime:
    """When the business day holding ``now`` began (aware, in ``timezone``)."""
    local = now.astimezone(timezone)
    start = local.replace(hour=settings.BACKOFFICE_DAY_STARTS_AT, minute=0, second=0, microsecond=0)
    return start if local >= start else start - dt.timedelta(days=1)


def business_day_of(moment: dt.datetime, timezone) -> dt.date:
    """The business day ``moment`` belongs to (the calendar date it began on)."""
    return business_day_start(moment, timezone).date()


def business_day_bounds(first: dt.date, last: dt.date, timezone) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` covering the business days ``first`` to ``last`` inclusive."""
    hour = dt.time(settings.BACKOFFICE_DAY_STARTS_AT)
    start = dt.datetime.combine(first, hour, tzinfo=timezone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), hour, tzinfo=timezone)
    return start, end
