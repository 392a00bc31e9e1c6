"""Reads for the shop: the pizzeria profile and the storefront (menu + profile) in one cache round trip."""

from __future__ import annotations

from django.core.cache import cache

from menu.entities import Menu
from menu.selectors import MENU_CACHE_KEY, MENU_CACHE_SECONDS, menu_build

from . import repositories
from .pizzeria import Pizzeria, profile_from_dict

PIZZERIA_CACHE_KEY = "pizzeria:v1"
NO_PROFILE = False  # cached when no profile exists yet, so a bare menu page stays off the store


def pizzeria_get() -> Pizzeria | None:
    """The profile, or ``None`` before ``load_pizzeria`` ran. Cached until it changes."""
    pizzeria = cache.get(PIZZERIA_CACHE_KEY)
    if pizzeria is None:
        pizzeria = _pizzeria_from_store()
        cache.set(PIZZERIA_CACHE_KEY, pizzeria or NO_PROFILE, MENU_CACHE_SECONDS)
    return pizzeria or None


def storefront_get() -> tuple[Menu, Pizzeria | None]:
    """Menu and profile together: one cache read (MGET) on a warm cache, the store only on a miss."""
    found = cache.get_many([MENU_CACHE_KEY, PIZZERIA_CACHE_KEY])
    menu, pizzeria = found.get(MENU_CACHE_KEY), found.get(PIZZERIA_CACHE_KEY)
    missing = {}
    if menu is None:
        menu = missing[MENU_CACHE_KEY] = menu_build()
    if pizzeria is None:
        pizzeria = _pizzeria_from_store()
        missing[PIZZERIA_CACHE_KEY] = pizzeria or NO_PROFILE
    if missing:
        cache.set_many(missing, MENU_CACHE_SECONDS)
    return menu, pizzeria or None


def _pizzeria_from_store() -> Pizzeria | None:
    document = repositories.pizzeria_document()
    return profile_from_dict(document) if document is not None else None


def pizzeria_invalidate() -> None:
    cache.delete(PIZZERIA_CACHE_KEY)


def order_find_by_code(*, code: str):
    """The order with this human code (staff and operators only: it searches every customer)."""
    from ocipizza.nosql import Eq, Query, store

    from .repositories import ORDER_TABLE, order_from_row

    code = (code or "").strip().upper().replace("-", "")
    page = store.query(Query(ORDER_TABLE, where=[Eq("code", code)], limit=2))
    return order_from_row(page.rows[0]) if page.rows else None
