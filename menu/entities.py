"""What the menu is made of, as immutable values read from the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

DRINKS = "bebida"
# Photos uploaded in the back office are stored in the card's size and twice that (menu.services).
PHOTO_SIZE = (300, 400)
PHOTO_1X_SUFFIX = "-300x400.jpg"
PHOTO_2X_SUFFIX = "-600x800.jpg"


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    position: int = 0
    edited_at: dt.datetime | None = None  # set when a manager wrote it: load_menu leaves it alone


@dataclass(frozen=True)
class Size:
    """One size of a pizza with its own price; the staff mark it sold out when its dough runs out."""

    code: str
    name: str
    slices: int
    price: Decimal
    available: bool = True


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
    sizes: tuple[Size, ...] = ()
    updated_at: dt.datetime | None = None
    half_and_half: bool = True  # may be one half of a meio-a-meio pizza
    hidden: bool = False  # kept in the back office, left out of the customers' menu
    edited_at: dt.datetime | None = None  # set when a manager wrote it: load_menu leaves it alone

    @property
    def image_2x(self) -> str | None:
        """The double-size photo for sharp phone screens, when the photo was uploaded with one."""
        if self.image and self.image.endswith(PHOTO_1X_SUFFIX):
            return self.image[: -len(PHOTO_1X_SUFFIX)] + PHOTO_2X_SUFFIX
        return None

    @property
    def is_pizza(self) -> bool:
        return self.category != DRINKS

    @property
    def default_size(self) -> Size | None:
        """The largest size still on sale (the largest of all when every one is sold out)."""
        on_sale = [size for size in self.sizes if size.available]
        return on_sale[-1] if on_sale else (self.sizes[-1] if self.sizes else None)

    @property
    def starting_price(self) -> Decimal:
        """What "a partir de" shows: the cheapest size still on sale (or of all, when none is)."""
        on_sale = [size.price for size in self.sizes if size.available]
        return min(on_sale or [size.price for size in self.sizes] or [self.price])

    @property
    def sold_out(self) -> bool:
        """Nothing of it can be ordered: the item itself, or every one of its sizes, is sold out."""
        return not self.available or (bool(self.sizes) and not any(size.available for size in self.sizes))

    def size(self, code: str | None) -> Size | None:
        """The size with this code; ``None`` for an item without sizes asked without one."""
        for size in self.sizes:
            if size.code == code:
                return size
        return None

    def price_for(self, code: str | None) -> Decimal | None:
        """Price of one unit in that size, or ``None`` when the item has no such size."""
        if not self.sizes:
            return self.price if code in (None, "") else None
        size = self.size(code)
        return size.price if size else None


@dataclass(frozen=True)
class Section:
    category: Category
    items: tuple[MenuItem, ...]


@dataclass(frozen=True)
class Menu:
    """The whole menu in display order; small enough to cache as one value."""

    sections: tuple[Section, ...] = field(default=())
    # Changes whenever the menu is rebuilt from the store: a key for anything rendered from it.
    version: str = ""

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(section.category for section in self.sections)

    @property
    def items(self) -> tuple[MenuItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, slug: str) -> MenuItem | None:
        for item in self.items:
            if item.slug == slug:
                return item
        return None
