"""Reading the menu: from the cache when warm, from the store once when cold."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ocipizza import localcopy
from ocipizza.pizzeria.entities import DeliveryZone, Pizzeria
from ocipizza.pizzeria.selectors import PIZZERIA_CACHE_KEY, PIZZERIA_CACHE_SECONDS, pizzeria_from_cached

from . import repositories
from .entities import Category, Menu, MenuItem, Section

# v2 since values are stamped (ocipizza.localcopy): v1 workers of a rolling deploy keep their own key.
MENU_CACHE_KEY = "menu:v2"
MENU_CACHE_SECONDS = 60 * 60


def menu_get() -> Menu:
    """The menu in display order. One cache read when warm; the store is read only on a miss."""
    menu = localcopy.get(MENU_CACHE_KEY)
    if menu is None:
        menu = menu_build()
        localcopy.set(MENU_CACHE_KEY, menu, MENU_CACHE_SECONDS)
    return menu


def storefront_get() -> tuple[Menu, Pizzeria | None]:
    """Menu and profile together: one cache read (MGET) on a warm cache, the store only on a miss.

    Both are kept decoded in the process until they change (``ocipizza.localcopy``), so a warm read
    costs one small MGET and no unpickling."""
    found = localcopy.get_many([MENU_CACHE_KEY, PIZZERIA_CACHE_KEY])
    menu = found.get(MENU_CACHE_KEY)
    pizzeria, missing = pizzeria_from_cached(found)
    if menu is None:
        menu = menu_build()
        localcopy.set(MENU_CACHE_KEY, menu, MENU_CACHE_SECONDS)
    if missing:
        localcopy.set_many(missing, PIZZERIA_CACHE_SECONDS)
    return menu, pizzeria


def menu_build() -> Menu:
    categories = repositories.categories()
    # Hidden items stay in the back office only: customers neither see nor order them.
    items = [item for item in repositories.items() if not item.hidden]
    sections = []
    for category in categories:
        in_category = tuple(item for item in items if item.category == category.slug)
        if in_category:
            sections.append(Section(category, in_category))
    return Menu(tuple(sections), version=secrets.token_hex(8))


def menu_invalidate() -> None:
    localcopy.delete_many([MENU_CACHE_KEY])


# --- the back office's view of the menu (backoffice/catalog) ----------------------------------------


@dataclass(frozen=True)
class CatalogSection:
    category: Category
    items: tuple[MenuItem, ...]


def catalog_get() -> tuple[CatalogSection, ...]:
    """Every category (empty ones too) with every item (hidden ones too), from the store, in menu order."""
    items = repositories.items()
    return tuple(
        CatalogSection(category, tuple(item for item in items if item.category == category.slug))
        for category in repositories.categories()
    )


def catalog_categories() -> list[Category]:
    """Every category in menu order, from the store (the edit form's choices)."""
    return repositories.categories()


def catalog_item_get(slug: str):
    """``(item, version)`` as stored now, for an edit form that must not overwrite a newer change."""
    return repositories.item_get_versioned(slug)


# --- "Entregar em": the visitor's CEP, remembered in the session --------------------------------------

DELIVERY_PLACE_KEY = "delivery_place"  # {"cep": 8 digits, "bairro": ..., "cidade": ...}


@dataclass(frozen=True)
class DeliveryEstimate:
    """What the menu and the cart tell a visitor about delivering to their CEP before checkout."""

    cep: str  # "01310-100"
    zone: DeliveryZone | None  # None: outside every zone (pickup only)
    pickup_eta_minutes: int


def delivery_place_get(*, session) -> dict | None:
    """The CEP the visitor chose on the chip, or ``None``; anything malformed in the session is ignored."""
    place = session.get(DELIVERY_PLACE_KEY)
    if not isinstance(place, dict):
        return None
    cep = place.get("cep")
    if not (isinstance(cep, str) and len(cep) == 8 and cep.isdigit()):
        return None
    return {"cep": cep, "bairro": str(place.get("bairro", "")), "cidade": str(place.get("cidade", ""))}


def delivery_estimate(*, session, pizzeria: Pizzeria | None) -> DeliveryEstimate | None:
    """Fee and time for the chip's CEP under today's zones, or ``None`` when no CEP was chosen."""
    place = delivery_place_get(session=session)
    if place is None or pizzeria is None:
        return None
    zone = pizzeria.zone_for(cep=place["cep"], bairro=place["bairro"], cidade=place["cidade"])
    return DeliveryEstimate(
        cep=f"{place['cep'][:5]}-{place['cep'][5:]}",
        zone=zone,
        pickup_eta_minutes=pizzeria.pickup_eta_minutes,
    )
