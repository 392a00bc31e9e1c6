"""Placing the orders staff take by phone or at the counter, through the shop's own checkout.

They are the pizzeria's own orders: no customer account is asked for or made. They live in
``user.order`` under one well-known pseudo-customer id, ``PIZZERIA_CUSTOMER_ID``, which no real account
can have (account ids are 22 random URL-safe characters) and which has no ``user`` row: neither the
embedded store nor Oracle NoSQL needs a parent row for a child table's row, and without one nobody can
sign in as the pizzeria or find it among the customers. Each order keeps the caller's name and phone in
its ``customer`` snapshot, with no e-mail (so no e-mail is ever owed) and the channel it came by.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.entities import Address, Customer
from ocipizza.pizzeria.entities import Pizzeria
from orders.cart import Cart
from orders.checkout import order_place
from orders.entities import Order
from orders.statuses import Fulfilment

PIZZERIA_CUSTOMER_ID = "pizzaria"
# The staff's cart, kept in their session beside (never instead of) the shop's own "cart".
COUNTER_CART_KEY = "backoffice_counter_cart"
CHANNEL_PHONE = "telefone"
CHANNEL_COUNTER = "balcao"
CHANNELS = {CHANNEL_PHONE: _("Telefone"), CHANNEL_COUNTER: _("Balcão")}
MAX_BY = 80  # as long as a history entry's "by" may be


def counter_order_place(
    *,
    cart: Cart,
    pizzeria: Pizzeria,
    key: str,
    name: str,
    telephone: str,
    channel: str,
    staff_name: str,
    fulfilment: Fulfilment,
    payment: str,
    address: Address | None,
    change_for: Decimal | None,
    now: dt.datetime,
) -> tuple[Order, bool]:
    """Place a phone or counter order with the shop's rules (prices, zones, minimum, hours, pause).

    Idempotent by ``key`` like the shop's checkout; ``CheckoutError`` says what to fix. The history's
    first step names the staff member who took it.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    caller = Customer(id=PIZZERIA_CUSTOMER_ID, name=name, email="", telephone=telephone, verified=True)
    return order_place(
        customer=caller,
        cart=cart,
        pizzeria=pizzeria,
        key=key,
        fulfilment=fulfilment,
        payment=payment,
        address=address,
        change_for=change_for,
        now=now,
        channel=channel,
        by=f"{staff_name} ({CHANNELS[channel]})"[:MAX_BY],
        # Every caller is one pseudo-customer: per-customer caps would soon block the shop itself.
        customer_limits=False,
    )
