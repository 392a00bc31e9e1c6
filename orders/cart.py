"""The cart: item slugs, sizes, flavours, quantities and notes, never prices.

A visitor's cart lives in the session (Redis). A signed-in customer's lives on their account row in the
store (``AccountCart``), which every signed-in request reads anyway: it costs no extra read, follows the
customer to every device, survives logouts, password resets and "sair de todos os aparelhos", and is
replicated with the account. At login the visitor's cart is merged into the account's (``cart_for``).
The functions below take either as ``session``.

Prices are never trusted from the cart: every view prices it again from the current menu. The only price
kept is ``seen`` (what the customer was shown), so the cart can say when a price changed.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import services as account_services
from menu.entities import Menu, MenuItem, Size
from ocipizza.formatting import money
from ocipizza.pizzeria.entities import Pizzeria

SESSION_KEY = "cart"  # the shop's cart; other carts in the same session pass their own key=
MAX_QUANTITY = 20
MAX_LINES = 30
MAX_NOTE = 140
MAX_MERGED = 2 * MAX_LINES  # visitor line ids an account cart remembers having merged
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
    read: frozenset[str] = frozenset()  # ids of every stored line this was priced from, sellable or not

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


def _well_formed(cart) -> list[dict]:
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


def cart_lines(session, *, key: str = SESSION_KEY) -> list[dict]:
    """The well-formed raw lines; anything else in the cart is ignored (and dropped on next write)."""
    return _well_formed(session.get(key))


def cart_count(session, *, key: str = SESSION_KEY) -> int:
    return sum(line["qty"] for line in cart_lines(session, key=key))


class AccountCart:
    """A signed-in customer's cart, on their account row; used where a session would be.

    Reads come from the row the request already loaded. Every change is applied by ``change`` to the
    row as stored, again on the fresh row if another device wrote it in between: nothing is lost to
    a race, and a change made on the phone is what the desktop reads on its next page.
    """

    def __init__(self, customer):
        self.customer_id = customer.id
        self.raw = customer.cart

    def get(self, key, default=None):
        return self.raw if key == SESSION_KEY and self.raw is not None else default

    def change(self, apply):
        """Run ``apply(lines)`` (it edits the list in place) on the stored lines and store the result;
        returns what ``apply`` returned. A ``CartError`` it raises leaves the cart as it was."""
        outcome = []

        def change(stored):
            lines = _well_formed(stored)
            before = copy.deepcopy(lines)
            outcome[:] = [apply(lines)]
            if lines == before and (
                (stored is None and not lines) or stored == {"lines": lines, **_merged(stored)}
            ):
                return account_services.UNCHANGED
            return {"lines": lines, **_merged(stored)}

        self.raw = account_services.customer_cart_update(customer_id=self.customer_id, change=change)
        if not outcome:  # the account was deleted meanwhile (on another device)
            raise CartError(_("Entre na sua conta para continuar."))
        return outcome[0]


def _merged(stored) -> dict:
    merged = stored.get("merged") if isinstance(stored, dict) else None
    return {"merged": merged} if isinstance(merged, list) else {}


def _change(session, key: str, apply):
    """Apply ``apply(lines)`` to the cart's lines, in place, and save them; returns its result."""
    if isinstance(session, AccountCart) and key == SESSION_KEY:
        return session.change(apply)
    lines = cart_lines(session, key=key)
    before = copy.deepcopy(lines)
    result = apply(lines)
    current = session.get(key)
    if lines != before or (current is not None and current != {"lines": lines}):
        _save(session, lines, key)
    return result


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
    raw_lines = cart_lines(session, key=key)
    for raw in raw_lines:
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
    return Cart(tuple(lines), tuple(notices), frozenset(raw["id"] for raw in raw_lines))


def cart_fingerprint(cart: Cart) -> str:
    """A short digest of what a page showed of the cart (lines, quantities, notes, prices): a form that
    carries it can tell whether the cart changed before it was submitted."""
    shown = [(line.id, line.quantity, line.note, str(line.unit_price)) for line in cart.lines]
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


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
    seen = str(price)
    same = (item.slug, size, half.slug if half else None, note)

    def add(lines):
        for line in lines:
            if (line["item"], line.get("size"), line.get("half"), line.get("note", "")) == same:
                if line["qty"] + quantity > MAX_QUANTITY:
                    raise CartError(_("A quantidade vai de 1 a %(max)d.") % {"max": MAX_QUANTITY})
                line["qty"] += quantity
                line["seen"] = seen
                return dict(line)
        if len(lines) >= MAX_LINES:
            raise CartError(_("Seu carrinho está cheio. Finalize este pedido ou retire algum item."))
        raw = {"id": secrets.token_hex(6), "item": same[0], "size": size, "half": same[2], "qty": quantity}
        lines.append({**raw, "note": note, "seen": seen})
        return dict(lines[-1])

    return _line(_change(session, key, add), item, half, price)


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
    if note is not None:
        note = _check_note(note)

    def update(lines):
        for line in lines:
            if line["id"] == line_id:
                line["qty"] = quantity
                if note is not None:
                    line["note"] = note
                return
        raise CartError(_("Este item já não está no seu carrinho."))

    _change(session, key, update)


