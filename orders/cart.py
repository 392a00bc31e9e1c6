"""The cart as it lives in the session: item slugs, sizes, flavours, quantities and notes.

Prices are never trusted from the session: every view prices the cart again from the current menu. The
only price kept is ``seen`` (what the customer was shown), so the cart can say when a price changed.
Sessions live in Redis, so the cart survives restarts and is shared by every app instance.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from menu.entities import Menu, MenuItem, Size
from ocipizza.formatting import money
from ocipizza.pizzeria.entities import Pizzeria

SESSION_KEY = "cart"  # the shop's cart; other carts in the same session pass their own key=
MAX_QUANTITY = 20
MAX_LINES = 30
MAX_NOTE = 140
CENTS = Decimal("0.01")


class CartError(ValueError):
    """A change the cart refuses; the message is for the customer (pt-BR)."""


@dataclass(frozen=True)
class CartLine:
    id: str
    item: MenuItem
    half: MenuItem | None
    size: Size | None
    quantity: int
    note: str
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def shown(self) -> tuple:
        """Everything the cart page shows of this line: the key its cached HTML is kept under (small, so
        the key costs little to compute, unlike the whole line with its menu items)."""
        return (
            self.id,
            self.name,
            self.size.name if self.size else "",
            self.unit_price,
            self.note,
            self.quantity,
        )

    @property
    def name(self) -> str:
        if self.half:
            return _("Meio a meio: %(first)s e %(second)s") % {
                "first": self.item.name,
                "second": self.half.name,
            }
        return self.item.name


@dataclass(frozen=True)
class Cart:
    lines: tuple[CartLine, ...]
    notices: tuple[str, ...] = ()

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)


# --- the raw session data ---------------------------------------------------------------------------


def _valid_quantity(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_QUANTITY


def _optional_text(value) -> bool:
    return value is None or isinstance(value, str)


def cart_lines(session, *, key: str = SESSION_KEY) -> list[dict]:
    """The well-formed raw lines; anything else in the session is ignored (and dropped on next write)."""
    cart = session.get(key)
    if not isinstance(cart, dict) or not isinstance(cart.get("lines"), list):
        return []
    return [
        line
        for line in cart["lines"][:MAX_LINES]
        if isinstance(line, dict)
        and isinstance(line.get("id"), str)
        and isinstance(line.get("item"), str)
        and _optional_text(line.get("size"))
        and _optional_text(line.get("half"))
        and _valid_quantity(line.get("qty"))
        and isinstance(line.get("note", ""), str)
    ]


def cart_count(session, *, key: str = SESSION_KEY) -> int:
    return sum(line["qty"] for line in cart_lines(session, key=key))


def _save(session, lines: list[dict], key: str) -> None:
    session[key] = {"lines": lines}


# --- pricing ----------------------------------------------------------------------------------------


def unit_price(item: MenuItem, half: MenuItem | None, size_code: str | None, rule: str) -> Decimal | None:
    """Price of one unit, or ``None`` when the combination is not on the menu."""
    price = item.price_for(size_code)
    if price is None:
        return None
    if half is None:
        return price
    other = half.price_for(size_code)
    if other is None:
        return None
    if rule == "average":
        return ((price + other) / 2).quantize(CENTS, rounding=ROUND_HALF_UP)
    return max(price, other)


def cart_get(*, session, menu: Menu, pizzeria: Pizzeria | None, key: str = SESSION_KEY) -> Cart:
    """Price the cart from today's menu; lines that cannot be sold any more become notices."""
    rule = pizzeria.half_and_half_rule if pizzeria else "max"
    lines, notices = [], []
    for raw in cart_lines(session, key=key):
        item = menu.item(raw["item"])
        half = menu.item(raw["half"]) if raw.get("half") else None
        if item is None or (raw.get("half") and half is None):
            notices.append(_("Um item saiu do cardápio e foi retirado do seu carrinho."))
            continue
        unavailable = [i.name for i in (item, half) if i is not None and not i.available]
        if unavailable:
            notices.append(
                _("%(name)s está esgotado e foi retirado do seu carrinho.") % {"name": ", ".join(unavailable)}
            )
            continue
        if half is not None and not (item.half_and_half and half.half_and_half):
            # The manager stopped selling it in halves after the line was added.
            whole = item if not item.half_and_half else half
            notices.append(
                _("%(name)s não é mais vendida meio a meio e foi retirada do seu carrinho.")
                % {"name": whole.name}
            )
            continue
        price = unit_price(item, half, raw.get("size"), rule)
        if price is None:
            notices.append(
                _("O tamanho escolhido para %(name)s não está mais disponível; escolha de novo.")
                % {"name": item.name}
            )
            continue
        sold_out = _size_sold_out(item, half, raw.get("size"))
        if sold_out:
            notices.append(
                _("O tamanho %(size)s de %(name)s esgotou e foi retirado do seu carrinho.")
                % {"size": sold_out[0].size(raw["size"]).name, "name": ", ".join(i.name for i in sold_out)}
            )
            continue
        line = CartLine(
            id=raw["id"],
            item=item,
            half=half,
            size=item.size(raw.get("size")),
            quantity=raw["qty"],
            note=raw.get("note", ""),
            unit_price=price,
        )
        seen = raw.get("seen")
        if seen is not None and seen != str(price):
            notices.append(
                _("O preço de %(name)s mudou de R$ %(old)s para R$ %(new)s.")
                % {"name": line.name, "old": money(seen), "new": money(price)}
            )
        lines.append(line)
    return Cart(tuple(lines), tuple(notices))


