"""What the staff do to an order from the board: open it (stops the bell) and move it along."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils.translation import gettext as _

from orders.changes import orders_changed
from orders.entities import Order
from orders.selectors import order_get
from orders.services import OrderChangeError, order_transition
from orders.statuses import Actor, IllegalTransition, Status

from .selectors import SEEN_KEY, SEEN_SECONDS, move_token


class OrderChanged(Exception):
    """Someone else moved the order first; ``order`` is its fresh state."""

    def __init__(self, order: Order):
        super().__init__(_("O pedido mudou: outra pessoa já o atualizou. Confira como ele está agora."))
        self.message = str(self.args[0])
        self.order = order


class MoveRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def order_mark_seen(*, order: Order) -> None:
    """Someone opened the order: every board stops ringing for it."""
    key = SEEN_KEY.format(order_id=order.order_id)
    if cache.add(key, 1, SEEN_SECONDS):
        orders_changed()


def order_move(
    *, order: Order, target: str, version: str, staff_name: str, reason: str, now: dt.datetime
) -> Order:
    """Move the order as the card the staff member saw it on asked, never over someone else's move.

    ``version`` is the card's ``move_token``: a different step means someone else moved the order. The
    write itself is conditional on the row read; when only bookkeeping changed the row in between (the
    e-mail flag), the same step is still there and the move is tried once more on the fresh row.
    """
    if version != move_token(order):
        raise OrderChanged(order)
    try:
        target_status = Status(target)
    except ValueError:
        raise MoveRefused(_("Escolha uma das ações do pedido.")) from None
    # One line of printable text: it is shown to the customer and printed in e-mails.
    reason = " ".join("".join(ch for ch in (reason or "") if ch.isprintable()).split())
    if target_status == Status.CANCELED and not reason:
        raise MoveRefused(_("Diga ao cliente o motivo do cancelamento."))

    def transition(current: Order) -> Order:
        try:
            return order_transition(
                order=current, target=target_status, actor=Actor.STAFF, now=now, by=staff_name, reason=reason
            )
        except IllegalTransition:
            raise MoveRefused(_("Este pedido não pode ir para esse passo agora.")) from None

    try:
        return transition(order)
    except OrderChangeError:
        fresh = _reread(order)
    if move_token(fresh) != version:
        raise OrderChanged(fresh)
    try:  # only bookkeeping changed the row (the e-mail flag): the same move on the fresh row, once
        return transition(fresh)
    except OrderChangeError:
        raise OrderChanged(_reread(order)) from None


def _reread(order: Order) -> Order:
    return order_get(customer_id=order.customer_id, order_id=order.order_id) or order
