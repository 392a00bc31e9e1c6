"""Customer rows in the store (``user``, ``user_email``, ``email_verification``), turned into entities."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ocipizza.nosql import ConditionFailed, Eq, Query, Range, Row, Version, store

from .entities import Address, Customer, Verification

USER = "user"
CLAIM = "user_email"
VERIFICATION = "email_verification"
UPDATE_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredCustomer:
    """A customer with what only services may see: the password hash, the auth stamp, the row version."""

    customer: Customer
    password: str
    auth_stamp: str
    version: Version
    row: dict


ADDRESS_FIELDS = ("id", "label", "cep", "street", "number", "complement", "district", "city", "state")


def _address(raw: dict) -> Address:
    return Address(**{name: str(raw.get(name) or "") for name in ADDRESS_FIELDS})


def address_row(address: Address) -> dict:
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


def _stored(row: Row) -> StoredCustomer:
    value = row.value
    addresses = value["addresses"] if isinstance(value["addresses"], list) else []
    customer = Customer(
        id=value["id"],
        name=value["name"],
        email=value["email"],
        telephone=value["telephone"] or "",
        verified=bool(value["verified"]),
        active=value["active"] is not False,
        addresses=tuple(_address(a) for a in addresses if isinstance(a, dict)),
        created_at=value["created_at"],
        last_login=value["last_login"],
        privacy_version=value["privacy_version"],
        privacy_accepted_at=value["privacy_accepted_at"],
    )
    return StoredCustomer(customer, value["password"], value["auth_stamp"], row.version, dict(value))


# --- user -------------------------------------------------------------------------------------------


def user_get(customer_id: str) -> StoredCustomer | None:
    row = store.get_or_none(USER, {"id": customer_id})
    return _stored(row) if row else None


def user_insert(values: dict) -> None:
    store.put(USER, values, if_absent=True)


def user_update(customer_id: str, change: Callable[[dict], dict | None]) -> StoredCustomer | None:
    """Read, apply ``change`` to the row's values and write back with ``if_version``, retrying on races.

    ``change`` returns the new values (or ``None`` to write nothing). Returns the stored result, or
    ``None`` when the customer does not exist (any more).
    """
    for _ in range(UPDATE_ATTEMPTS):
        row = store.get_or_none(USER, {"id": customer_id})
        if row is None:
            return None
        values = change(dict(row.value))
        if values is None:
            return _stored(row)
        try:
            version = store.put(USER, values, if_version=row.version)
        except ConditionFailed:
            continue  # someone else wrote the row in between: apply the change to their version
        return _stored(Row(values, version))
    raise ConditionFailed(f"user {customer_id} kept changing; gave up after {UPDATE_ATTEMPTS} attempts")


def user_delete(customer_id: str) -> bool:
    return store.delete(USER, {"id": customer_id})


def users_unverified(*, created_before: dt.datetime) -> Iterator[StoredCustomer]:
    # Sorted as idx_user_verified is, so Oracle NoSQL answers from the index.
    where = (Eq("verified", False), Range("created_at", lt=created_before))
    query = Query(USER, where, order_by=("verified", "created_at"), limit=100)
    for row in store.iterate(query):
        yield _stored(row)


# --- the e-mail claim -------------------------------------------------------------------------------


def claim_get(email_key: str) -> Row | None:
    return store.get_or_none(CLAIM, {"email": email_key})


def claim_put(email_key: str, customer_id: str, now: dt.datetime, *, over: Version | None = None) -> None:
    """Claim the address for ``customer_id``: only if nobody has (``if_absent``), or over a dead claim
    read at version ``over``. ``ConditionFailed`` when someone else got there first."""
    value = {"email": email_key, "user_id": customer_id, "created_at": now}
    if over is None:
        store.put(CLAIM, value, if_absent=True)
    else:
        store.put(CLAIM, value, if_version=over)


def claim_release(email_key: str, customer_id: str) -> None:
    """Delete the claim if it is still this customer's (never another account's newer claim)."""
    row = claim_get(email_key)
    if row is not None and row["user_id"] == customer_id:
        with contextlib.suppress(ConditionFailed):  # re-claimed in between: no longer ours
            store.delete(CLAIM, {"email": email_key}, if_version=row.version)


# --- verifications ----------------------------------------------------------------------------------


def _verification(row: Row) -> Verification:
    value = row.value
    return Verification(
        token_hash=value["token_hash"],
        kind=value["kind"],
        customer_id=value["user_id"],
        email=value["email"],
        created_at=value["created_at"],
        expires_at=value["expires_at"],
        used_at=value["used_at"],
    )


def verification_insert(verification: Verification, ttl: dt.timedelta | None = None) -> None:
    store.put(
        VERIFICATION,
        {
            "token_hash": verification.token_hash,
            "kind": verification.kind,
            "user_id": verification.customer_id,
            "email": verification.email,
            "created_at": verification.created_at,
            "expires_at": verification.expires_at,
        },
        if_absent=True,
        ttl=ttl,
    )


def verification_get(token_hash: str) -> tuple[Verification, Row] | None:
    row = store.get_or_none(VERIFICATION, {"token_hash": token_hash})
    return (_verification(row), row) if row else None


def verification_mark_used(row: Row, now: dt.datetime) -> None:
    """Mark the token used, only if nobody has since ``row`` was read; ``ConditionFailed`` otherwise.

    The row keeps its expiry (no ttl given), so a used token disappears when it would have anyway.
    """
    store.put(VERIFICATION, {**row.value, "used_at": now}, if_version=row.version)


def verifications_delete_for(customer_id: str) -> int:
    rows = list(store.iterate(Query(VERIFICATION, (Eq("user_id", customer_id),), limit=100)))
    for row in rows:
        store.delete(VERIFICATION, {"token_hash": row["token_hash"]})
    return len(rows)
