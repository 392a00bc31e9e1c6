"""The cart kept on a customer's account. ``orders.cart`` owns the cart's shape; this only stores it."""

from __future__ import annotations

from collections.abc import Callable

from .. import repositories

UNCHANGED = object()


def customer_cart_update(*, customer_id: str, change: Callable[[dict | None], object]) -> dict | None:
    """Apply ``change`` to the account's current cart and store what it returns; return the stored cart.

    ``change`` gets the cart as stored (``None`` for none) and returns the new one, or ``UNCHANGED`` to
    write nothing. It runs again on the fresh row when another device wrote the account in between, so
    two phones adding at the same moment both keep their lines. Its exceptions propagate, nothing
    written. An account gone meanwhile has no cart: ``None``.
    """

    def apply(stored):
        new = change(stored.customer.cart)
        return None if new is UNCHANGED else stored.evolve(cart=new)

    stored = repositories.user_update(customer_id, apply)
    return stored.customer.cart if stored is not None else None
