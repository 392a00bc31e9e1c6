"""Orders for the sales tests, built as the shop would store them, with prices from data/menu."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from orders import repositories
from orders.entities import Order, OrderItem, Payment, StatusChange
from orders.sales.services import sales_record_change
from orders.statuses import BY_CUSTOMER, Fulfilment, Status

# Steps an order takes to reach each status (a PIX order starts AWAITING_PAYMENT, others PLACED).
PATHS = {
    Status.PLACED: (),
    Status.AWAITING_PAYMENT: (),
    Status.RECEIVED: (Status.RECEIVED,),
    Status.PREPARING: (Status.RECEIVED, Status.PREPARING),
    Status.DELIVERED: (Status.RECEIVED, Status.PREPARING, None, Status.DELIVERED),
    Status.CANCELED: (Status.CANCELED,),
}


def build_order(
    menu_data,
    *,
    at: dt.datetime,
    lines: list[tuple[str, str | None, int]],
    payment: str = Payment.CREDIT_CARD,
    fulfilment: Fulfilment = Fulfilment.PICKUP,
    status: Status = Status.PLACED,
    fee: Decimal = Decimal("0.00"),
    change_for: Decimal | None = None,
    reason: str = "",
    by: str = "Ana",
    paid_before_cancel: bool = False,
    customer_id: str | None = None,
    name: str = "Maria Silva",
) -> Order:
    """An order placed at ``at`` for ``lines`` of (slug, size code, quantity), moved on to ``status``."""
    items = tuple(
        OrderItem(
            item=slug,
            name=menu_data.name(slug),
            quantity=quantity,
            unit_price=menu_data.price(slug, size),
            size=size,
            size_name=size.capitalize() if size else "",
        )
        for slug, size, quantity in lines
    )
    subtotal = sum((i.total for i in items), Decimal("0.00"))
    first = Status.AWAITING_PAYMENT if payment == Payment.PIX else Status.PLACED
    history = [StatusChange(first, at, by=BY_CUSTOMER)]
    steps = list(PATHS[status])
    if status == Status.CANCELED and paid_before_cancel:
        steps = [Status.RECEIVED, Status.CANCELED]
    for minute, step in enumerate(steps, start=1):
        step = step or (
            Status.OUT_FOR_DELIVERY if fulfilment == Fulfilment.DELIVERY else Status.READY_FOR_PICKUP
        )
        history.append(
            StatusChange(
                step,
                at + dt.timedelta(minutes=minute),
                by=by,
                reason=reason if step == Status.CANCELED else "",
            )
        )
    return Order(
        customer_id=customer_id or secrets.token_urlsafe(12),
        order_id=secrets.token_hex(12),
        code=secrets.token_hex(4).upper(),
        status=history[-1].status,
        fulfilment=fulfilment,
        payment=payment,
        items=items,
        subtotal=subtotal,
        delivery_fee=fee,
        total=subtotal + fee,
        change_for=change_for,
        created_at=at,
        updated_at=history[-1].at,
        history=tuple(history),
        customer={"name": name},
        address={"district": "Centro", "city": "São Paulo", "state": "SP"}
        if fulfilment == Fulfilment.DELIVERY
        else None,
    )


def store_order(order: Order, *, count: bool = True) -> Order:
    """Write it as checkout does: the order, then its delta (``count=False``: a crash in between)."""
    repositories.order_insert(order)
    if count:
        sales_record_change(before=None, after=order, now=order.created_at)
    return repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)
