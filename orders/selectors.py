"""Reads of orders, for the customer's pages and for staff."""

from __future__ import annotations

from . import repositories
from .entities import Order, OrderPage


def order_get(*, customer_id: str, order_id: str) -> Order | None:
    """The customer's own order, or ``None``: another customer's order is simply not found."""
    return repositories.order_get(customer_id=customer_id, order_id=order_id)


def orders_of_customer(*, customer_id: str, limit: int = 20, after: str | None = None) -> OrderPage:
    """The customer's orders, newest first; ``after`` is the continuation of the previous page."""
    return repositories.orders_of(customer_id=customer_id, limit=limit, after=after)


def order_find_by_code(*, code: str) -> Order | None:
    """The order with this human code (staff and operators only: it searches every customer)."""
    code = (code or "").strip().upper().replace("-", "")
    return repositories.order_find_by_code(code) if code else None
