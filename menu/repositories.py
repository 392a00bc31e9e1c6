"""Menu rows in the store, turned into entities and back."""

from __future__ import annotations

from decimal import Decimal

from ocipizza.nosql import Query, Row, Version, store

from .entities import Category, MenuItem, Size

ITEM_TABLE = "pizza"
CENTS = Decimal("0.01")
CATEGORY_TABLE = "category"


def _item(row: Row) -> MenuItem:
    value = row.value
    return MenuItem(
        slug=value["slug"],
        name=value["name"],
        category=value["category"],
        price=value["price"].quantize(CENTS),
        description=value["description"] or "",
        image=value["image"],
        available=value["available"] is not False,
        position=value["position"] or 0,
        sizes=tuple(
            # Rows written before sizes could be sold out have no "available": on sale.
            Size(
                s["code"],
                s["name"],
                int(s.get("slices") or 0),
                Decimal(s["price"]),
                available=s.get("available") is not False,
            )
            for s in value["sizes"] or ()
        ),
        updated_at=value["updated_at"],
        # Columns added after the first rows were written: absent means allowed, shown, never edited.
        half_and_half=value.get("half_and_half") is not False,
        hidden=value.get("hidden") is True,
        edited_at=value.get("edited_at"),
    )


def _item_row(item: MenuItem) -> dict:
    return {
        "slug": item.slug,
        "name": item.name,
        "category": item.category,
        "price": item.price,
        "description": item.description,
        "image": item.image,
        "available": item.available,
        "position": item.position,
        # Money inside JSON travels as text: both backends keep it exact that way.
        "sizes": [
            {
                "code": s.code,
                "name": s.name,
                "slices": s.slices,
                "price": str(s.price),
                "available": s.available,
            }
            for s in item.sizes
        ]
        or None,
        "updated_at": item.updated_at,
        "half_and_half": item.half_and_half,
        "hidden": item.hidden,
        "edited_at": item.edited_at,
    }


def _category(row: Row) -> Category:
    return Category(row["slug"], row["name"], row["position"] or 0, edited_at=row.value.get("edited_at"))


def categories() -> list[Category]:
    rows = store.iterate(Query(CATEGORY_TABLE, limit=100))
    found = [_category(r) for r in rows]
    return sorted(found, key=lambda c: (c.position, c.name))


def items() -> list[MenuItem]:
    return sorted(
        (_item(r) for r in store.iterate(Query(ITEM_TABLE, limit=200))), key=lambda i: (i.position, i.name)
    )


def items_versioned() -> list[tuple[MenuItem, Version]]:
    """Every item with its row version, in menu order (for moves written over what was read)."""
    found = [(_item(r), r.version) for r in store.iterate(Query(ITEM_TABLE, limit=200))]
    return sorted(found, key=lambda pair: (pair[0].position, pair[0].name))


def item_create(item: MenuItem) -> None:
    """Write a new item; ``ConditionFailed`` when its slug is taken."""
    store.put(ITEM_TABLE, _item_row(item), if_absent=True)


def item_get(slug: str) -> MenuItem | None:
    row = store.get_or_none(ITEM_TABLE, {"slug": slug})
    return _item(row) if row else None


def item_get_versioned(slug: str) -> tuple[MenuItem, Version] | None:
    """The item and its row version, for a change that must not overwrite another one (``item_save``)."""
    row = store.get_or_none(ITEM_TABLE, {"slug": slug})
    return (_item(row), row.version) if row else None


def item_save(item: MenuItem, *, if_version: Version | None = None) -> None:
    """Write the item; with ``if_version``, only over that version (else ``ConditionFailed``)."""
    store.put(ITEM_TABLE, _item_row(item), if_version=if_version)


def category_get(slug: str) -> Category | None:
    row = store.get_or_none(CATEGORY_TABLE, {"slug": slug})
    return _category(row) if row else None


def category_save(category: Category) -> None:
    store.put(
        CATEGORY_TABLE,
        {
            "slug": category.slug,
            "name": category.name,
            "position": category.position,
            "edited_at": category.edited_at,
        },
    )


def item_slugs_using_image(name: str) -> list[str]:
    """Items whose photo is ``name`` (a photo is removed from storage once none uses it)."""
    return [item.slug for item in items() if item.image == name]
