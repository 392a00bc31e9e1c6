"""Checking a profile document: the single gate between JSON (a file, a form) and a ``Pizzeria``.

Stored as one JSON document in the ``pizzeria`` table, loaded from ``data/pizzeria.json`` by
``manage.py load_pizzeria``. A bad file or a bad edit is refused with a message naming the field,
never half-applied.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal, InvalidOperation

from .entities import HALF_AND_HALF_RULES, WEEKDAYS, DeliveryZone, Interval, PixAccount, Pizzeria

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CEP = re.compile(r"^\d{8}$")


class ProfileError(ValueError):
    """The profile is malformed; the message names the field."""


def _money(value, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as e:
        raise ProfileError(f"{where} must be an amount like 5.00") from e
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise ProfileError(f"{where} must be a non-negative amount with at most 2 decimals")
    return amount.quantize(Decimal("0.01"))


def _text(data: dict, key: str, where: str = "", max_length: int = 200) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ProfileError(f"{where}{key} is required (text, at most {max_length} characters)")
    return value.strip()


def _time(text, where: str) -> dt.time:
    match = _TIME.match(text) if isinstance(text, str) else None
    if not match:
        raise ProfileError(f"{where} must be a time like 18:30")
    return dt.time(int(match.group(1)), int(match.group(2)))


def profile_from_dict(data: dict) -> Pizzeria:
    """Check a profile document and turn it into a ``Pizzeria``; ``ProfileError`` names what is wrong."""
    if not isinstance(data, dict):
        raise ProfileError("the profile must be a JSON object")
    timezone = data.get("timezone", "America/Sao_Paulo")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as e:
        raise ProfileError(f"timezone {timezone!r} is unknown") from e
    hours_data = data.get("hours")
    if not isinstance(hours_data, dict) or set(hours_data) - set(WEEKDAYS):
        raise ProfileError(f"hours must map weekdays ({', '.join(WEEKDAYS)}) to lists of [open, close]")
    hours = {}
    for day in WEEKDAYS:
        intervals = []
        for pair in hours_data.get(day) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ProfileError(f'hours.{day} takes pairs like ["18:00", "23:00"]')
            start, end = _time(pair[0], f"hours.{day}"), _time(pair[1], f"hours.{day}")
            if start == end:
                raise ProfileError(f"hours.{day}: opening and closing times are the same")
            intervals.append(Interval(start, end))
        hours[day] = tuple(intervals)
    zones = []
    for index, zone in enumerate(data.get("delivery_zones") or []):
        where = f"delivery_zones[{index}]."
        if not isinstance(zone, dict):
            raise ProfileError(f"{where} must be an object")
        ranges = []
        for pair in zone.get("cep_ranges") or []:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(c, str) and _CEP.match(c) for c in pair)
            ):
                raise ProfileError(f"{where}cep_ranges takes pairs of 8-digit CEPs")
            if pair[0] > pair[1]:
                raise ProfileError(f"{where}cep_ranges: {pair[0]} comes after {pair[1]}")
            ranges.append((pair[0], pair[1]))
        neighbourhoods = tuple(
            f"{n.get('bairro', '').strip().lower()}|{n.get('cidade', '').strip().lower()}"
            for n in zone.get("neighbourhoods") or []
            if isinstance(n, dict)
        )
        if not ranges and not neighbourhoods:
            raise ProfileError(f"{where} needs cep_ranges or neighbourhoods")
        eta = zone.get("eta_minutes")
        if not isinstance(eta, int) or isinstance(eta, bool) or not 5 <= eta <= 240:
            raise ProfileError(f"{where}eta_minutes must be a whole number from 5 to 240")
        zones.append(
            DeliveryZone(
                name=_text(zone, "name", where),
                fee=_money(zone.get("fee", "0"), f"{where}fee"),
                eta_minutes=eta,
                cep_ranges=tuple(ranges),
                neighbourhoods=neighbourhoods,
            )
        )
    pix = data.get("pix")
    if not isinstance(pix, dict):
        raise ProfileError("pix needs key, merchant_name and merchant_city")
    rule = data.get("half_and_half_rule", "max")
    if rule not in HALF_AND_HALF_RULES:
        raise ProfileError(f"half_and_half_rule must be one of {', '.join(HALF_AND_HALF_RULES)}")
    pickup_eta = data.get("pickup_eta_minutes", 25)
    if not isinstance(pickup_eta, int) or isinstance(pickup_eta, bool) or not 5 <= pickup_eta <= 240:
        raise ProfileError("pickup_eta_minutes must be a whole number from 5 to 240")
    address = data.get("address") if isinstance(data.get("address"), dict) else {}
    return Pizzeria(
        name=_text(data, "name"),
        phone=_text(data, "phone"),
        whatsapp=data.get("whatsapp") or "",
        address={k: str(v) for k, v in address.items()},
        timezone=timezone,
        hours=hours,
        delivery_zones=tuple(zones),
        minimum_order=_money(data.get("minimum_order", "0"), "minimum_order"),
        pix=PixAccount(
            key=_text(pix, "key", "pix.", 77),
            merchant_name=_text(pix, "merchant_name", "pix.", 25),
            merchant_city=_text(pix, "merchant_city", "pix.", 15),
        ),
        half_and_half_rule=rule,
        pickup_eta_minutes=pickup_eta,
        raw=data,
    )
