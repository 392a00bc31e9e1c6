"""Orders as immutable values read from the ``user.order`` table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .statuses import FINAL, Fulfilment, Status


class Payment:
    PIX = "PIX"
    CREDIT_CARD = "CREDIT_CARD"
    DEBIT_CARD = "DEBIT_CARD"
    CASH = "CASH"
    ALL = (PIX, CREDIT_CARD, DEBIT_CARD, CASH)


@dataclass(frozen=True)
class OrderItem:
    """One priced line, frozen at the moment the order was placed."""

    item: str
    name: str
    quantity: int
    unit_price: Decimal
    size: str | None = None
    size_name: str = ""
    half: str | None = None
    half_name: str = ""
    note: str = ""

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class StatusChange:
    """One step of the audit trail: who moved the order (a staff name, "cliente" or "sistema"), and why."""

    status: Status
    at: dt.datetime
    by: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Order:
    customer_id: str
    order_id: str
    code: str
    status: Status
    fulfilment: Fulfilment
    payment: str
    items: tuple[OrderItem, ...]
    subtotal: Decimal
    delivery_fee: Decimal
    total: Decimal
    created_at: dt.datetime
    updated_at: dt.datetime
    history: tuple[StatusChange, ...] = ()
    address: dict | None = None
    customer: dict = field(default_factory=dict)
    change_for: Decimal | None = None
    zone: str | None = None
    eta_at: dt.datetime | None = None
    notify: str | None = None
    version: bytes = b""

    @property
    def is_pix(self) -> bool:
        return self.payment == Payment.PIX

    @property
    def pix_paid(self) -> bool:
        """A PIX order whose payment the pizzeria confirmed (it moved past AWAITING_PAYMENT)."""
        return self.is_pix and any(change.status == Status.RECEIVED for change in self.history)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def change_due(self) -> Decimal | None:
        return self.change_for - self.total if self.change_for else None

    @property
    def cancel_reason(self) -> str:
        """What the pizzeria told the customer when it rejected or canceled the order."""
        return next((c.reason for c in reversed(self.history) if c.status == Status.CANCELED), "")

    def changed_at(self, status: Status) -> dt.datetime | None:
        for change in self.history:
            if change.status == status:
                return change.at
        return None


@dataclass(frozen=True)
class OrderPage:
    """One page of orders; ``continuation`` is ``None`` on the last page."""

    orders: tuple[Order, ...]
    continuation: str | None = None

    def __iter__(self):
        return iter(self.orders)

    def __len__(self):
        return len(self.orders)
