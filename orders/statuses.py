"""Order statuses and the only moves between them.

Every status change goes through ``transition``, which raises ``IllegalTransition`` for a move that is
not in the table, so neither a customer nor the back office can skip or rewind a step.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Status(StrEnum):
    PLACED = "PLACED"  # card or cash orders until the pizzeria accepts them
    AWAITING_PAYMENT = "AWAITING_PAYMENT"  # PIX orders until the payment is seen
    RECEIVED = "RECEIVED"  # accepted by the pizzeria, the kitchen has not started
    PREPARING = "PREPARING"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    CANCELED = "CANCELED"


class Fulfilment(StrEnum):
    DELIVERY = "DELIVERY"
    PICKUP = "PICKUP"


class Actor(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


# Who the audit trail names for moves not made by a staff member.
BY_CUSTOMER = "cliente"
BY_SYSTEM = "sistema"

LABELS = {
    Status.PLACED: _("Aguardando confirmação da pizzaria"),
    Status.AWAITING_PAYMENT: _("Aguardando pagamento"),
    Status.RECEIVED: _("Pedido recebido"),
    Status.PREPARING: _("Em preparo"),
    Status.READY_FOR_PICKUP: _("Pronto para retirada"),
    Status.OUT_FOR_DELIVERY: _("Saiu para entrega"),
    Status.DELIVERED: _("Entregue"),
    Status.CANCELED: _("Cancelado"),
}

ANYONE = frozenset(Actor)
STAFF_ONLY = frozenset({Actor.STAFF})

# (from, to) -> who may make the move, and for which fulfilment (None: both).
TRANSITIONS: dict[tuple[Status, Status], tuple[frozenset[Actor], Fulfilment | None]] = {
    (Status.PLACED, Status.RECEIVED): (STAFF_ONLY, None),
    (Status.PLACED, Status.CANCELED): (ANYONE, None),
    (Status.AWAITING_PAYMENT, Status.RECEIVED): (frozenset({Actor.STAFF, Actor.SYSTEM}), None),
    (Status.AWAITING_PAYMENT, Status.CANCELED): (ANYONE, None),
    (Status.RECEIVED, Status.PREPARING): (STAFF_ONLY, None),
    (Status.RECEIVED, Status.CANCELED): (frozenset({Actor.CUSTOMER, Actor.STAFF}), None),
    (Status.PREPARING, Status.OUT_FOR_DELIVERY): (STAFF_ONLY, Fulfilment.DELIVERY),
    (Status.PREPARING, Status.READY_FOR_PICKUP): (STAFF_ONLY, Fulfilment.PICKUP),
    (Status.PREPARING, Status.CANCELED): (STAFF_ONLY, None),
    (Status.OUT_FOR_DELIVERY, Status.DELIVERED): (STAFF_ONLY, Fulfilment.DELIVERY),
    (Status.READY_FOR_PICKUP, Status.DELIVERED): (STAFF_ONLY, Fulfilment.PICKUP),
}

FINAL = frozenset({Status.DELIVERED, Status.CANCELED})


class IllegalTransition(Exception):
    """The move is not in the transition table (or not for this actor or fulfilment)."""


def check_transition(*, current: Status, target: Status, actor: Actor, fulfilment: Fulfilment) -> None:
    rule = TRANSITIONS.get((Status(current), Status(target)))
    if rule is None:
        raise IllegalTransition(f"{current} cannot become {target}")
    actors, only_for = rule
    if actor not in actors:
        raise IllegalTransition(f"{actor} may not move an order from {current} to {target}")
    if only_for is not None and only_for != fulfilment:
        raise IllegalTransition(f"{current} to {target} is only for {only_for} orders")


def allowed_targets(*, current: Status, actor: Actor, fulfilment: Fulfilment) -> list[Status]:
    return [
        target
        for (source, target), (actors, only_for) in TRANSITIONS.items()
        if source == current and actor in actors and only_for in (None, fulfilment)
    ]


def journey(fulfilment: Fulfilment, *, pix: bool) -> list[Status]:
    """The steps a customer sees on the tracking timeline, in order."""
    steps = [Status.AWAITING_PAYMENT if pix else Status.PLACED, Status.RECEIVED, Status.PREPARING]
    steps.append(Status.OUT_FOR_DELIVERY if fulfilment == Fulfilment.DELIVERY else Status.READY_FOR_PICKUP)
    steps.append(Status.DELIVERED)
    return steps
