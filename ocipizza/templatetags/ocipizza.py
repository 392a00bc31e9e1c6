"""Template helpers shared by every app."""

from decimal import Decimal, InvalidOperation

from django import template
from django.core.files.storage import default_storage

from ocipizza.formatting import money, weekday_and_time

register = template.Library()


@register.filter
def brl(value):
    """Format an amount in reais for the active language: "R$ 1.059,90" in pt-BR, "R$ 1,059.90" in English."""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return "R$\u00a0" + money(amount)


@register.filter
def media_url(name):
    """The public URL of a file in the default storage (local files or Object Storage)."""
    return default_storage.url(name) if name else ""


@register.filter
def weekday_time(moment):
    """When the pizzeria opens next, as a sentence fragment: "terça-feira, 18:00"."""
    return weekday_and_time(moment) if moment else ""


@register.filter
def add_money(amount, other):
    """Decimal sum for totals in templates (Django's add filter goes through int and float)."""
    try:
        return Decimal(amount) + Decimal(other)
    except (InvalidOperation, TypeError, ValueError):
        return ""
