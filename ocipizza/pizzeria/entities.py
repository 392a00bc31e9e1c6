"""The pizzeria's profile as immutable values: hours, delivery zones, minimum order, PIX account.

``profile.profile_from_dict`` builds a ``Pizzeria`` from the stored JSON document and is the only way
one is made, so every ``Pizzeria`` in the program has been checked. The selectors attach the staff's
``Pause`` (a row of its own) to the profile they cache, so one cache read answers both.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HALF_AND_HALF_RULES = ("max", "average")


@dataclass(frozen=True)
class Interval:
    """Open from ``start`` to ``end`` on one weekday; an ``end`` before ``start`` runs past midnight."""

    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


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
    # Not part of the profile document: attached by the selectors from its own row.
    pause: Pause | None = None
    # The checked document this profile was made from: what the repository writes back.
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_open(self, at: dt.datetime) -> bool:
        local = at.astimezone(self.tz)
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        now = local.time()
        for interval in self.hours.get(today, ()):
            if interval.crosses_midnight:
                if now >= interval.start:
                    return True
            elif interval.start <= now < interval.end:
                return True
        # A late shift that started yesterday may still be running.
        return any(i.crosses_midnight and now < i.end for i in self.hours.get(yesterday, ()))

    def pause_at(self, at: dt.datetime) -> Pause | None:
        """The pause in force at ``at``, or ``None`` when the shop takes orders (hours permitting)."""
        return self.pause if self.pause is not None and self.pause.in_force(at) else None

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When the pizzeria next opens after ``at`` (local time), or ``None`` if it never opens."""
        local = at.astimezone(self.tz)
        for days in range(8):
            day = local.date() + dt.timedelta(days=days)
            for interval in sorted(self.hours.get(WEEKDAYS[day.weekday()], ()), key=lambda i: i.start):
                opening = dt.datetime.combine(day, interval.start, tzinfo=self.tz)
                if opening > local:
                    return opening
        return None

    def zone_for(self, *, cep: str, bairro: str = "", cidade: str = "") -> DeliveryZone | None:
        for zone in self.delivery_zones:
            if zone.covers(cep=cep, bairro=bairro, cidade=cidade):
                return zone
        return None