def cart_remove(*, session, line_id: str, key: str = SESSION_KEY) -> None:
    def remove(lines):
        remaining = [line for line in lines if line["id"] != line_id]
        if len(remaining) == len(lines):
            raise CartError(_("Este item já não está no seu carrinho."))
        lines[:] = remaining

    _change(session, key, remove)


def cart_settle(*, session, cart: Cart, key: str = SESSION_KEY) -> None:
    """Make the cart match what the customer was just shown: drop unsellable lines, remember prices.

    Lines added meanwhile on another device (not in ``cart``, and not known to be unsellable) stay.
    """
    by_id = {line.id: line for line in cart.lines}

    def settle(lines):
        settled = []
        for raw in lines:
            line = by_id.get(raw["id"])
            if line is not None:
                settled.append({**raw, "seen": str(line.unit_price)})
            elif raw["id"] not in cart.read:
                settled.append(raw)  # added on another device after this cart was read
        lines[:] = settled

    _change(session, key, settle)


def cart_clear(*, session, cart: Cart | None = None, key: str = SESSION_KEY) -> None:
    """Empty the cart; with ``cart`` (the one just ordered), remove only its lines, so that a line added
    on another device meanwhile stays for the next order."""
    if isinstance(session, AccountCart) and key == SESSION_KEY:
        ordered = {line.id for line in cart.lines} if cart is not None else None
        session.change(
            lambda lines: lines.__setitem__(
                slice(None), [] if ordered is None else [line for line in lines if line["id"] not in ordered]
            )
        )
    else:
        session.pop(key, None)


# --- whose cart -------------------------------------------------------------------------------------


def _identity(line: dict) -> tuple:
    return (line["item"], line.get("size"), line.get("half"), line.get("note", ""))


def cart_merge(*, into: AccountCart, lines: list[dict]) -> tuple[int, int, bool]:
    """Add a visitor's raw ``lines`` to the account's cart: an identical line adds its quantity (up to
    ``MAX_QUANTITY``), another is appended while the cart has room (``MAX_LINES``).

    Returns ``(capped, left_out, had_lines)``: how many lines hit the quantity limit, how many did not fit,
    and whether the account's cart had lines before. The account remembers the ids it merged, so a
    request that merged and then failed before the session lost its cart merges nothing twice.
    """
    report = {}

    def merge(stored):
        current = _well_formed(stored)
        merged = list(_merged(stored).get("merged", []))
        report.update(capped=0, left_out=0, had_lines=bool(current))
        ids = {line["id"] for line in current}
        for raw in lines:
            if raw["id"] in merged:
                continue
            same = next((line for line in current if _identity(line) == _identity(raw)), None)
            if same is not None:
                if same["qty"] + raw["qty"] > MAX_QUANTITY:
                    report["capped"] += 1
                same["qty"] = min(same["qty"] + raw["qty"], MAX_QUANTITY)
            elif len(current) < MAX_LINES:
                current.append({**raw, "id": raw["id"] if raw["id"] not in ids else secrets.token_hex(6)})
                ids.add(current[-1]["id"])
            else:
                report["left_out"] += 1
            merged.append(raw["id"])
        return {"lines": current, "merged": merged[-MAX_MERGED:]}

    into.raw = account_services.customer_cart_update(customer_id=into.customer_id, change=merge)
    return report.get("capped", 0), report.get("left_out", 0), report.get("had_lines", False)


def cart_for(request):
    """The shop's cart of this request: the signed-in customer's ``AccountCart``, else the session.

    A signed-in session that still holds a visitor's cart (filled before signing in) has it merged into
    the account's first, the customer told when a limit cut something.
    """
    cached = getattr(request, "_shop_cart", None)
    if cached is not None:
        return cached
    session = request.session
    customer = getattr(request, "customer", None)
    if customer is None or not customer.is_authenticated:
        request._shop_cart = session
        return session
    cart = AccountCart(customer)
    visitor = cart_lines(session)
    if visitor:
        capped, left_out, had_lines = cart_merge(into=cart, lines=visitor)
        _merge_told(request, capped, left_out, had_lines)
    if SESSION_KEY in session:
        del session[SESSION_KEY]
    request._shop_cart = cart
    return cart


def cart_for_forget(request) -> None:
    """After the request's customer changed (a login): the next ``cart_for`` looks again."""
    request.__dict__.pop("_shop_cart", None)


def _merge_told(request, capped: int, left_out: int, had_lines: bool) -> None:
    if had_lines:
        messages.info(
            request,
            _("Juntamos os itens que você escolheu antes de entrar ao carrinho da sua conta."),
            fail_silently=True,
        )
    if capped:
        messages.warning(
            request,
            _("Alguns itens passariam de %(max)d unidades e ficaram com %(max)d.") % {"max": MAX_QUANTITY},
            fail_silently=True,
        )
    if left_out:
        messages.warning(
            request,
            ngettext(
                "%(count)d item não coube no carrinho da sua conta (até %(max)d itens diferentes).",
                "%(count)d itens não couberam no carrinho da sua conta (até %(max)d itens diferentes).",
                left_out,
            )
            % {"count": left_out, "max": MAX_LINES},
            fail_silently=True,
        )
