"""Reading the profile: from the cache when warm, from the store once when cold."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.cache import cache

from . import repositories
from .entities import Pizzeria

PIZZERIA_CACHE_KEY = "pizzeria:v1"
PIZZERIA_CACHE_SECONDS = 60 * 60
NO_PROFILE = False  # cached when no profile exists yet, so a bare menu page stays off the store


def pizzeria_get() -> Pizzeria | None:
    """The profile, or ``None`` before ``load_pizzeria`` ran. Cached until it changes."""
    cached = cache.get(PIZZERIA_CACHE_KEY)
    if cached is not None:
        return cached or None
    pizzeria = repositories.pizzeria_get()
    cache.set(PIZZERIA_CACHE_KEY, pizzeria or NO_PROFILE, PIZZERIA_CACHE_SECONDS)
    return pizzeria


def pizzeria_from_cached(found: Mapping) -> tuple[Pizzeria | None, dict]:
    """The profile out of a ``cache.get_many`` answer that asked for ``PIZZERIA_CACHE_KEY``.

    Lets a page read the profile in the same cache round trip as its other data (see
    ``menu.selectors.storefront_get``). On a miss the store is read, and the second value holds what the
    caller should ``set_many`` (for ``PIZZERIA_CACHE_SECONDS``); on a hit it is empty.
    """
    cached = found.get(PIZZERIA_CACHE_KEY)
    if cached is not None:
        return cached or None, {}
    pizzeria = repositories.pizzeria_get()
    return pizzeria, {PIZZERIA_CACHE_KEY: pizzeria or NO_PROFILE}


def pizzeria_invalidate() -> None:
    cache.delete(PIZZERIA_CACHE_KEY)
