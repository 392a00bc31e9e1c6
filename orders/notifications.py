"""E-mails about orders, sent through the outbox without ever being lost or doubled.

Placing or moving an order writes, in the same atomic write, which e-mail the customer is owed
(``notify``, ``notify_due_at`` on the order row). ``order_notifications_flush`` (run by ``send_outbox``
before it sends) turns each owed e-mail into an outbox message whose id is derived from the order and
its step, written with ``if_absent``, then clears the flag with ``if_version``. A crash between the two
writes only means the next flush finds the flag again and the outbox already holding the message.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ocipizza.formatting import money
from ocipizza.mail import mail_enqueue
from ocipizza.nosql import ConditionFailed

from . import repositories
from .entities import Order
from .guests import guest_link_url
from .statuses import Fulfilment

logger = logging.getLogger(__name__)


def _link(order: Order) -> str:
    if order.customer.get("guest"):
        return guest_link_url(order)  # the signed link: a guest has no account to sign in to
    base = (settings.SITE_URL or "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("orders:order_detail", kwargs={"order_id": order.order_id})


def order_notification_queue(*, order: Order) -> Order:
    """Queue the e-mail the order is owed and return the order marked as queued (with its new version).

    ``ConditionFailed`` when the order changed since it was read; the e-mail is queued all the same
    (its id makes a second queuing of the same step a no-op).
    """
    if not order.notify or not order.customer.get("email"):
        return order
    step = len(order.history)
    mail_enqueue(
        to=order.customer["email"],
        template=order.notify,
        context={
            "name": (order.customer.get("name") or "").split(" ")[0],
            "code": order.code,
            "total": "R$ " + money(order.total),
            "pix": order.is_pix,
            "link": _link(order),
            "reason": order.cancel_reason,
            "pickup": order.fulfilment == Fulfilment.PICKUP,
            # Read when the e-mail is queued, after the move: a PIX order's ETA counts from its payment.
            "eta": f"{timezone.localtime(order.eta_at):%H:%M}" if order.eta_at and not order.is_final else "",
        },
        message_id=f"order-{order.order_id}-{step}-{order.notify}",
        send_now=False,
    )
    queued = replace(order, notify=None)
    return replace(queued, version=repositories.order_update(queued, expected=order.version))


def order_notification_send(*, order: Order) -> bool:
    """Queue the e-mail the order is owed, then mark it queued; returns whether this call queued it."""
    if not order.notify:
        return False
    if not order.customer.get("email"):
        # Nobody to write to: drop the flag, or the row would fill the head of every flush's page.
        # A conflict means it changed meanwhile: the next flush sees its new state.
        with contextlib.suppress(ConditionFailed):
            repositories.order_update(replace(order, notify=None), expected=order.version)
        return False
    try:
        order_notification_queue(order=order)
    except ConditionFailed:
        return False  # changed meanwhile: the next flush sees its new state
    return True


def order_notifications_flush(*, limit: int = 50, progress=lambda message: None) -> int:
    """Queue every owed order e-mail that is due; returns how many were queued."""
    now = timezone.now()
    queued = 0
    for order in repositories.orders_notification_due(now=now, limit=limit):
        if order_notification_send(order=order):
            queued += 1
            progress(f"order {order.code}: {order.notify} queued")
    return queued