# --- changes ----------------------------------------------------------------------------------------


def cart_add(
    *,
    session,
    menu: Menu,
    pizzeria: Pizzeria | None,
    item_slug: str,
    size: str | None = None,
    half_slug: str | None = None,
    quantity: int = 1,
    note: str = "",
    key: str = SESSION_KEY,
) -> CartLine:
    """Add an item (merging with an identical line); ``CartError`` says why it cannot be added."""
    item = menu.item(item_slug or "")
    if item is None:
        raise CartError(_("Este item não está no cardápio."))
    if not item.available:
        raise CartError(_("%(name)s está esgotado no momento.") % {"name": item.name})
    half = None
    if half_slug:
        half = menu.item(half_slug)
        if not item.is_pizza or half is None or not half.is_pizza:
            raise CartError(_("Meio a meio só vale para duas pizzas do cardápio."))
        if half.slug == item.slug:
            half = None  # "half calabresa, half calabresa" is just a calabresa
        elif not half.available:
            raise CartError(_("%(name)s está esgotado no momento.") % {"name": half.name})
        if half is not None and not (item.half_and_half and half.half_and_half):
            whole = item if not item.half_and_half else half
            raise CartError(_("%(name)s não é vendida meio a meio.") % {"name": whole.name})
    if item.sizes and not size:
        size = item.default_size.code
    if not item.sizes:
        size = None
    price = unit_price(item, half, size, pizzeria.half_and_half_rule if pizzeria else "max")
    if price is None:
        raise CartError(_("Escolha um dos tamanhos do cardápio."))
    sold_out = _size_sold_out(item, half, size)
    if sold_out:
        raise CartError(
            _("O tamanho %(size)s de %(name)s está esgotado no momento.")
            % {"size": sold_out[0].size(size).name, "name": sold_out[0].name}
        )
    note = _check_note(note)
    if not _valid_quantity(quantity):
        raise CartError(_("A quantidade vai de 1 a %(max)d.") % {"max": MAX_QUANTITY})
    lines = cart_lines(session, key=key)
    for line in lines:
        if (line["item"], line.get("size"), line.get("half"), line.get("note", "")) == (
            item.slug,
            size,
            half.slug if half else None,
            note,
        ):
            if line["qty"] + quantity > MAX_QUANTITY:
                raise CartError(_("A quantidade vai de 1 a %(max)d.") % {"max": MAX_QUANTITY})
            line["qty"] += quantity
            line["seen"] = str(price)
            _save(session, lines, key)
            return _line(line, item, half, price)
    if len(lines) >= MAX_LINES:
        raise CartError(_("Seu carrinho está cheio. Finalize este pedido ou retire algum item."))
    raw = {
        "id": secrets.token_hex(6),
        "item": item.slug,
        "size": size,
        "half": half.slug if half else None,
        "qty": quantity,
        "note": note,
        "seen": str(price),
    }
    lines.append(raw)
    _save(session, lines, key)
    return _line(raw, item, half, price)


def _size_sold_out(item: MenuItem, half: MenuItem | None, code: str | None) -> list[MenuItem]:
    """The pizzas of the line whose chosen size the kitchen marked sold out (a half counts too)."""
    return [
        pizza
        for pizza in (item, half)
        if pizza is not None and pizza.size(code) is not None and not pizza.size(code).available
    ]


def _line(raw: dict, item: MenuItem, half: MenuItem | None, price: Decimal) -> CartLine:
    return CartLine(raw["id"], item, half, item.size(raw["size"]), raw["qty"], raw["note"], price)


def _check_note(note) -> str:
    if note is None:
        note = ""
    if not isinstance(note, str) or "\x00" in note:
        raise CartError(_("A observação tem caracteres inválidos."))
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise CartError(_("A observação pode ter até %(max)d caracteres.") % {"max": MAX_NOTE})
    return note


def cart_update(
    *, session, line_id: str, quantity: int, note: str | None = None, key: str = SESSION_KEY
) -> None:
    if not _valid_quantity(quantity):
        raise CartError(_("A quantidade vai de 1 a %(max)d.") % {"max": MAX_QUANTITY})
    lines = cart_lines(session, key=key)
    for line in lines:
        if line["id"] == line_id:
            line["qty"] = quantity
            if note is not None:
                line["note"] = _check_note(note)
            _save(session, lines, key)
            return
    raise CartError(_("Este item já não está no seu carrinho."))


def cart_remove(*, session, line_id: str, key: str = SESSION_KEY) -> None:
    lines = cart_lines(session, key=key)
    remaining = [line for line in lines if line["id"] != line_id]
    if len(remaining) == len(lines):
        raise CartError(_("Este item já não está no seu carrinho."))
    _save(session, remaining, key)


def cart_settle(*, session, cart: Cart, key: str = SESSION_KEY) -> None:
    """Make the session match what the customer was just shown: drop unsellable lines, remember prices."""
    by_id = {line.id: line for line in cart.lines}
    raw_lines = cart_lines(session, key=key)
    settled = []
    for raw in raw_lines:
        line = by_id.get(raw["id"])
        if line is not None:
            settled.append({**raw, "seen": str(line.unit_price)})
    if settled != session.get(key, {}).get("lines"):
        _save(session, settled, key)


def cart_clear(*, session, key: str = SESSION_KEY) -> None:
    session.pop(key, None)
