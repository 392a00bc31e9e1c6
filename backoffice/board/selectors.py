"""The board as the staff see it: today's orders in columns, with the moves each card offers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from ocipizza.pizzeria.days import business_day_start
from orders.entities import Order
from orders.selectors import order_find_by_code, orders_of_day
from orders.statuses import Actor, Status, allowed_targets

# Column key, heading, the statuses it holds.
COLUMNS = (
    ("novos", _("Novos"), (Status.PLACED, Status.AWAITING_PAYMENT)),
    ("recebidos", _("Recebidos"), (Status.RECEIVED,)),
    ("preparo", _("Em preparo"), (Status.PREPARING,)),
    ("prontos", _("Prontos / saiu para entrega"), (Status.READY_FOR_PICKUP, Status.OUT_FOR_DELIVERY)),
    ("concluidos", _("Concluídos / cancelados"), (Status.DELIVERED, Status.CANCELED)),
)
NEW_STATUSES = COLUMNS[0][2]
# Finished orders pile up all evening; the board shows the latest ones and counts the rest.
FINISHED_SHOWN = 20

# The button that makes each move, in the staff's words.
MOVE_LABELS = {
    (Status.PLACED, Status.RECEIVED): _("Aceitar"),
    (Status.AWAITING_PAYMENT, Status.RECEIVED): _("Pagamento recebido"),
    (Status.RECEIVED, Status.PREPARING): _("Iniciar preparo"),
    (Status.PREPARING, Status.OUT_FOR_DELIVERY): _("Saiu para entrega"),
    (Status.PREPARING, Status.READY_FOR_PICKUP): _("Pronto para retirada"),
    (Status.OUT_FOR_DELIVERY, Status.DELIVERED): _("Entregue"),
    (Status.READY_FOR_PICKUP, Status.DELIVERED): _("Retirado"),
}
# Statuses in the staff's words (customers read orders.statuses.LABELS).
STAFF_LABELS = {
    Status.PLACED: _("Novo: aguardando aceite"),
    Status.AWAITING_PAYMENT: _("Novo: aguardando pagamento PIX"),
    Status.RECEIVED: _("Aceito"),
    Status.PREPARING: _("Em preparo"),
    Status.READY_FOR_PICKUP: _("Pronto para retirada"),
    Status.OUT_FOR_DELIVERY: _("Saiu para entrega"),
    Status.DELIVERED: _("Concluído"),
    Status.CANCELED: _("Cancelado"),
}
SEEN_KEY = "backoffice:seen:{order_id}"
SEEN_SECONDS = 3 * 24 * 60 * 60


@dataclass(frozen=True)
class Move:
    target: Status
    label: str
    needs_reason: bool


def move_token(order: Order) -> str:
    """What a card's buttons send back: the step of the order's history the staff member saw.

    Not the row's version: that also moves when ``send_outbox`` marks the customer's e-mail as queued,
    which nobody sees on the board, and the next click would be refused as someone else's move.
    """
    return f"{len(order.history)}.{order.status}"


@dataclass(frozen=True)
class Card:
    order: Order
    moves: tuple[Move, ...]
    is_new: bool  # waiting for someone to open or accept it: the bell rings for it

    @property
    def token(self) -> str:
        return move_token(self.order)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    cards: tuple[Card, ...]
    hidden: int = 0  # finished orders not shown


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]
    ringing: int  # new orders nobody has opened yet

    @property
    def new_count(self) -> int:
        return len(self.columns[0].cards)


def moves_for(order: Order) -> tuple[Move, ...]:
    targets = allowed_targets(current=order.status, actor=Actor.STAFF, fulfilment=order.fulfilment)
    moves = []
    for target in targets:
        if target == Status.CANCELED:
            label = _("Recusar") if order.status in NEW_STATUSES else _("Cancelar")
            moves.append(Move(target, label, needs_reason=True))
        else:
            moves.append(Move(target, MOVE_LABELS[(order.status, target)], needs_reason=False))
    return tuple(moves)


def board_get(*, now: dt.datetime, timezone) -> Board:
    orders = orders_of_day(start=business_day_start(now, timezone))
    new_ids = [o.order_id for o in orders if o.status in NEW_STATUSES]
    seen = cache.get_many([SEEN_KEY.format(order_id=i) for i in new_ids]) if new_ids else {}
    columns = []
    for key, title, statuses in COLUMNS:
        in_column = [o for o in orders if o.status in statuses]
        hidden = 0
        if key == "concluidos":
            in_column.sort(key=lambda o: o.updated_at, reverse=True)
            hidden = max(0, len(in_column) - FINISHED_SHOWN)
            in_column = in_column[:FINISHED_SHOWN]
        cards = tuple(
            Card(
                order=o,
                moves=moves_for(o),
                is_new=o.status in NEW_STATUSES and SEEN_KEY.format(order_id=o.order_id) not in seen,
            )
            for o in in_column
        )
        columns.append(Column(key, title, cards, hidden))
    ringing = sum(card.is_new for card in columns[0].cards)
    return Board(tuple(columns), ringing)


def card_get(*, code: str) -> Card | None:
    order = order_find_by_code(code=code)
    if order is None:
        return None
    is_new = order.status in NEW_STATUSES and cache.get(SEEN_KEY.format(order_id=order.order_id)) is None
    return Card(order=order, moves=moves_for(order), is_new=is_new)
