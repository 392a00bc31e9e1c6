"""Checking a profile document: the single gate between JSON (a file, a form) and a ``Pizzeria``.

Stored as one JSON document in the ``pizzeria`` table, loaded from ``data/pizzeria.json`` by
``manage.py load_pizzeria`` and edited in the back office (``/gestao/pizzaria/``). A bad file or a bad
edit is refused with a message naming the field, never half-applied.

Every ``ProfileError`` says what is wrong twice: in English for the operator running the command
(``str(e)``) and in the active language for the manager's form (``e.text``), with ``e.field`` naming the
place in the document ("hours.fri", "delivery_zones[2].fee", "special_days[0].date") so the form can
put the message next to the field that caused it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .entities import (
    HALF_AND_HALF_RULES,
    MAX_INTERVALS,
    MAX_OPEN_ORDERS_DEFAULT,
    MAX_ORDERS_PER_HOUR_DEFAULT,
    MAX_SPECIAL_DAYS,
    ORDER_LIMIT_MAX,
    PIX_ONLY_ABOVE_DEFAULT,
    SPECIAL_NOTE_MAX,
    WEEKDAYS,
    DeliveryZone,
    Interval,
    PixAccount,
    Pizzeria,
    SpecialDay,
)

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CEP = re.compile(r"^\d{8}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE = re.compile(r"^\+?[\d ()-]+$")
MAX_ZONES = 30
MAX_AREAS = 50  # CEP ranges or neighbourhoods in one zone
MONEY_MAX = Decimal("99999.99")


class ProfileError(ValueError):
    """The profile is malformed. ``str(e)`` is the operator's English message naming the field;
    ``text`` the same in the active language for a form; ``field`` the path of the value at fault."""

    def __init__(self, message: str, *, field: str = "", text: str = ""):
        super().__init__(message)
        self.field = field
        self.text = text or message


def _money(value, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as e:
        raise ProfileError(
            f"{where} must be an amount like 5.00", field=where, text=_("Informe um valor como 5,00.")
        ) from e
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2 or amount > MONEY_MAX:
        raise ProfileError(
            f"{where} must be a non-negative amount with at most 2 decimals",
            field=where,
            text=_("Informe um valor de 0,00 a 99.999,99, com até 2 casas decimais."),
        )
    return amount.quantize(Decimal("0.01"))


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char).startswith("C") for char in text)


def _text(data: dict, key: str, where: str = "", max_length: int = 200) -> str:
    value = data.get(key)
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value.strip()) > max_length
        or _has_control(value)
    ):
        raise ProfileError(
            f"{where}{key} is required (text, at most {max_length} characters)",
            field=f"{where}{key}",
            text=_("Obrigatório: um texto de até %(max)d caracteres.") % {"max": max_length},
        )
    return value.strip()


def _phone(data: dict, key: str, *, required: bool) -> str:
    value = data.get(key) or ""
    if not value and not required:
        return ""
    digits = sum(c.isdigit() for c in value) if isinstance(value, str) else 0
    if not isinstance(value, str) or not _PHONE.match(value) or not 8 <= digits <= 15 or len(value) > 30:
        raise ProfileError(
            f"{key} must be a phone number like +55 11 4002-8922",
            field=key,
            text=_("Informe um telefone como +55 11 4002-8922."),
        )
    return value.strip()


def _order_cap(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= ORDER_LIMIT_MAX:
        raise ProfileError(
            f"{where} must be a whole number from 1 to {ORDER_LIMIT_MAX}",
            field=where,
            text=_("Informe um número inteiro de 1 a %(max)d.") % {"max": ORDER_LIMIT_MAX},
        )
    return value


def _minutes(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 5 <= value <= 240:
        raise ProfileError(
            f"{where} must be a whole number from 5 to 240",
            field=where,
            text=_("Informe um número inteiro de minutos, de 5 a 240."),
        )
    return value


def _time(text, where: str) -> dt.time:
    match = _TIME.match(text) if isinstance(text, str) else None
    if not match:
        raise ProfileError(
            f"{where} must be a time like 18:30", field=where, text=_("Informe horários como 18:30.")
        )
    return dt.time(int(match.group(1)), int(match.group(2)))


def _intervals(pairs, where: str) -> tuple[Interval, ...]:
    if pairs is None:
        pairs = []
    if not isinstance(pairs, list | tuple):
        raise ProfileError(
            f'{where} takes pairs like ["18:00", "23:00"]',
            field=where,
            text=_("Informe os horários como pares de abertura e fechamento."),
        )
    if len(pairs) > MAX_INTERVALS:
        raise ProfileError(
            f"{where}: at most {MAX_INTERVALS} intervals a day",
            field=where,
            text=_("No máximo %(max)d turnos por dia.") % {"max": MAX_INTERVALS},
        )
    intervals = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ProfileError(
                f'{where} takes pairs like ["18:00", "23:00"]',
                field=where,
                text=_("Informe os horários como pares de abertura e fechamento."),
            )
        start, end = _time(pair[0], where), _time(pair[1], where)
        if start == end:
            raise ProfileError(
                f"{where}: opening and closing times are the same",
                field=where,
                text=_("A abertura e o fechamento são o mesmo horário."),
            )
        intervals.append(Interval(start, end))
    intervals.sort(key=lambda i: i.start)
    for before, after in itertools.pairwise(intervals):
        if before.crosses_midnight or after.start < before.end:
            raise ProfileError(
                f"{where}: intervals overlap",
                field=where,
                text=_("Os turnos se sobrepõem: %(a)s–%(b)s e %(c)s–%(d)s.")
                % {
                    "a": before.start.strftime("%H:%M"),
                    "b": before.end.strftime("%H:%M"),
                    "c": after.start.strftime("%H:%M"),
                    "d": after.end.strftime("%H:%M"),
                },
            )
    return tuple(intervals)


def _special_days(items) -> tuple[SpecialDay, ...]:
    if items is None:
        return ()
    if not isinstance(items, list | tuple):
        raise ProfileError(
            "special_days must be a list", field="special_days", text=_("Lista de dias especiais inválida.")
        )
    if len(items) > MAX_SPECIAL_DAYS:
        raise ProfileError(
            f"special_days: at most {MAX_SPECIAL_DAYS}",
            field="special_days",
            text=_("No máximo %(max)d dias especiais; apague os que já passaram.")
            % {"max": MAX_SPECIAL_DAYS},
        )
    days = []
    seen = set()
    for index, item in enumerate(items):
        where = f"special_days[{index}]"
        if not isinstance(item, dict):
            raise ProfileError(f"{where} must be an object", field=where, text=_("Dia especial inválido."))
        text = item.get("date")
        try:
            date = dt.date.fromisoformat(text) if isinstance(text, str) and _DATE.match(text) else None
        except ValueError:
            date = None
        if date is None:
            raise ProfileError(
                f"{where}.date must be a date like 2026-12-25",
                field=f"{where}.date",
                text=_("Informe uma data válida, como 25/12/2026."),
            )
        if date in seen:
            raise ProfileError(
                f"{where}.date: {text} is listed twice",
                field=f"{where}.date",
                text=_("Esta data já está na lista de dias especiais."),
            )
        seen.add(date)
        note = item.get("note") or ""
        if not isinstance(note, str) or len(note.strip()) > SPECIAL_NOTE_MAX or _has_control(note):
            raise ProfileError(
                f"{where}.note: one line of text, at most {SPECIAL_NOTE_MAX} characters",
                field=f"{where}.note",
                text=_("O aviso é uma linha de até %(max)d caracteres.") % {"max": SPECIAL_NOTE_MAX},
            )
        closed = item.get("closed", False)
        if not isinstance(closed, bool):
            raise ProfileError(
                f"{where}.closed must be true or false",
                field=f"{where}.closed",
                text=_("Escolha fechado ou horário especial."),
            )
        hours = _intervals(item.get("hours"), f"{where}.hours")
        if closed and hours:
            raise ProfileError(
                f"{where}: a closed day has no hours",
                field=f"{where}.hours",
                text=_("Um dia fechado não tem horários: apague-os ou escolha horário especial."),
            )
        if not closed and not hours:
            raise ProfileError(
                f"{where}: give hours, or closed: true",
                field=f"{where}.hours",
                text=_("Informe os horários deste dia ou marque-o como fechado."),
            )
        days.append(SpecialDay(date=date, hours=hours, note=" ".join(note.split())))
    return tuple(sorted(days, key=lambda d: d.date))


def _neighbourhoods(items, where: str) -> tuple[str, ...]:
    found = []
    for item in items or []:
        bairro = item.get("bairro") if isinstance(item, dict) else None
        cidade = item.get("cidade") if isinstance(item, dict) else None
        if not all(
            isinstance(v, str) and v.strip() and len(v) <= 80 and not _has_control(v)
            for v in (bairro, cidade)
        ):
            raise ProfileError(
                f"{where}neighbourhoods take a bairro and a cidade",
                field=f"{where}neighbourhoods",
                text=_("Cada bairro precisa do nome do bairro e da cidade, como Bela Vista | São Paulo."),
            )
        found.append(f"{bairro.strip().lower()}|{cidade.strip().lower()}")
    return tuple(found)


def _zones(items) -> tuple[DeliveryZone, ...]:
    if items is not None and not isinstance(items, list | tuple):
        raise ProfileError(
            "delivery_zones must be a list",
            field="delivery_zones",
            text=_("Lista de áreas de entrega inválida."),
        )
    items = items or []
    if len(items) > MAX_ZONES:
        raise ProfileError(
            f"delivery_zones: at most {MAX_ZONES}",
            field="delivery_zones",
            text=_("No máximo %(max)d áreas de entrega.") % {"max": MAX_ZONES},
        )
    zones = []
    names = set()
    for index, zone in enumerate(items):
        where = f"delivery_zones[{index}]."
        if not isinstance(zone, dict):
            raise ProfileError(
                f"{where} must be an object", field=where[:-1], text=_("Área de entrega inválida.")
            )
        name = _text(zone, "name", where, 60)
        if name.casefold() in names:
            raise ProfileError(
                f"{where}name: {name!r} is used twice",
                field=f"{where}name",
                text=_("Já existe uma área com este nome."),
            )
        names.add(name.casefold())
        ranges = []
        for pair in zone.get("cep_ranges") or []:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(c, str) and _CEP.match(c) for c in pair)
            ):
                raise ProfileError(
                    f"{where}cep_ranges takes pairs of 8-digit CEPs",
                    field=f"{where}cep_ranges",
                    text=_("Informe faixas de CEP como 01000-000 a 01599-999."),
                )
            if pair[0] > pair[1]:
                raise ProfileError(
                    f"{where}cep_ranges: {pair[0]} comes after {pair[1]}",
                    field=f"{where}cep_ranges",
                    text=_("A faixa começa em %(start)s, depois de onde termina (%(end)s).")
                    % {"start": f"{pair[0][:5]}-{pair[0][5:]}", "end": f"{pair[1][:5]}-{pair[1][5:]}"},
                )
            ranges.append((pair[0], pair[1]))
        neighbourhoods = _neighbourhoods(zone.get("neighbourhoods"), where)
        if not ranges and not neighbourhoods:
            raise ProfileError(
                f"{where} needs cep_ranges or neighbourhoods",
                field=f"{where}cep_ranges",
                text=_("Informe ao menos uma faixa de CEP ou um bairro."),
            )
        if len(ranges) + len(neighbourhoods) > MAX_AREAS:
            raise ProfileError(
                f"{where}: at most {MAX_AREAS} CEP ranges and neighbourhoods",
                field=f"{where}cep_ranges",
                text=_("No máximo %(max)d faixas de CEP e bairros por área.") % {"max": MAX_AREAS},
            )
        zones.append(
            DeliveryZone(
                name=name,
                fee=_money(zone.get("fee", "0"), f"{where}fee"),
                eta_minutes=_minutes(zone.get("eta_minutes"), f"{where}eta_minutes"),
                cep_ranges=tuple(ranges),
                neighbourhoods=neighbourhoods,
            )
        )
    return tuple(zones)


def profile_from_dict(data: dict) -> Pizzeria:
    """Check a profile document and turn it into a ``Pizzeria``; ``ProfileError`` names what is wrong."""
    if not isinstance(data, dict):
        raise ProfileError("the profile must be a JSON object", text=_("Perfil inválido."))
    timezone = data.get("timezone", "America/Sao_Paulo")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as e:
        raise ProfileError(
            f"timezone {timezone!r} is unknown", field="timezone", text=_("Fuso horário desconhecido.")
        ) from e
    hours_data = data.get("hours")
    if not isinstance(hours_data, dict) or set(hours_data) - set(WEEKDAYS):
        raise ProfileError(
            f"hours must map weekdays ({', '.join(WEEKDAYS)}) to lists of [open, close]",
            field="hours",
            text=_("Horários inválidos."),
        )
    hours = {day: _intervals(hours_data.get(day), f"hours.{day}") for day in WEEKDAYS}
    pix = data.get("pix")
    if not isinstance(pix, dict):
        raise ProfileError(
            "pix needs key, merchant_name and merchant_city",
            field="pix.key",
            text=_("Informe a chave PIX, o nome e a cidade do recebedor."),
        )
    rule = data.get("half_and_half_rule", "max")
    if rule not in HALF_AND_HALF_RULES:
        raise ProfileError(
            f"half_and_half_rule must be one of {', '.join(HALF_AND_HALF_RULES)}",
            field="half_and_half_rule",
            text=_("Escolha uma das regras de preço do meio a meio."),
        )
    address = data.get("address") if isinstance(data.get("address"), dict) else {}
    return Pizzeria(
        name=_text(data, "name", max_length=60),
        phone=_phone(data, "phone", required=True),
        whatsapp=_phone(data, "whatsapp", required=False),
        address={k: str(v) for k, v in address.items()},
        timezone=timezone,
        hours=hours,
        special_days=_special_days(data.get("special_days")),
        delivery_zones=_zones(data.get("delivery_zones")),
        minimum_order=_money(data.get("minimum_order", "0"), "minimum_order"),
        pix=PixAccount(
            key=_text(pix, "key", "pix.", 77),
            merchant_name=_text(pix, "merchant_name", "pix.", 25),
            merchant_city=_text(pix, "merchant_city", "pix.", 15),
        ),
        half_and_half_rule=rule,
        pickup_eta_minutes=_minutes(data.get("pickup_eta_minutes", 25), "pickup_eta_minutes"),
        max_open_orders=_order_cap(data.get("max_open_orders", MAX_OPEN_ORDERS_DEFAULT), "max_open_orders"),
        max_orders_per_hour=_order_cap(
            data.get("max_orders_per_hour", MAX_ORDERS_PER_HOUR_DEFAULT), "max_orders_per_hour"
        ),
        pix_only_above=_money(data.get("pix_only_above", PIX_ONLY_ABOVE_DEFAULT), "pix_only_above"),
        raw=data,
    )
