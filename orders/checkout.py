"""Placing an order: checks, pricing and the one atomic write.

Idempotent by construction: the order id is derived from the customer and the checkout form's key, and
the order is written with ``if_absent``. A double click, a reload, a replayed POST or ten concurrent
submits of the same form all compute the same id; exactly one write succeeds and every other attempt
reads that order back (one read) and lands on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.entities import Address
from ocipizza.formatting import money
from ocipizza.nosql import ConditionFailed
from ocipizza.pizzeria.entities import ORDER_LIMIT_MAX, Pizzeria
from ocipizza.pizzeria.selectors import closed_day_message, opening_when, pause_fresh, pause_message

from . import repositories
from .cart import Cart
from .changes import orders_changed
from .entities import Order, OrderItem, Payment, StatusChange
from .sales.services import sales_record_change
from .statuses import BY_CUSTOMER, Fulfilment, Status

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: nothing to misread over the phone
KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAX_CHANGE_FOR = Decimal("1000.00")


class CheckoutError(ValueError):
    """The order cannot be placed; ``message`` is for the customer, ``field`` the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def checkout_key_new() -> str:
    """A fresh idempotency key for one checkout form."""
    return secrets.token_hex(16)


def _encode(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    chars = []
    for _position in range(length):
        number, index = divmod(number, 32)
        chars.append(CROCKFORD[index])
    return "".join(chars)


def order_ids(*, customer_id: str, key: str) -> tuple[str, str]:
    """(order_id, code) for this customer's checkout key: the same key always gives the same order.

    Keyed with SECRET_KEY so that neither id can be guessed from the other or from the key.
    """
    message = f"order:{customer_id}:{key}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return _encode(digest[:16], 24).lower(), _encode(digest[16:], 8)


def delivery_quote(*, pizzeria: Pizzeria, fulfilment: Fulfilment, address: Address | None):
    """(fee, eta minutes, zone name) or ``CheckoutError`` when the address is out of the area."""
    if fulfilment == Fulfilment.PICKUP:
        return Decimal("0.00"), pizzeria.pickup_eta_minutes, None
    if address is None:
        raise CheckoutError(_("Informe o endereço de entrega."), "address")
    zone = pizzeria.zone_for(cep=address.cep, bairro=address.district, cidade=address.city)
    if zone is None:
        raise CheckoutError(
            _("Este endereço está fora da área de entrega. Você pode retirar o pedido na pizzaria."), "cep"
        )
    return zone.fee, zone.eta_minutes, zone.name


def _order_limits_check(*, customer_id: str, order_id: str, pizzeria: Pizzeria, now: dt.datetime):
    """``CheckoutError`` when the customer is at a cap of the profile; the order when this key placed it.

    One query on the customer's own shard: their newest ``ORDER_LIMIT_MAX`` orders, enough to count up to
    either cap (an order left open behind that many newer ones is not counted). Checked before the write,
    so two submits of different forms at the same instant may pass one order over a cap; never more.
    """
    recent = repositories.orders_of(customer_id=customer_id, limit=ORDER_LIMIT_MAX).orders
    for order in recent:
        if order.order_id == order_id:  # a replay of this very form, with the cart still there
            return order
    open_orders = sum(1 for order in recent if not order.is_final)
    if open_orders >= pizzeria.max_open_orders:
        raise CheckoutError(
            ngettext(
                "Você já tem %(count)d pedido em andamento. Espere ele ser entregue (ou pague o PIX, ou "
                "cancele-o) antes de fazer outro. Seu carrinho continua guardado.",
                "Você já tem %(count)d pedidos em andamento. Espere um deles ser entregue (ou pague o PIX, "
                "ou cancele um) antes de fazer outro. Seu carrinho continua guardado.",
                open_orders,
            )
            % {"count": open_orders}
        )
    hour_ago = now - dt.timedelta(hours=1)
    last_hour = sorted(order.created_at for order in recent if order.created_at > hour_ago)
    if len(last_hour) >= pizzeria.max_orders_per_hour:
        # Free again once enough of them are more than an hour old.
        again = last_hour[len(last_hour) - pizzeria.max_orders_per_hour] + dt.timedelta(hours=1)
        raise CheckoutError(
            _(
                "Você já fez %(count)d pedidos na última hora, o limite da pizzaria. Você pode pedir de "
                "novo a partir das %(time)s. Seu carrinho continua guardado."
            )
            % {"count": len(last_hour), "time": again.astimezone(pizzeria.tz).strftime("%H:%M")}
        )
    return None


def order_place(
    *,
    customer,
    cart: Cart,
    pizzeria: Pizzeria,
    key: str,
    fulfilment: Fulfilment,
    payment: str,
    address: Address | None = None,
    change_for: Decimal | None = None,
    now: dt.datetime,
    channel: str = "",
    by: str = BY_CUSTOMER,
    customer_limits: bool = True,
) -> tuple[Order, bool]:
    """Place the order for this checkout ``key``; returns ``(order, created)``.

    ``created`` is False when the key had already placed an order (a replay): that order is returned.
    The back office places phone and counter orders through here too: ``channel`` ("telefone",
    "balcao") goes into the order's customer snapshot and ``by`` names who placed it in the history;
    it passes ``customer_limits=False``, since the profile's order limits (open orders, orders per hour,
    PIX only above a value) guard the online shop against one customer's abuse, not the staff.
    A guest (``orders.guests.GuestCustomer``) is held to the same limits, counted per e-mail address,
    and pays by PIX or card.
    """
    if not KEY_PATTERN.match(key or ""):
        raise CheckoutError(_("O formulário expirou. Confira o pedido e envie de novo."))
    if not customer.verified:
        raise CheckoutError(
            _("Confirme seu e-mail para fazer pedidos. Enviamos o link para a sua caixa de entrada.")
        )
    order_id, code = order_ids(customer_id=customer.id, key=key)
    existing = None
    if not cart:
        # An empty cart right after a successful submit is the normal replay case.
        existing = repositories.order_get(customer_id=customer.id, order_id=order_id)
        if existing:
            return existing, False
        raise CheckoutError(_("Seu carrinho está vazio."))
    if not pizzeria.is_open(now):
        opening = opening_when(pizzeria=pizzeria, now=now)  # "hoje às 18:00" or "terça-feira, 18:00"
        closed = closed_day_message(pizzeria=pizzeria, now=now)  # a holiday names itself
        if closed:
            when = _("Abrimos %(when)s.") % {"when": opening} if opening else ""
            raise CheckoutError(f"{closed} {when}".strip())
        raise CheckoutError(
            _("A pizzaria está fechada agora. Abrimos %(when)s.") % {"when": opening}
            if opening
            else _("A pizzaria está fechada agora.")
        )
    pause = pause_fresh(now=now)
    if pause is not None:
        # The staff paused ordering: the cart stays as it is for when the shop opens again.
        kept = _("Seu carrinho continua guardado.")
        raise CheckoutError(f"{pause_message(pause=pause, tz=pizzeria.tz)} {kept}")
    if cart.subtotal < pizzeria.minimum_order:
        raise CheckoutError(
            _("O pedido mínimo é de R$ %(minimum)s.") % {"minimum": money(pizzeria.minimum_order)}
        )
    if payment not in Payment.ALL:
        raise CheckoutError(_("Escolha a forma de pagamento."), "payment")
    guest = getattr(customer, "guest", False)
    if guest and payment == Payment.CASH:
        # Nobody to call back about an order left unpaid at the door: guests pay by PIX or card.
        raise CheckoutError(_("Sem cadastro, o pagamento é por PIX ou cartão."), "payment")
    fee, eta_minutes, zone = delivery_quote(pizzeria=pizzeria, fulfilment=fulfilment, address=address)
    total = cart.subtotal + fee
    if customer_limits:
        if total > pizzeria.pix_only_above and payment != Payment.PIX:
            raise CheckoutError(
                _("Pedidos acima de R$ %(limit)s são pagos só por PIX. Escolha PIX para continuar.")
                % {"limit": money(pizzeria.pix_only_above)},
                "payment",
            )
        existing = _order_limits_check(customer_id=customer.id, order_id=order_id, pizzeria=pizzeria, now=now)
        if existing is not None:
            return existing, False
    if payment == Payment.CASH and change_for is not None:
        if change_for < total:
            raise CheckoutError(
                _("O troco precisa ser para um valor maior que o total do pedido."), "change_for"
            )
        if change_for > MAX_CHANGE_FOR:
            raise CheckoutError(_("Troco para no máximo R$ 1.000,00."), "change_for")
    status = Status.AWAITING_PAYMENT if payment == Payment.PIX else Status.PLACED
    order = Order(
        customer_id=customer.id,
        order_id=order_id,
        code=code,
        status=status,
        fulfilment=fulfilment,
        payment=payment,
        items=tuple(
            OrderItem(
                item=line.item.slug,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                size=line.size.code if line.size else None,
                size_name=line.size.name if line.size else "",
                half=line.half.slug if line.half else None,
                half_name=line.half.name if line.half else "",
                note=line.note,
            )
            for line in cart.lines
        ),
        subtotal=cart.subtotal,
        delivery_fee=fee,
        total=total,
        change_for=change_for if payment == Payment.CASH else None,
        zone=zone,
        address=address.as_dict() if address and fulfilment == Fulfilment.DELIVERY else None,
        customer={
            "name": customer.name,
            "email": customer.email,
            "telephone": customer.telephone,
            **({"channel": channel} if channel else {}),
            **({"guest": True} if guest else {}),
        },
        eta_at=now + dt.timedelta(minutes=eta_minutes),
        history=(StatusChange(status, now, by=by),),
        created_at=now,
        updated_at=now,
        # No e-mail address (a phone order): nothing to send, so nothing owed for the sender to scan.
        notify="order_placed" if customer.email else None,
    )
    try:
        repositories.order_insert(order)
        orders_changed()
    except ConditionFailed:
        existing = repositories.order_get(customer_id=customer.id, order_id=order_id)
        if existing is None:  # placed and already gone (account deleted meanwhile): say so plainly
            raise CheckoutError(_("Não foi possível registrar o pedido. Tente de novo.")) from None
        return existing, False
    sales_record_change(before=None, after=order, now=now)
    return order, True
