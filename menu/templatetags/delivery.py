"""``{% delivery_chip next_url %}``: the "Entregar em" chip of the menu and the cart.

Per visitor (it reads the session), so pages keep it out of their shared cached pieces; a visitor without
a session always gets the same empty chip, which the whole-page cache of the menu may hold.
"""

from __future__ import annotations

from django import template

from ..selectors import delivery_estimate

register = template.Library()


@register.inclusion_tag("menu/includes/delivery_chip.html", takes_context=True)
def delivery_chip(context, next_url: str = "", subtotal=None):
    """The chip; with ``subtotal`` (the cart page) it adds the total with the zone's fee."""
    request = context.get("request")
    session = getattr(request, "session", None)
    pizzeria = context.get("pizzeria")
    estimate = delivery_estimate(session=session, pizzeria=pizzeria) if session is not None else None
    total = subtotal + estimate.zone.fee if estimate and estimate.zone and subtotal is not None else None
    return {
        "estimate": estimate,
        "pizzeria": pizzeria,
        "next_url": next_url or (request.path if request else "/"),
        "total": total,
    }
