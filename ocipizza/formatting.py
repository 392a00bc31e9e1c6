"""Money and time as customers read them, in the active language."""

import datetime as dt
from decimal import Decimal

from django.utils import formats, timezone, translation


def money(amount) -> str:
    """1059.9 -> "1.059,90" in pt-BR, "1,059.90" in English (no currency sign)."""
    return formats.number_format(Decimal(amount), 2, use_l10n=True, force_grouping=True)


def weekday_and_time(moment: dt.datetime) -> str:
    """ "terça-feira, 18:00": weekday names are lower case inside a Portuguese sentence."""
    text = formats.date_format(timezone.localtime(moment), "l, H:i")
    if (translation.get_language() or "").startswith("pt"):
        text = text[:1].lower() + text[1:]
    return text
