"""Prices of a menu item by size, for the half-and-half picker (``templates/orders/includes``)."""

from __future__ import annotations

from django import template

from ..entities import MenuItem

register = template.Library()


@register.filter
def price_in(item: MenuItem, size_code: str | None):
    """``other|price_in:size``: the item's price in that size, or ``None`` when it has no such size."""
    return item.price_for(size_code) if isinstance(item, MenuItem) else None


@register.filter
def size_prices(item: MenuItem) -> str:
    """ "broto:21.59 media:28.79 grande:35.99": every size on sale, for the picker's script."""
    if not isinstance(item, MenuItem):
        return ""
    return " ".join(f"{size.code}:{size.price}" for size in item.sizes if size.available)
