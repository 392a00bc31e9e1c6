"""Reads of orders, for the customer's pages and for staff."""

from __future__ import annotations

import datetime as dt

from . import changes, repositories
from .entities import Order, OrderPage
from .statuses import FINAL, Status

OPEN_STATUSES = tuple(status for status in Status if status not in FINAL)


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


# Orders still open from before the day began stay on the staff's board, up to this far back.
CARRY_OVER = dt.timedelta(days=2)


def orders_of_day(*, start: dt.datetime) -> tuple[Order, ...]:
    """Every order placed since ``start``, after the still-open ones placed in the two days before it.

    A forgotten order from last night never drops off the staff's board before someone closes it.
    """
    earlier = [
        order
        for status in OPEN_STATUSES
        for order in repositories.orders_in_status(status=status, start=start - CARRY_OVER, end=start)
    ]
    earlier.sort(key=lambda order: order.created_at)
    return (*earlier, *repositories.orders_created_between(start=start))


def orders_version() -> int:
    """Moves whenever any order is placed or changes (see ``orders.changes``)."""
    return changes.orders_version()


def orders_deletion_notices(*, customer) -> list[str]:
    """What deleting the account does to its orders still in progress (``ACCOUNTS_DELETION_NOTICES``):
    the deletion page says it before the customer confirms."""
    from django.utils.translation import gettext as _

    from .statuses import LABELS, Actor, allowed_targets

    notices = []
    for order in repositories.orders_all_of(customer_id=customer.id):
        if order.is_final:
            continue
        label = LABELS[order.status]
        if Status.CANCELED in allowed_targets(
            current=order.status, actor=Actor.CUSTOMER, fulfilment=order.fulfilment
        ):
            notices.append(
                _("O pedido %(code)s (%(status)s) será cancelado ao excluir a conta.")
                % {"code": order.code, "status": label}
            )
        else:
            notices.append(
                _(
                    "O pedido %(code)s (%(status)s) já está com a cozinha: "
                    "a conta só pode ser excluída depois da entrega."
                )
                % {"code": order.code, "status": label}
            )
    return notices
