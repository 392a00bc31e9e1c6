"""Reading customers. Other apps use these (and ``request.customer``), never the repositories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from . import repositories
from .entities import Address, Customer
from .normalize import email_key
from .tokens import id_well_formed


def customer_get(*, customer_id: str) -> Customer | None:
    if not id_well_formed(customer_id):
        return None
    stored = repositories.user_get(customer_id)
    return stored.customer if stored else None


def customer_get_by_email(*, email: str) -> Customer | None:
    """The account owning ``email`` (any case): for operators and tests, never for answers to visitors."""
    claim = repositories.claim_get(email_key(email))
    if claim is None:
        return None
    stored = repositories.user_get(claim.customer_id)
    return stored.customer if stored else None


def customer_addresses(*, customer: Customer) -> tuple[Address, ...]:
    """The customer's saved delivery addresses, in the order they were added.

    ``request.customer`` is read from the store once per request, so this costs no further call.
    """
    return tuple(customer.addresses) if customer else ()


def customer_address_get(*, customer: Customer, address_id: str) -> Address | None:
    return customer.address(address_id) if customer else None


def customers_unconfirmed(*, created_before: dt.datetime) -> Iterator[Customer]:
    """Accounts whose address was never confirmed, created before the given moment, oldest first."""
    for stored in repositories.users_unverified(created_before=created_before):
        yield stored.customer
