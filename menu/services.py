"""Changing the menu. Every write ends by dropping the cached menu."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ocipizza.datafiles import read_json
from ocipizza.nosql import ConditionFailed

from . import repositories
from .entities import DRINKS, Category, MenuItem, Size
from .selectors import menu_invalidate

CENTS = Decimal("0.01")


class MenuDataError(ValueError):
    """The menu file is missing or malformed; the message says where."""


class AvailabilityError(ValueError):
    """A sold-out change the menu refuses; the message is for the staff member (pt-BR)."""


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    photos_stored: list[str] = field(default_factory=list)


def photo_name(slug: str, content: bytes, suffix: str) -> str:
    # The content hash in the name lets browsers cache a photo forever and still see a new one.
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"menu/{slugify(slug)}-{digest}{suffix.lower()}"


def menu_load(
    *, source: Path, dry_run: bool = False, progress: Callable[[str], None] = lambda message: None
) -> LoadReport:
    """Create or update the categories and items of ``source/menu.json`` and store their photos.

    Idempotent: rows and photos that already match are left alone. With ``dry_run`` nothing is written
    and the report says what would change.
    """
    data = _read_menu_file(source / "menu.json")
    size_rules = _read_size_rules(source / "sizes.json")
    report = LoadReport()
    for position, raw in enumerate(data["categories"]):
        category = Category(slug=raw["slug"], name=raw["name"], position=position)
        _apply(
            category,
            repositories.category_get(category.slug),
            repositories.category_save,
            report,
            f"category {category.slug}",
            dry_run,
        )
    for position, raw in enumerate(data["items"]):
        label = f"item {raw['slug']}"
        progress(f"[{position + 1}/{len(data['items'])}] {raw['slug']}")
        image = _store_photo(source, raw, report, dry_run) if raw.get("image") else None
        item = MenuItem(
            slug=raw["slug"],
            name=raw["name"],
            category=raw["category"],
            price=raw["price"],
            description=raw.get("description") or "",
            image=image,
            position=position,
            sizes=sizes_priced(raw["price"], size_rules) if raw["category"] != DRINKS else (),
        )
        current = repositories.item_get(item.slug)
        if current is not None:
            # Keep what the back office may have changed that the file does not describe.
            item = _keep_availability(item, current)
        _apply(item, current, repositories.item_save, report, label, dry_run, stamp=True)
    if not dry_run:
        menu_invalidate()
    return report


def _keep_availability(item: MenuItem, current: MenuItem) -> MenuItem:
    """``item`` as the file describes it, sold out wherever the staff marked ``current`` sold out."""
    sizes = tuple(
        replace(size, available=current.size(size.code).available) if current.size(size.code) else size
        for size in item.sizes
    )
    return replace(item, available=current.available, sizes=sizes)


# Two staff members toggling sizes of one pizza at once both read the row; the loser reads it again.
SAVE_ATTEMPTS = 3


def menu_item_set_available(*, slug: str, size: str | None = None, available: bool) -> MenuItem:
    """Mark an item, or one ``size`` of it, sold out (``available=False``) or on sale again.

    Written over the version read, so a concurrent change to another size of the same pizza is never
    lost; ``AvailabilityError`` for an unknown item or size, with nothing changed. Customers see it on
    their next page (the cached menu is dropped).
    """
    if not isinstance(available, bool):
        raise AvailabilityError(_("Escolha esgotado ou disponível."))
    if not isinstance(slug, str) or not 0 < len(slug) <= 100:
        raise AvailabilityError(_("Este item não está no cardápio."))
    for _attempt in range(SAVE_ATTEMPTS):
        found = repositories.item_get_versioned(slug)
        if found is None:
            raise AvailabilityError(_("Este item não está no cardápio."))
        item, version = found
        if size:
            if item.size(size) is None:
                raise AvailabilityError(
                    _("%(name)s não tem o tamanho %(size)s.") % {"name": item.name, "size": str(size)[:20]}
                )
            sizes = tuple(replace(s, available=available) if s.code == size else s for s in item.sizes)
            changed = replace(item, sizes=sizes)
        else:
            changed = replace(item, available=available)
        if changed == item:
            return item  # already so: nothing to write, nothing to drop
        changed = replace(changed, updated_at=timezone.now())
        try:
            repositories.item_save(changed, if_version=version)
        except ConditionFailed:
            continue
        menu_invalidate()
        return changed
    raise AvailabilityError(_("O item mudou ao mesmo tempo em outra tela. Tente de novo."))


def _apply(new, current, save, report: LoadReport, label: str, dry_run: bool, stamp: bool = False) -> None:
    comparable = replace(current, updated_at=None) if stamp and current else current
    if comparable == new:
        report.unchanged.append(label)
        return
    (report.updated if current else report.created).append(label)
    if not dry_run:
        save(replace(new, updated_at=timezone.now()) if stamp else new)


def sizes_priced(full_price: Decimal, rules: list[dict]) -> tuple[Size, ...]:
    """Sizes from the rules, smallest first; each costs the full price times its factor, in cents."""
    return tuple(
        Size(rule["code"], rule["name"], rule["slices"], (full_price * rule["factor"]).quantize(CENTS))
        for rule in rules
    )


def _read_size_rules(path: Path) -> list[dict]:
    if not path.exists():
        return []  # a menu without sizes.json sells every item in one size
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))["sizes"]
        checked = []
        for rule in rules:
            factor = Decimal(str(rule["factor"]))
            if not (Decimal(0) < factor <= Decimal(1)) or not rule["code"] or not rule["name"]:
                raise ValueError(f"size {rule.get('code')!r} needs a code, a name and a factor in (0, 1]")
            checked.append({**rule, "factor": factor, "slices": int(rule.get("slices") or 0)})
    except (OSError, ValueError, KeyError, TypeError, InvalidOperation) as e:
        raise MenuDataError(f"{path} is not a valid sizes file: {e}") from e
    if len({r["code"] for r in checked}) != len(checked):
        raise MenuDataError(f"{path} repeats a size code")
    return checked


def _store_photo(source: Path, raw: dict, report: LoadReport, dry_run: bool) -> str:
    path = source / "images" / raw["image"]
    try:
        content = path.read_bytes()
    except OSError as e:
        raise MenuDataError(f"photo {path} for {raw['slug']} cannot be read: {e}") from e
    name = photo_name(raw["slug"], content, path.suffix)
    if not default_storage.exists(name):
        report.photos_stored.append(name)
        if not dry_run:
            stored = default_storage.save(name, ContentFile(content))
            if stored != name:  # another process stored it at the same moment
                default_storage.delete(stored)
    return name


def _read_menu_file(path: Path) -> dict:
    data = read_json(
        path, error=MenuDataError, missing_hint="pass --source with the folder holding menu.json"
    )
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("categories"), list)
        or not isinstance(data.get("items"), list)
    ):
        raise MenuDataError(f"{path} needs the lists 'categories' and 'items'")
    slugs = set()
    for index, category in enumerate(data["categories"]):
        if not isinstance(category, dict) or not category.get("slug") or not category.get("name"):
            raise MenuDataError(f"{path}: category #{index + 1} needs slug and name")
        slugs.add(category["slug"])
    for index, item in enumerate(data["items"]):
        where = f"{path}: item #{index + 1}"
        if not isinstance(item, dict) or not all(item.get(k) for k in ("slug", "name", "price", "category")):
            raise MenuDataError(f"{where} needs slug, name, price and category")
        if item["category"] not in slugs:
            raise MenuDataError(f"{where} ({item['slug']}) names an unknown category {item['category']!r}")
        try:
            price = Decimal(str(item["price"]))
        except InvalidOperation as e:
            raise MenuDataError(f"{where} ({item['slug']}) has a price that is not a number") from e
        if not price.is_finite() or price <= 0 or price.as_tuple().exponent < -2:
            raise MenuDataError(f"{where} ({item['slug']}) needs a positive price with at most 2 decimals")
        item["price"] = price.quantize(Decimal("0.01"))
    return data
