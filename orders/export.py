"""A customer's orders for the LGPD export (``accounts.selectors.customer_export`` calls this through
``ACCOUNTS_EXPORT_HOOKS``, as account deletion calls ``orders_anonymise``)."""

from __future__ import annotations

from django.utils import timezone

from . import repositories


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def orders_export(*, customer) -> dict:
    """``{"orders": [...]}``: every order of the customer, newest first, as the order keeps it.

    The status history keeps when each step happened and why, not which staff member moved it: that
    names the pizzeria's people, not the customer.
    """
    orders = sorted(
        repositories.orders_all_of(customer_id=customer.id), key=lambda o: o.created_at, reverse=True
    )
    return {
        "orders": [
            {
                "code": order.code,
                "status": str(order.status),
                "created_at": _when(order.created_at),
                "fulfilment": str(order.fulfilment),
                "payment": order.payment,
                "items": [
                    {
                        "name": item.name,
                        "size": item.size_name or None,
                        "half": item.half_name or None,
                        "quantity": item.quantity,
                        "unit_price": str(item.unit_price),
                        "note": item.note,
                    }
                    for item in order.items
                ],
                "subtotal": str(order.subtotal),
                "delivery_fee": str(order.delivery_fee),
                "total": str(order.total),
                "change_for": str(order.change_for) if order.change_for is not None else None,
                "delivery_address": order.address or None,
                "contact": order.customer or None,
                "history": [
                    {"status": str(c.status), "at": _when(c.at), **({"reason": c.reason} if c.reason else {})}
                    for c in order.history
                ],
            }
            for order in orders
        ]
    }
