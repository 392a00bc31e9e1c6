"""PIX orders that were never paid: how long their code is good for, and cancelling them once it is not.

A PIX order waits in AWAITING_PAYMENT while the customer pays. The page counts down to ``pix_expires_at``
and the BR Code says until when it is valid; after that, ``orders_pix_expire`` (a producer of every
``send_outbox`` round, and the ``orders_expire_pix`` command) cancels the order with the reason, which
queues the "pedido cancelado" e-mail through the usual notification flag. The kitchen never starts an
unpaid PIX order, so cancelling it throws no food away; a payment that still arrives for a cancelled
order's code is refunded by the pizzeria (the board shows the cancellation and its reason).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from . import repositories
from .entities import Order
from .services import OrderChangeError, order_transition
from .statuses import BY_SYSTEM, Actor, IllegalTransition, Status

# How far back each round looks: the sender runs every few seconds, so a day covers any outage it has;
# ``orders_expire_pix --days N`` sweeps further after a longer one.
LOOKBACK = dt.timedelta(days=1)


def pix_valid_for() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ORDER_PIX_MINUTES)


def pix_expires_at(order: Order) -> dt.datetime:
    """When the order's PIX code stops being good (its placement plus ``ORDER_PIX_MINUTES``)."""
    return order.created_at + pix_valid_for()


def pix_expired(order: Order, *, now: dt.datetime) -> bool:
    return order.is_pix and order.status == Status.AWAITING_PAYMENT and now >= pix_expires_at(order)


def orders_pix_expire(
    *,
    now: dt.datetime | None = None,
    limit: int = 50,
    lookback: dt.timedelta = LOOKBACK,
    dry_run: bool = False,
    progress=lambda message: None,
) -> int:
    """Cancel every PIX order still awaiting payment after its code expired; returns how many.

    Each cancellation goes through ``order_transition`` (the transition table, optimistic concurrency,
    the customer's e-mail with the reason): an order paid or cancelled meanwhile is left as it is.
    """
    now = now or timezone.now()
    due = repositories.orders_in_status(
        status=Status.AWAITING_PAYMENT, start=now - lookback - pix_valid_for(), end=now
    )
    expired = 0
    # The range's end is open, so the newest orders are read too: the check below decides.
    for order in [o for o in due if pix_expired(o, now=now)][:limit]:
        if dry_run:
            progress(f"order {order.code}: PIX expired at {pix_expires_at(order):%H:%M}, would cancel")
            expired += 1
            continue
        # The reason is stored and shown as written; the shop speaks pt-BR.
        with override(settings.LANGUAGE_CODE):
            reason = _("o pagamento PIX não chegou em %(minutes)d minutos") % {
                "minutes": settings.ORDER_PIX_MINUTES
            }
        try:
            order_transition(
                order=order, target=Status.CANCELED, actor=Actor.SYSTEM, now=now, by=BY_SYSTEM, reason=reason
            )
        except (OrderChangeError, IllegalTransition):
            continue  # paid or cancelled meanwhile: the next round sees it as it is now
        expired += 1
        progress(f"order {order.code}: PIX expired, canceled")
    return expired


def orders_pix_expire_producer(*, limit: int = 50, progress=lambda message: None) -> int:
    """``MAIL_OUTBOX_PRODUCERS`` entry: every send_outbox round cancels what expired since the last."""
    return orders_pix_expire(limit=limit, progress=progress)
