"""Filters for the staff's pages: staff words for statuses and links that call or map a customer."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from django import template

from backoffice.board.selectors import STAFF_LABELS
from locations.text import cep_format

register = template.Library()


@register.filter
def staff_status(status) -> str:
    return STAFF_LABELS.get(status, status)


@register.filter
def cep(digits: str) -> str:
    """A stored CEP ("01310100") as people write it ("01310-100")."""
    return cep_format(digits) if digits and len(digits) == 8 and digits.isdigit() else digits or ""


@register.filter
def whatsapp_url(telephone: str) -> str:
    """wa.me takes the number in international form, digits only (E.164 without the plus)."""
    digits = re.sub(r"\D", "", telephone or "")
    return f"https://wa.me/{digits}" if digits else ""


@register.filter
def tel_url(telephone: str) -> str:
    number = re.sub(r"[^\d+]", "", telephone or "")
    return f"tel:{quote(number)}" if number else ""


@register.filter
def maps_url(address: dict | None) -> str:
    """A maps search for the delivery address, for the courier's phone."""
    if not address:
        return ""
    parts = [
        f"{address.get('street', '')}, {address.get('number', '')}",
        address.get("district", ""),
        f"{address.get('city', '')} - {address.get('state', '')}",
        address.get("cep", ""),
    ]
    query = ", ".join(part.strip(" ,-") for part in parts if part.strip(" ,-"))
    return "https://www.google.com/maps/search/?" + urlencode({"api": 1, "query": query})
