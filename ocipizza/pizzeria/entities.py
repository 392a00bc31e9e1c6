"""The pizzeria's profile as immutable values: hours, delivery zones, minimum order, PIX account.

``profile.profile_from_dict`` builds a ``Pizzeria`` from the stored JSON document and is the only way
one is made, so every ``Pizzeria`` in the program has been checked. The selectors attach the staff's
``Pause`` (a row of its own) to the profile they cache, so one cache read answers both.

Opening hours are a weekly pattern plus ``special_days``: a date closed all day (a holiday) or with
hours of its own that replace the weekday's. A shift belongs to the day it starts on, so a special
day's late shift runs past midnight into the next date, and a holiday does not cut short the previous
evening's shift that ends after midnight.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HALF_AND_HALF_RULES = ("max", "average")
MAX_INTERVALS = 3  # shifts in one day (lunch, dinner and one more)
MAX_SPECIAL_DAYS = 60
SPECIAL_NOTE_MAX = 80
# Order placement limits per customer (the shop's own phone and counter orders are exempt): sane
# defaults for a profile document that does not name them.
MAX_OPEN_ORDERS_DEFAULT = 3  # placed and not yet delivered, canceled or (PIX) paid
MAX_ORDERS_PER_HOUR_DEFAULT = 5
PIX_ONLY_ABOVE_DEFAULT = Decimal("300.00")  # a dearer order is paid by PIX, up front
ORDER_LIMIT_MAX = 20  # checkout reads this many of a customer's newest orders to count against the caps


@dataclass(frozen=True)
class Interval:
    """Open from ``start`` to ``end`` on one weekday; an ``end`` before ``start`` runs past midnight."""

    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class SpecialDay:
    """One date whose hours replace the weekday's: none (closed all day) or its own intervals.

    ``note`` is what customers read ("Natal"); optional.
    """

    date: dt.date
    hours: tuple[Interval, ...] = ()
    note: str = ""

    @property
    def closed(self) -> bool:
        return not self.hours


@dataclass(frozen=True)
class DeliveryZone:
    name: str
    fee: Decimal
    eta_minutes: int
    cep_ranges: tuple[tuple[str, str], ...] = ()
    neighbourhoods: tuple[str, ...] = ()  # lower-case "bairro|cidade"

    def covers(self, *, cep: str, bairro: str = "", cidade: str = "") -> bool:
        if any(start <= cep <= end for start, end in self.cep_ranges):
            return True
        return f"{bairro.strip().lower()}|{cidade.strip().lower()}" in self.neighbourhoods


@dataclass(frozen=True)
class PixAccount:
    key: str
    merchant_name: str
    merchant_city: str


@dataclass(frozen=True)
class Pause:
    """The staff stopped taking orders ("loja pausada"), with an optional reason shown to customers.

    ``until`` ends it by itself: past that moment the pause no longer counts, nobody has to act.
    """

    reason: str = ""
    until: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    paused_by: str = ""

    def in_force(self, at: dt.datetime) -> bool:
        return self.until is None or at < self.until


@dataclass(frozen=True)
class Pizzeria:
    name: str
    phone: str
    address: dict
    timezone: str
    hours: dict[str, tuple[Interval, ...]]
    delivery_zones: tuple[DeliveryZone, ...]
    minimum_order: Decimal
    pix: PixAccount
    half_and_half_rule: str = "max"
    pickup_eta_minutes: int = 25
    whatsapp: str = ""
    special_days: tuple[SpecialDay, ...] = ()  # sorted by date, one per date
    max_open_orders: int = MAX_OPEN_ORDERS_DEFAULT
    max_orders_per_hour: int = MAX_ORDERS_PER_HOUR_DEFAULT
    pix_only_above: Decimal = PIX_ONLY_ABOVE_DEFAULT
    # Not part of the profile document: attached by the selectors from its own row.
    pause: Pause | None = None
    # The checked document this profile was made from: what the repository writes back.
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    # The stored row's version when read from the store: what an edit must still find to overwrite it.
    version: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def special_day(self, day: dt.date) -> SpecialDay | None:
        for special in self.special_days:
            if special.date == day:
                return special
        return None

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The shifts that start on ``day``: its special day's, else its weekday's."""
        special = self.special_day(day)
        return special.hours if special is not None else self.hours.get(WEEKDAYS[day.weekday()], ())

    def is_open(self, at: dt.datetime) -> bool:
        local = at.astimezone(self.tz)
        now = local.time()
        for interval in self.intervals_on(local.date()):
            if interval.crosses_midnight:
                if now >= interval.start:
                    return True
            elif interval.start <= now < interval.end:
                return True
        # A late shift that started yesterday may still be running.
        yesterday = local.date() - dt.timedelta(days=1)
        return any(i.crosses_midnight and now < i.end for i in self.intervals_on(yesterday))

    def closed_for(self, at: dt.datetime) -> SpecialDay | None:
        """Today's special day (the pizzeria's date at ``at``) when it closes the shop all day."""
        special = self.special_day(at.astimezone(self.tz).date())
        return special if special is not None and special.closed else None

    def pause_at(self, at: dt.datetime) -> Pause | None:
        """The pause in force at ``at``, or ``None`` when the shop takes orders (hours permitting)."""
        return self.pause if self.pause is not None and self.pause.in_force(at) else None

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When the pizzeria next opens after ``at`` (local time), or ``None`` if it never opens."""
        local = at.astimezone(self.tz)
        # Past the last special day the week repeats, so a week beyond it settles the question.
        last = max((s.date for s in self.special_days), default=local.date())
        horizon = max((last - local.date()).days, 0) + 8
        for days in range(horizon):
            day = local.date() + dt.timedelta(days=days)
            for interval in sorted(self.intervals_on(day), key=lambda i: i.start):
                opening = dt.datetime.combine(day, interval.start, tzinfo=self.tz)
                if opening > local:
                    return opening
        return None

    def zone_for(self, *, cep: str, bairro: str = "", cidade: str = "") -> DeliveryZone | None:
        for zone in self.delivery_zones:
            if zone.covers(cep=cep, bairro=bairro, cidade=cidade):
                return zone
        return None
