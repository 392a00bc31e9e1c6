"""What the menu is made of, as immutable values read from the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

DRINKS = "bebida"


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    position: int = 0


@dataclass(frozen=True)
class MenuItem:
    """A pizza or a drink: a row of the ``pizza`` table."""

    slug: str
    name: str
    category: str
    price: Decimal
    description: str = ""
    image: str | None = None  # a name in Django's default storage
    available: bool = True
    position: int = 0
    updated_at: dt.datetime | None = None

    @property
    def is_pizza(self) -> bool:
        return self.category != DRINKS


@dataclass(frozen=True)
class Section:
    category: Category
    items: tuple[MenuItem, ...]


@dataclass(frozen=True)
class Menu:
    """The whole menu in display order; small enough to cache as one value."""

    sections: tuple[Section, ...] = field(default=())

    @property
    def items(self) -> tuple[MenuItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, slug: str) -> MenuItem | None:
        for item in self.items:
            if item.slug == slug:
                return item
        return None
