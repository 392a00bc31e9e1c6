"""``{% pizzeria_contacts %}``: WhatsApp and phone links from the pizzeria's profile (footer, tracking).

Uses the page's ``pizzeria`` when the view passed one, so most pages pay nothing more; others read the
cached profile.
"""

from __future__ import annotations

from django import template

from ..selectors import pizzeria_get

register = template.Library()


def _international(text: str) -> str:
    """The number's digits with the country code (links need it): "(11) 4002-8922" -> "551140028922"."""
    digits = "".join(c for c in text if c.isdigit())
    if digits and not text.strip().startswith("+") and len(digits) in (10, 11):
        digits = "55" + digits  # a Brazilian number written with its area code only
    return digits


@register.inclusion_tag("pizzeria/includes/contacts.html", takes_context=True)
def pizzeria_contacts(context):
    pizzeria = context["pizzeria"] if "pizzeria" in context else pizzeria_get()
    if pizzeria is None:
        return {}
    return {
        "whatsapp": pizzeria.whatsapp,
        "whatsapp_digits": _international(pizzeria.whatsapp),
        "phone": pizzeria.phone,
        "phone_digits": _international(pizzeria.phone),
        "name": pizzeria.name,
    }
