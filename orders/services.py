"""Writes for orders: the lifecycle (status moves), reordering and the LGPD anonymisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.utils.translation import gettext as _

from menu.entities import Menu
from ocipizza.formatting import money
from ocipizza.nosql import ConditionFailed
from ocipizza.pizzeria.entities import Pizzeria

from . import repositories
from .cart import CartError, cart_add
from .changes import orders_changed
from .entities import Order, StatusChange
from .notifications import order_notification_queue
from .sales.services import sales_record_change
from .statuses import BY_CUSTOMER, Actor, IllegalTransition, Status, allowed_targets, check_transition

MAX_REASON = 200
MAX_BY = 80

NOTIFY_ON = {
    Status.RECEIVED: "order_confirmed",
    Status.PREPARING: "order_preparing",
    Status.DELIVERED: "order_delivered",
    Status.OUT_FOR_DELIVERY: "order_out_for_delivery",
    Status.READY_FOR_PICKUP: "order_ready",
    Status.CANCELED: "order_canceled",
}


class OrderChangeError(Exception):
    """A status change was refused; ``message`` is for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _changed_meanwhile() -> OrderChangeError:
    return OrderChangeError(_("O pedido mudou enquanto você decidia. Veja como ele está agora."))


def order_transition(
    *, order: Order, target: Status, actor: Actor, now: dt.datetime, by: str = "", reason: str = ""
) -> Order:
    """Move ``order`` to ``target`` if the transition table allows it, with optimistic concurrency.

    ``by`` names who moved it in the audit trail and ``reason`` (a rejection's or cancellation's) is
    shown to the customer. Raises ``IllegalTransition`` for a move outside the table and
    ``OrderChangeError`` when someone else changed the order first (the caller should reload it).
    """
    check_transition(current=order.status, target=target, actor=actor, fulfilment=order.fulfilment)
    if order.notify and target in NOTIFY_ON:
        # The e-mail about the step before is still owed (the sender runs every few seconds): queue it
        # now, or this move's own e-mail would take its place and the customer would never get it.
        try:
            order = order_notification_queue(order=order)
        except ConditionFailed as e:
            raise _changed_meanwhile() from e
    change = StatusChange(target, now, by=by[:MAX_BY], reason=" ".join(reason.split())[:MAX_REASON])
    eta_at = order.eta_at
    if order.status == Status.AWAITING_PAYMENT and target == Status.RECEIVED and eta_at:
        # A PIX order starts once paid: the promised wait counts from the payment, not the placement.
        eta_at = now + (order.eta_at - order.created_at)
    changed = replace(
        order,
        status=target,
        history=(*order.history, change),
        updated_at=now,
        eta_at=eta_at,
        # An order with no e-mail (phone orders, anonymised ones) owes none: a flag set on it would
        # never be cleared and would sit at the head of the sender's queue for good.
        notify=NOTIFY_ON.get(target, order.notify) if order.customer.get("email") else None,
    )
    try:
        version = repositories.order_update(changed, expected=order.version)
    except ConditionFailed as e:
        raise _changed_meanwhile() from e
    orders_changed()
    sales_record_change(before=order, after=changed, now=now)
    return replace(changed, version=version)


def order_cancel_by_customer(*, customer_id: str, order_id: str, now: dt.datetime, reason: str = "") -> Order:
    """Cancel on the customer's word; ``reason`` (what the cancel form asked) goes to the audit trail."""
    order = repositories.order_get(customer_id=customer_id, order_id=order_id)
    if order is None:
        raise OrderChangeError(_("Pedido não encontrado."))
    try:
        return order_transition(
            order=order, target=Status.CANCELED, actor=Actor.CUSTOMER, now=now, by=BY_CUSTOMER, reason=reason
        )
    except IllegalTransition as e:
        raise OrderChangeError(
            _(
                "Este pedido já está sendo preparado e não pode mais ser cancelado pelo site. "
                "Ligue para a pizzaria."
            )
        ) from e


def order_reorder(*, order: Order, session, menu: Menu, pizzeria: Pizzeria | None) -> list[str]:
    """Put the order's items back into the cart at today's prices; returns notices for the customer."""
    notices = []
    for item in order.items:
        try:
            line = cart_add(
                session=session,
                menu=menu,
                pizzeria=pizzeria,
                item_slug=item.item,
                size=item.size,
                half_slug=item.half,
                quantity=item.quantity,
                note=item.note,
            )
        except CartError as e:
            notices.append(_("%(name)s: %(reason)s") % {"name": item.name, "reason": e})
            continue
        if line.unit_price != item.unit_price:
            notices.append(
                _("%(name)s custa hoje R$ %(new)s (antes R$ %(old)s).")
                % {"name": item.name, "new": money(line.unit_price), "old": money(item.unit_price)}
            )
    return notices


ACCOUNT_DELETED_REASON = "conta excluída pelo cliente"


def orders_close_for_deletion(*, customer) -> int:
    """Before an account is deleted (``ACCOUNTS_DELETION_HOOKS``, ahead of the anonymisation): cancel
    its orders that are not yet in the kitchen; returns how many. An order the kitchen already started
    needs the name, phone and address to reach the customer, so the deletion is refused until it is
    delivered (``AccountError`` with the codes, shown on the deletion page, which said so beforehand).
    """
    from accounts.exceptions import AccountError

    open_orders = [o for o in repositories.orders_all_of(customer_id=customer.id) if not o.is_final]
    started = [o for o in open_orders if not _customer_may_cancel(o)]
    if started:
        raise AccountError(
            _("Espere a entrega do pedido %(codes)s para excluir a conta: ele já está sendo preparado.")
            % {"codes": ", ".join(o.code for o in started)}
        )
    now = dt.datetime.now(dt.UTC)
    for order in open_orders:
        try:
            order_transition(
                order=order,
                target=Status.CANCELED,
                actor=Actor.CUSTOMER,
                now=now,
                by=BY_CUSTOMER,
                reason=ACCOUNT_DELETED_REASON,
            )
        except (OrderChangeError, IllegalTransition) as e:  # the pizzeria moved it meanwhile
            raise AccountError(
                _("O pedido %(code)s mudou agora mesmo. Veja como ele está e tente de novo.")
                % {"code": order.code}
            ) from e
    return len(open_orders)


def _customer_may_cancel(order: Order) -> bool:
    return Status.CANCELED in allowed_targets(
        current=order.status, actor=Actor.CUSTOMER, fulfilment=order.fulfilment
    )


def orders_anonymise(*, customer) -> int:
    """LGPD: before an account is deleted, strip its orders of name, e-mail, phone and street address.

    The orders stay (the pizzeria's books and sales reports need them), still under the customer's
    random id, which identifies nobody once the account is gone; only the district, city and state of a
    delivery remain. Pending e-mails about them are dropped. Returns how many orders were changed.
    """
    changed = 0
    for order in repositories.orders_all_of(customer_id=customer.id):
        address = order.address or None
        if address:
            address = {key: address.get(key, "") for key in ("district", "city", "state")}
        anonymous = replace(order, customer={}, address=address, notify=None)
        if anonymous != order:
            # A conflict means the order moved meanwhile; the deletion fails and the customer retries.
            repositories.order_update(anonymous, expected=order.version)
            # Moves no figure today (the totals hold no personal data); kept so a future figure that
            # does cannot be forgotten here.
            sales_record_change(before=order, after=anonymous)
            changed += 1
    if changed:
        orders_changed()
    return changed
