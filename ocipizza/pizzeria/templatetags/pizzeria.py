"""The shop's pause in templates: the customers' banner (whose view passes ``pause``, judged by its own
clock) and the staff's status line."""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..entities import Pause, Pizzeria
from ..selectors import pause_message, pause_until_text, pizzeria_get

register = template.Library()


@register.simple_tag
def staff_pause() -> Pause | None:
    """``{% staff_pause as pause %}``: the pause in force now, opening hours or not (cached profile)."""
    pizzeria = pizzeria_get()
    return pizzeria.pause_at(timezone.now()) if pizzeria else None


@register.simple_tag
def pause_text(pause: Pause, pizzeria: Pizzeria | None = None) -> str:
    """The sentence customers read about ``pause``."""
    return pause_message(pause=pause, tz=_tz(pizzeria))


@register.simple_tag
def pause_until(pause: Pause, pizzeria: Pizzeria | None = None) -> str:
    """When ``pause`` ends on the pizzeria's clock ("21:30"), or an empty string."""
    return pause_until_text(pause=pause, tz=_tz(pizzeria))


def _tz(pizzeria: Pizzeria | None):
    if pizzeria is None:
        pizzeria = pizzeria_get()
    return pizzeria.tz if pizzeria else timezone.get_default_timezone()
