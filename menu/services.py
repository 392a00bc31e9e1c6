"""Changing the menu. Every write ends by dropping the cached menu."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from locations.exceptions import CEPDatabaseUnavailable, CEPNotFound, InvalidCEP
from locations.forms import CEP_RATE_SCOPE
from locations.selectors import cep_lookup
from locations.text import cep_format, cep_normalize
from ocipizza.datafiles import read_json
from ocipizza.formatting import money
from ocipizza.nosql import ConditionFailed
from ocipizza.ratelimit import rate_limit_hit

from . import photos, repositories
from .entities import DRINKS, PHOTO_1X_SUFFIX, Category, MenuItem, Size
from .selectors import DELIVERY_PLACE_KEY, menu_invalidate

logger = logging.getLogger(__name__)

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
    kept: list[str] = field(default_factory=list)  # edited in the back office: left as the manager left it


def photo_name(slug: str, content: bytes, suffix: str) -> str:
    # The content hash in the name lets browsers cache a photo forever and still see a new one.
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"menu/{slugify(slug)}-{digest}{suffix.lower()}"


def menu_load(
    *,
    source: Path,
    dry_run: bool = False,
    overwrite: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> LoadReport:
    """Create or update the categories and items of ``source/menu.json`` and store their photos.

    Idempotent: rows and photos that already match are left alone. With ``dry_run`` nothing is written
    and the report says what would change.

    The back office owns what a manager edited there (``edited_at`` set): such a category or item is
    left exactly as it is (``report.kept``), so a later run never undoes a new price, name or photo.
    ``overwrite`` makes the file win again for what it describes (names, prices, descriptions, photos,
    sizes, order) and clears the mark; sold-out marks, hidden items and meio-a-meio stay the manager's
    in every case, since the file does not describe them. Items created in the back office are not in
    the file and are never touched.
    """
    data = _read_menu_file(source / "menu.json")
    size_rules = _read_size_rules(source / "sizes.json")
    report = LoadReport()
    for position, raw in enumerate(data["categories"]):
        category = Category(slug=raw["slug"], name=raw["name"], position=position)
        current_category = repositories.category_get(category.slug)
        if current_category is not None and current_category.edited_at and not overwrite:
            report.kept.append(f"category {category.slug}")
            continue
        _apply(
            category,
            current_category,
            repositories.category_save,
            report,
            f"category {category.slug}",
            dry_run,
        )
    for position, raw in enumerate(data["items"]):
        label = f"item {raw['slug']}"
        progress(f"[{position + 1}/{len(data['items'])}] {raw['slug']}")
        current = repositories.item_get(raw["slug"])
        if current is not None and current.edited_at and not overwrite:
            report.kept.append(label)
            continue
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
    return replace(
        item,
        available=current.available,
        sizes=sizes,
        hidden=current.hidden,
        half_and_half=current.half_and_half,
    )


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
    try:
        if not default_storage.exists(name):
            report.photos_stored.append(name)
            if not dry_run:
                stored = default_storage.save(name, ContentFile(content))
                if stored != name:  # another process stored it at the same moment
                    default_storage.delete(stored)
    except OSError as e:
        # Items before this one are complete (their photos stored first); this one is not written.
        raise MenuDataError(
            f"photo {name} for {raw['slug']} could not be stored: {e}. Run again later."
        ) from e
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


# --- the back office's menu editing (backoffice/catalog) ---------------------------------------------

NAME_MAX = 80
CATEGORY_NAME_MAX = 40
DESCRIPTION_MAX = 300
SLUG_MAX = 60
# A price above this is a typo (an extra digit), not a pizza.
PRICE_MAX = Decimal("2000.00")


class MenuEditError(ValueError):
    """A menu change the back office refuses; the message is for the manager (pt-BR).

    ``field`` names the form field it is about (empty when it is about the whole change).
    """

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


class MenuConflict(MenuEditError):
    """Someone else changed the item since the form was drawn; ``current`` is the item as it is now."""

    def __init__(self, message: str, *, current: MenuItem, version):
        super().__init__(message)
        self.current = current
        self.version = version


def menu_size_rules() -> list[dict]:
    """The standard sizes (code, name, slices) a pizza is offered in, smallest first (``sizes.json``)."""
    from django.conf import settings

    try:
        return _read_size_rules(Path(settings.MENU_DATA_DIR) / "sizes.json")
    except MenuDataError:
        return []


def menu_size_choices(item: MenuItem | None = None) -> list[Size]:
    """The sizes a pizza's form offers: the item's own, then every standard size it lacks (unpriced)."""
    own = list(item.sizes) if item else []
    codes = {size.code for size in own}
    for rule in menu_size_rules():
        if rule["code"] not in codes:
            own.append(Size(rule["code"], rule["name"], rule["slices"], Decimal(0)))
    return sorted(own, key=lambda size: size.slices)


def _clean_text(value, *, field: str, limit: int, required: bool, label: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or any(ord(c) < 32 and c not in "\r\n\t" for c in value):
        raise MenuEditError(_("%(label)s tem caracteres inválidos.") % {"label": label}, field=field)
    value = " ".join(value.split()) if field != "description" else value.strip()
    if required and not value:
        raise MenuEditError(_("Informe %(label)s.") % {"label": label.lower()}, field=field)
    if len(value) > limit:
        raise MenuEditError(
            _("%(label)s pode ter até %(limit)d caracteres.") % {"label": label, "limit": limit}, field=field
        )
    return value


def _clean_price(value, *, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise MenuEditError(_("Informe o preço como 35,90."), field=field)
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise MenuEditError(_("Informe o preço como 35,90."), field=field) from None
    if not price.is_finite():
        raise MenuEditError(_("Informe o preço como 35,90."), field=field)
    if price <= 0:
        raise MenuEditError(_("O preço precisa ser maior que zero."), field=field)
    if price.as_tuple().exponent < -2:
        raise MenuEditError(_("Use no máximo dois dígitos para os centavos."), field=field)
    if price > PRICE_MAX:
        raise MenuEditError(
            _("Preço alto demais: confira os dígitos (até %(max)s).") % {"max": money(PRICE_MAX)}, field=field
        )
    return price.quantize(CENTS)


@dataclass(frozen=True)
class _Fields:
    name: str
    category: str
    description: str
    price: Decimal
    sizes: tuple[Size, ...]
    half_and_half: bool
    hidden: bool


def _clean_item(
    *,
    name,
    category,
    description,
    price,
    size_prices,
    half_and_half,
    hidden,
    current: MenuItem | None,
) -> _Fields:
    name = _clean_text(name, field="name", limit=NAME_MAX, required=True, label=_("O nome"))
    description = _clean_text(
        description, field="description", limit=DESCRIPTION_MAX, required=False, label=_("A descrição")
    )
    if not isinstance(category, str) or repositories.category_get(category) is None:
        raise MenuEditError(_("Escolha uma das categorias do cardápio."), field="category")
    size_prices = dict(size_prices or {})
    if category == DRINKS:
        # A drink is sold in one size at one price.
        if price in (None, ""):
            raise MenuEditError(_("Informe o preço da bebida."), field="price")
        return _Fields(
            name, category, description, _clean_price(price, field="price"), (), True, bool(hidden)
        )
    choices = {size.code: size for size in menu_size_choices(current)}
    if not choices:
        # No standard sizes at all (a menu without sizes.json): the pizza has one price, like a drink.
        if price in (None, ""):
            raise MenuEditError(_("Informe o preço da pizza."), field="price")
        return _Fields(
            name,
            category,
            description,
            _clean_price(price, field="price"),
            (),
            bool(half_and_half),
            bool(hidden),
        )
    unknown = set(size_prices) - set(choices)
    if unknown:
        raise MenuEditError(_("Escolha um dos tamanhos do cardápio."), field="sizes")
    sizes = []
    for code, size in choices.items():
        value = size_prices.get(code)
        if value in (None, ""):
            continue  # left blank: not offered in this size
        was = current.size(code) if current else None
        sizes.append(
            replace(
                size,
                price=_clean_price(value, field=f"price_{code}"),
                available=was.available if was else True,
            )
        )
    if not sizes:
        raise MenuEditError(_("Informe o preço de pelo menos um tamanho da pizza."), field="sizes")
    sizes.sort(key=lambda size: size.slices)
    # The item's own price is its largest size's, as the menu file has it.
    return _Fields(
        name, category, description, sizes[-1].price, tuple(sizes), bool(half_and_half), bool(hidden)
    )


def _photo_name_for(slug: str, prepared: photos.PreparedPhoto) -> str:
    return photo_name(slug, prepared.one_x + prepared.two_x, PHOTO_1X_SUFFIX)


def _save_photo(slug: str, prepared: photos.PreparedPhoto) -> str:
    try:
        return photos.photo_save(name=_photo_name_for(slug, prepared), prepared=prepared)
    except photos.PhotoStorageError as e:  # storage down: nothing stored, and no row will be written
        raise MenuEditError(str(e), field="photo") from None


def _release_photo(name: str | None) -> None:
    """Remove a photo from the storage once no item uses it any more (never a shared one)."""
    if name and not repositories.item_slugs_using_image(name):
        photos.photo_delete(name)


def menu_photo_store(*, slug: str, upload) -> str:
    """Check, re-encode and store an uploaded photo for item ``slug``; returns its storage name.

    ``PhotoError`` (a ``MenuEditError`` on field ``photo``) when it is not a usable photo.
    """
    try:
        prepared = photos.photo_prepare(upload)
    except photos.PhotoError as e:
        raise MenuEditError(str(e), field="photo") from None
    return _save_photo(slug, prepared)


def _new_slug(name: str) -> str:
    base = slugify(name)[:SLUG_MAX].strip("-") or "item"
    slug, number = base, 1
    while repositories.item_get(slug) is not None:
        number += 1
        slug = f"{base[: SLUG_MAX - 4]}-{number}"
    return slug


def menu_item_create(
    *,
    name: str,
    category: str,
    description: str = "",
    price=None,
    size_prices: dict | None = None,
    half_and_half: bool = True,
    hidden: bool = False,
    photo=None,
) -> MenuItem:
    """Add a pizza or drink at the end of its category; ``MenuEditError`` (with nothing written) if not.

    A pizza is priced per size (``size_prices``: code -> price, blank for a size not offered); a drink
    (category ``bebida``) by ``price``. ``photo`` is an uploaded file (see ``menu_photo_store``).
    """
    fields = _clean_item(
        name=name,
        category=category,
        description=description,
        price=price,
        size_prices=size_prices,
        half_and_half=half_and_half,
        hidden=hidden,
        current=None,
    )
    prepared = _prepare(photo)
    now = timezone.now()
    position = max((item.position for item in repositories.items()), default=-1) + 1
    for _attempt in range(SAVE_ATTEMPTS):
        slug = _new_slug(fields.name)
        image = None
        if prepared:
            image = _save_photo(slug, prepared)
        item = MenuItem(
            slug=slug,
            name=fields.name,
            category=fields.category,
            price=fields.price,
            description=fields.description,
            image=image,
            position=position,
            sizes=fields.sizes,
            updated_at=now,
            half_and_half=fields.half_and_half,
            hidden=fields.hidden,
            edited_at=now,
        )
        try:
            repositories.item_create(item)
        except ConditionFailed:
            _release_photo(image)  # someone took this slug at the same moment: try the next one
            continue
        menu_invalidate()
        return item
    raise MenuEditError(_("Não foi possível criar o item agora. Tente de novo."))


def _prepare(photo) -> photos.PreparedPhoto | None:
    if photo is None:
        return None
    try:
        return photos.photo_prepare(photo)
    except photos.PhotoError as e:
        raise MenuEditError(str(e), field="photo") from None


def menu_item_update(
    *,
    slug: str,
    expected_version,
    name: str,
    category: str,
    description: str = "",
    price=None,
    size_prices: dict | None = None,
    half_and_half: bool = True,
    hidden: bool = False,
    photo=None,
    remove_photo: bool = False,
) -> MenuItem:
    """Change an item as the manager's form says, only over the version the form was drawn from.

    ``MenuConflict`` (carrying the item as it is now and its version) when someone changed it in the
    meantime: nothing is written, and the manager decides again from the current values. Sold-out marks
    stay as they are (they belong to the availability page). The replaced photo leaves the storage once
    no item uses it. Customers see the change on their next page.
    """
    found = repositories.item_get_versioned(slug) if isinstance(slug, str) else None
    if found is None:
        raise MenuEditError(_("Este item não está no cardápio."))
    current, version = found
    fields = _clean_item(
        name=name,
        category=category,
        description=description,
        price=price,
        size_prices=size_prices,
        half_and_half=half_and_half,
        hidden=hidden,
        current=current,
    )
    prepared = _prepare(photo)
    if version != expected_version:
        raise _conflict(current, version)
    image = current.image
    if prepared:
        image = _save_photo(slug, prepared)
    elif remove_photo:
        image = None
    changed = replace(
        current,
        name=fields.name,
        category=fields.category,
        description=fields.description,
        price=fields.price,
        sizes=fields.sizes,
        half_and_half=fields.half_and_half,
        hidden=fields.hidden,
        image=image,
    )
    if changed == current:
        return current  # saved without a change: nothing to write, nothing for customers to reload
    now = timezone.now()
    changed = replace(changed, updated_at=now, edited_at=now)
    try:
        repositories.item_save(changed, if_version=version)
    except ConditionFailed:
        if image != current.image:
            _release_photo(image)
        fresh = repositories.item_get_versioned(slug)
        if fresh is None:
            raise MenuEditError(_("Este item não está no cardápio.")) from None
        raise _conflict(*fresh) from None
    if image != current.image:
        _release_photo(current.image)
    menu_invalidate()
    return changed


def _conflict(current: MenuItem, version) -> MenuConflict:
    return MenuConflict(
        _(
            "Outra pessoa mudou %(name)s enquanto você editava. O formulário mostra agora o que está "
            "salvo; confira e salve de novo o que ainda quiser mudar."
        )
        % {"name": current.name},
        current=current,
        version=version,
    )


def category_save(*, name: str, slug: str | None = None) -> Category:
    """Create a category (no ``slug``: at the end of the menu) or rename the category ``slug``."""
    name = _clean_text(name, field="name", limit=CATEGORY_NAME_MAX, required=True, label=_("O nome"))
    existing = repositories.categories()
    others = [c for c in existing if c.slug != slug]
    if any(c.name.casefold() == name.casefold() for c in others):
        raise MenuEditError(_("Já existe uma categoria com esse nome."), field="name")
    now = timezone.now()
    if slug:
        current = repositories.category_get(slug) if isinstance(slug, str) else None
        if current is None:
            raise MenuEditError(_("Esta categoria não está no cardápio."))
        if current.name == name:
            return current
        category = replace(current, name=name, edited_at=now)
    else:
        base = slugify(name)[:SLUG_MAX].strip("-") or "categoria"
        new_slug, number = base, 1
        while any(c.slug == new_slug for c in existing):
            number += 1
            new_slug = f"{base[: SLUG_MAX - 4]}-{number}"
        position = max((c.position for c in existing), default=-1) + 1
        category = Category(slug=new_slug, name=name, position=position, edited_at=now)
    repositories.category_save(category)
    menu_invalidate()
    return category


def menu_reorder(*, kind: str, slug: str, direction: int) -> None:
    """Move a category, or an item within its category, one place up (``-1``) or down (``+1``).

    Positions are renumbered so that they are distinct; only rows whose position changes are written.
    Items are written over the version read: a concurrent edit wins, and the move is to be tried again.
    """
    if direction not in (-1, 1) or kind not in ("item", "category"):
        raise MenuEditError(_("Escolha subir ou descer."))
    now = timezone.now()
    if kind == "category":
        ordered = repositories.categories()
        index = next((i for i, c in enumerate(ordered) if c.slug == slug), None)
        if index is None:
            raise MenuEditError(_("Esta categoria não está no cardápio."))
        target = index + direction
        if not 0 <= target < len(ordered):
            return  # already first or last
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, category in enumerate(ordered):
            if category.position != position:
                repositories.category_save(replace(category, position=position, edited_at=now))
        menu_invalidate()
        return
    versioned = repositories.items_versioned()
    index = next((i for i, (item, _v) in enumerate(versioned) if item.slug == slug), None)
    if index is None:
        raise MenuEditError(_("Este item não está no cardápio."))
    moving = versioned[index][0]
    same = [i for i, (item, _v) in enumerate(versioned) if item.category == moving.category]
    place = same.index(index)
    if not 0 <= place + direction < len(same):
        return
    other = same[place + direction]
    versioned[index], versioned[other] = versioned[other], versioned[index]
    try:
        for position, (item, version) in enumerate(versioned):
            if item.position != position:
                repositories.item_save(
                    replace(item, position=position, updated_at=now, edited_at=now), if_version=version
                )
    except ConditionFailed:
        menu_invalidate()
        raise MenuEditError(
            _("O cardápio mudou ao mesmo tempo em outra tela. Confira a ordem e tente de novo.")
        ) from None
    menu_invalidate()


# --- "Entregar em": the visitor's CEP ----------------------------------------------------------------


class DeliveryPlaceError(ValueError):
    """A CEP the chip cannot use; the message is for the customer (pt-BR)."""


def delivery_place_set(*, session, cep: str, limit_key: str | None = None) -> dict:
    """Remember ``cep`` in the session for the fee and time shown before checkout.

    The CEP database gives its bairro and city (zones may be priced by bairro); without the database the
    CEP alone is kept, priced by its ranges. Lookups count against the client's CEP allowance, like the
    address forms'. Raises DeliveryPlaceError with what to do.
    """
    try:
        digits = cep_normalize(cep)
    except InvalidCEP as e:
        raise DeliveryPlaceError(_("Digite um CEP com 8 números, como 01310-100.")) from e
    place = {"cep": digits, "bairro": "", "cidade": ""}
    if (
        limit_key is not None
        and not rate_limit_hit(scope=CEP_RATE_SCOPE, key=limit_key, fail_open=True).allowed
    ):
        raise DeliveryPlaceError(_("Muitas consultas de CEP. Tente de novo em um minuto."))
    try:
        found = cep_lookup(cep=digits)
    except CEPNotFound as e:
        raise DeliveryPlaceError(
            _("Não encontramos o CEP %(cep)s. Confira os números.") % {"cep": cep_format(digits)}
        ) from e
    except CEPDatabaseUnavailable:
        logger.error("CEP database unavailable: the delivery chip prices %s by its ranges only", digits)
    else:
        place.update(bairro=found.bairro, cidade=found.localidade)
    session[DELIVERY_PLACE_KEY] = place
    return place


def delivery_place_clear(*, session) -> None:
    session.pop(DELIVERY_PLACE_KEY, None)
