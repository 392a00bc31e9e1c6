"""Orders in the store (the ``user.order`` child table), as ``Order`` entities in and out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

from ocipizza.nosql import Eq, Put, Query, Range, Row, store

from .entities import Order, OrderItem, OrderPage, StatusChange
from .statuses import Fulfilment, Status

CENTS = Decimal("0.01")

ORDER_TABLE = "user.order"


def _money(value) -> str:
    return str(value)


def _row(order: Order) -> dict:
    return {
        "id": order.customer_id,
        "order_id": order.order_id,
        "code": order.code,
        "status": str(order.status),
        "fulfilment": str(order.fulfilment),
        "payment": order.payment,
        # Money inside JSON is text, so both backends keep it exact.
        "items": [
            {
                "item": i.item,
                "name": i.name,
                "quantity": i.quantity,
                "unit_price": _money(i.unit_price),
                "size": i.size,
                "size_name": i.size_name,
                "half": i.half,
                "half_name": i.half_name,
                "note": i.note,
            }
            for i in order.items
        ],
        "address": order.address,
        "customer": order.customer,
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "total": order.total,
        "change_for": order.change_for,
        "zone": order.zone,
        "eta_at": order.eta_at,
        "history": [_change(c) for c in order.history],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "notify": order.notify,
        # Null once the e-mail is queued, which drops the row from the index the sender scans.
        "notify_due_at": order.updated_at if order.notify else None,
    }


def _change(change: StatusChange) -> dict:
    entry = {"status": str(change.status), "at": change.at.isoformat()}
    if change.by:
        entry["by"] = change.by
    if change.reason:
        entry["reason"] = change.reason
    return entry


def _order(row: Row) -> Order:
    value = row.value
    return Order(
        customer_id=value["id"],
        order_id=value["order_id"],
        code=value["code"],
        status=Status(value["status"]),
        fulfilment=Fulfilment(value["fulfilment"]),
        payment=value["payment"],
        items=tuple(
            OrderItem(
                item=i["item"],
                name=i["name"],
                quantity=i["quantity"],
                unit_price=Decimal(i["unit_price"]),
                size=i.get("size"),
                size_name=i.get("size_name") or "",
                half=i.get("half"),
                half_name=i.get("half_name") or "",
                note=i.get("note") or "",
            )
            for i in value["items"]
        ),
        address=value["address"],
        customer=value["customer"] or {},
        subtotal=value["subtotal"].quantize(CENTS),
        delivery_fee=value["delivery_fee"].quantize(CENTS),
        total=value["total"].quantize(CENTS),
        change_for=value["change_for"].quantize(CENTS) if value["change_for"] is not None else None,
        zone=value["zone"],
        eta_at=value["eta_at"],
        history=tuple(
            StatusChange(
                Status(c["status"]),
                dt.datetime.fromisoformat(c["at"]),
                by=c.get("by") or "",
                reason=c.get("reason") or "",
            )
            for c in value["history"]
        ),
        created_at=value["created_at"],
        updated_at=value["updated_at"],
        notify=value["notify"],
        version=row.version,
    )


def order_get(*, customer_id: str, order_id: str) -> Order | None:
    row = store.get_or_none(ORDER_TABLE, {"id": customer_id, "order_id": order_id})
    return _order(row) if row else None


def order_insert(order: Order) -> None:
    """The one atomic write that places an order; ``ConditionFailed`` when the key was used already."""
    store.write_many([Put(ORDER_TABLE, _row(order), if_absent=True)])


def order_update(order: Order, *, expected: bytes) -> bytes:
    """Write the changed order over the version read; ``ConditionFailed`` if it changed meanwhile."""
    return store.put(ORDER_TABLE, _row(order), if_version=expected)


def orders_of(*, customer_id: str, limit: int = 20, after: str | None = None) -> OrderPage:
    """One page of a customer's orders, newest first; ``InvalidQuery`` for a forged continuation."""
    page = store.query(
        Query(ORDER_TABLE, where=[Eq("id", customer_id)], order_by=["-created_at"], limit=limit, after=after)
    )
    return OrderPage(orders=tuple(map(_order, page)), continuation=page.continuation)


def orders_all_of(*, customer_id: str) -> Iterator[Order]:
    """Every order of a customer, page after page (for account deletion)."""
    return map(_order, store.iterate(Query(ORDER_TABLE, where=[Eq("id", customer_id)], limit=100)))


def order_find_by_code(code: str) -> Order | None:
    page = store.query(Query(ORDER_TABLE, where=[Eq("code", code)], limit=2))
    return _order(page.rows[0]) if page.rows else None


def orders_created_between(*, start: dt.datetime, end: dt.datetime | None = None) -> tuple[Order, ...]:
    """Every customer's orders placed from ``start`` (to ``end``), oldest first (``idx_order_day``)."""
    where = [Range("created_at", gte=start, lt=end)]
    return tuple(map(_order, store.iterate(Query(ORDER_TABLE, where=where, order_by=["created_at"]))))


def orders_in_status(*, status: Status, start: dt.datetime, end: dt.datetime) -> tuple[Order, ...]:
    """Orders in ``status`` placed between ``start`` and ``end`` (``idx_order_status``)."""
    where = [Eq("status", str(status)), Range("created_at", gte=start, lt=end)]
    return tuple(map(_order, store.iterate(Query(ORDER_TABLE, where=where, order_by=["created_at"]))))


def orders_notification_due(*, now: dt.datetime, limit: int) -> tuple[Order, ...]:
    """Orders whose status e-mail is owed, oldest first (``notify_due_at`` is indexed)."""
    page = store.query(
        Query(ORDER_TABLE, where=[Range("notify_due_at", lte=now)], order_by=["notify_due_at"], limit=limit)
    )
    return tuple(map(_order, page))


def order_move(order: Order, *, customer_id: str) -> None:
    """Put ``order`` under another customer (same order id and code), then delete it where it was.

    Two shards, so two writes: the copy is written over any earlier copy (the row being moved is the
    truth while it exists) and the original is deleted only at the version copied; ``ConditionFailed``
    when it changed meanwhile (read it again and move that). A crash between the writes leaves both rows
    until the move runs again.
    """
    moved = replace(order, customer_id=customer_id)
    store.put(ORDER_TABLE, _row(moved))
    store.delete(ORDER_TABLE, {"id": order.customer_id, "order_id": order.order_id}, if_version=order.version)
