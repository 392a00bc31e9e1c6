"""Orders without an account ("pedir sem cadastro"): who the guest is, the signed tracking link, and how
the orders join an account once their address is proved to be its owner's.

A guest's orders live in ``user.order`` like every order, under a shard id derived from the e-mail
address (``guest_id``), so the order limits count a guest's orders per address exactly as they count an
account's, and the back office sees them like any other. No ``user`` row exists for that id: nobody can
sign in as a guest, and no page takes the id. Its orders are reached only through the tracking link, a
signed token naming the order (``guest_link_token``): whoever holds the e-mail (or placed the order) holds
the link, and the link does nothing but show, follow and cancel that one order. (Signed, not encrypted:
the id inside is keyed with SECRET_KEY, so it does not reveal the address.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac

from accounts.normalize import email_key, email_normalize
from ocipizza.nosql import ConditionFailed

from . import repositories
from .changes import orders_changed
from .entities import Order

logger = logging.getLogger(__name__)

LINK_SALT = "orders.guest.track"  # a tracking link is good for nothing else signed with SECRET_KEY
LINK_MAX_AGE = 60 * 60 * 24 * 90  # seconds: long after any order is delivered, short of forever


class GuestLinkInvalid(Exception):
    """A tracking link that is forged, damaged, expired or whose order is gone."""


@dataclass(frozen=True)
class GuestCustomer:
    """Who places an order without an account; looks enough like a ``Customer`` for ``order_place``."""

    id: str
    name: str
    email: str
    telephone: str
    verified = True  # nothing to confirm: the tracking link goes to this address
    guest = True


def guest_ids(email: str) -> list[str]:
    """The shard ids an address's guest orders may live under: the current one first, then one per key
    of ``SECRET_KEY_FALLBACKS`` (orders placed before the key was rotated)."""
    key = email_key(email)
    return [
        "guest-" + salted_hmac("orders.guest", key, secret=secret, algorithm="sha256").hexdigest()[:32]
        for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    ]


def guest_id(email: str) -> str:
    """The shard id of an address's guest orders: 38 characters, so never one of the accounts'
    22-character random ids. Keyed, because the tracking link carries it in clear: it must not tell
    anyone which e-mail address placed the order."""
    return guest_ids(email)[0]


def guest_customer(*, name: str, email: str, telephone: str) -> GuestCustomer:
    email = email_normalize(email)
    return GuestCustomer(id=guest_id(email), name=" ".join(name.split()), email=email, telephone=telephone)


def guest_link_token(order: Order) -> str:
    return signing.dumps({"c": order.customer_id, "o": order.order_id, "k": order.code}, salt=LINK_SALT)


def guest_link_path(order: Order) -> str:
    return reverse("orders:guest_order", kwargs={"token": guest_link_token(order)})


def guest_link_url(order: Order) -> str:
    base = (settings.SITE_URL or "http://127.0.0.1:8000").rstrip("/")
    return base + guest_link_path(order)


def guest_order_by_link(*, token: str) -> Order:
    """The order a tracking link names, wherever it lives now; ``GuestLinkInvalid`` otherwise.

    It is read under the guest's shard first (one get); once it joined an account, by its code (one
    indexed query), and only if that order is the very one the link was made for.
    """
    if not isinstance(token, str) or len(token) > 300:
        raise GuestLinkInvalid("malformed")
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as e:
        raise GuestLinkInvalid("expired") from e
    except signing.BadSignature as e:
        raise GuestLinkInvalid("invalid") from e
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("c", "o", "k")):
        raise GuestLinkInvalid("invalid")
    order = repositories.order_get(customer_id=data["c"], order_id=data["o"])
    if order is None:
        order = repositories.order_find_by_code(data["k"])
        if order is None or order.order_id != data["o"]:
            raise GuestLinkInvalid("gone")
    return order


def guest_orders_join(*, customer) -> int:
    """Move the orders placed without an account under ``customer``'s address into the account; returns
    how many moved. Call only once the address is proved to be the customer's (a confirmation link, or
    a sign-in to a confirmed account): then "Meus pedidos" shows them, and their tracking links still work.

    Safe to run again after a failure: a move repeats until the guest's shard is empty.
    """
    moved = 0
    pending = [
        (source, order)
        for source in guest_ids(customer.email)
        for order in list(repositories.orders_all_of(customer_id=source))
    ]
    for source, order in pending:
        for _attempt in range(3):
            try:
                repositories.order_move(order, customer_id=customer.id)
            except ConditionFailed:
                # Moved by the staff meanwhile: move the order as it is now.
                order = repositories.order_get(customer_id=source, order_id=order.order_id)
                if order is None:
                    break
                continue
            moved += 1
            break
        else:
            logger.warning("guest order %s kept changing; it joins the account next time", order.code)
    if moved:
        orders_changed()
    return moved
