"""Customer rows in the store (``user``, ``user_email``, ``email_verification``), turned into entities.

Entities in, entities out: no row or dict leaves this module. Conditional writes check the ``version``
the entity was read with, as ``orders.repositories`` does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import replace

from ocipizza.nosql import ConditionFailed, Delete, Eq, Put, Query, Range, Row, store

from .entities import Address, Customer, CustomerMatch, EmailClaim, StoredCustomer, Verification
from .search import search_tokens

USER = "user"
SEARCH = "user.search_token"
CLAIM = "user_email"
VERIFICATION = "email_verification"
UPDATE_ATTEMPTS = 5

ADDRESS_FIELDS = ("id", "label", "cep", "street", "number", "complement", "district", "city", "state")


def _address(raw: dict) -> Address:
    return Address(**{name: str(raw.get(name) or "") for name in ADDRESS_FIELDS})


def _address_row(address: Address) -> dict:
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


# --- user -------------------------------------------------------------------------------------------


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
        updated_at=value["updated_at"],
        cart=value.get("cart") if isinstance(value.get("cart"), dict) else None,
    )
    return StoredCustomer(customer, value["password"], value["auth_stamp"], row.version)


def _user_row(stored: StoredCustomer) -> dict:
    customer = stored.customer
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "password": stored.password,
        "telephone": customer.telephone,
        "verified": customer.verified,
        "active": customer.active,
        "auth_stamp": stored.auth_stamp,
        "addresses": [_address_row(address) for address in customer.addresses],
        "privacy_version": customer.privacy_version,
        "privacy_accepted_at": customer.privacy_accepted_at,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
        "last_login": customer.last_login,
        "cart": customer.cart,
    }


def user_get(customer_id: str) -> StoredCustomer | None:
    row = store.get_or_none(USER, {"id": customer_id})
    return _stored(row) if row else None


def user_insert(stored: StoredCustomer) -> None:
    """Write a new account and its search tokens; ``ConditionFailed`` if the id is taken (``if_absent``)."""
    store.write_many([Put(USER, _user_row(stored), if_absent=True), *_search_changes(None, stored.customer)])


def user_save(stored: StoredCustomer, *, previous: Customer | None = None) -> StoredCustomer:
    """Write the changed account over the version it was read at; ``ConditionFailed`` if it changed
    meanwhile. Returns it with its new version.

    ``previous`` is the account as read: when the change moves its search tokens (name, e-mail, phone,
    active), the tokens are rewritten in the same atomic write as the row.
    """
    changes = _search_changes(previous, stored.customer)
    if not changes:
        version = store.put(USER, _user_row(stored), if_version=stored.version)
    else:
        put = Put(USER, _user_row(stored), if_version=stored.version)
        version = store.write_many([put, *changes])[0]
    return replace(stored, version=version)


def user_update(
    customer_id: str, change: Callable[[StoredCustomer], StoredCustomer | None]
) -> StoredCustomer | None:
    """Read the account, apply ``change`` and write it back with ``user_save``, retrying on races.

    ``change`` returns the changed account (or ``None`` to write nothing). Returns the stored result, or
    ``None`` when the customer does not exist (any more).
    """
    for _ in range(UPDATE_ATTEMPTS):
        stored = user_get(customer_id)
        if stored is None:
            return None
        changed = change(stored)
        if changed is None:
            return stored
        try:
            return user_save(changed, previous=stored.customer)
        except ConditionFailed:
            continue  # someone else wrote the row in between: apply the change to their version
    raise ConditionFailed(f"user {customer_id} kept changing; gave up after {UPDATE_ATTEMPTS} attempts")


def user_delete(customer_id: str) -> bool:
    """Delete the account and its search tokens (those found in the store, so none can linger)."""
    tokens = _search_rows_of(customer_id)
    existed = store.write_many([Delete(USER, {"id": customer_id}), *tokens[: BATCH - 1]])[0]
    for start in range(BATCH - 1, len(tokens), BATCH):  # only a store that drifted has so many
        store.write_many(tokens[start : start + BATCH])
    return existed


def users_all() -> Iterator[StoredCustomer]:
    """Every account, page after page (commands only: this reads the whole table)."""
    for row in store.iterate(Query(USER, limit=100)):
        yield _stored(row)


# --- search tokens (user.search_token; see accounts/search.py) ----------------------------------------

BATCH = 50  # operations a write_many takes


def _search_row(customer: Customer, token: str) -> dict:
    return {
        "id": customer.id,
        "token": token,
        "name": customer.name,
        "email": customer.email,
        "telephone": customer.telephone,
        "active": customer.active,
    }


def _search_rows(customer: Customer | None) -> dict[str, dict]:
    if customer is None:
        return {}
    return {token: _search_row(customer, token) for token in search_tokens(customer)}


def _search_changes(before: Customer | None, after: Customer | None) -> list:
    """The puts and deletes that turn ``before``'s token rows into ``after``'s (none if they match)."""
    old, new = _search_rows(before), _search_rows(after)
    changes: list = [Put(SEARCH, row) for token, row in sorted(new.items()) if old.get(token) != row]
    gone = sorted(old.keys() - new.keys())
    changes += [Delete(SEARCH, {"id": before.id, "token": token}) for token in gone]
    return changes


def _search_rows_of(customer_id: str) -> list:
    """Deletes for every token row the store holds for this customer (one shard, one query)."""
    rows = store.iterate(Query(SEARCH, (Eq("id", customer_id),), limit=100))
    return [Delete(SEARCH, {"id": customer_id, "token": row["token"]}) for row in rows]


def search_range(*, gte: str, lt: str, limit: int, after: str | None = None) -> tuple[list, str | None]:
    """One page of token rows from ``gte`` up to ``lt`` (``idx_user_search_token``), as (token, match)."""
    query = Query(SEARCH, (Range("token", gte=gte, lt=lt),), order_by=("token",), limit=limit, after=after)
    page = store.query(query)
    matches = [
        (
            row["token"],
            CustomerMatch(
                id=row["id"],
                name=row["name"] or "",
                email=row["email"] or "",
                telephone=row["telephone"] or "",
                active=row["active"] is not False,
            ),
        )
        for row in page
    ]
    return matches, page.continuation


def search_rebuild(customer_id: str, *, dry_run: bool = False) -> bool | None:
    """Make the customer's token rows what their account says; whether anything changed (``None``: no
    such customer). The rows are written with the account's row over the version read, so a profile
    change racing the rebuild makes it start again rather than leave old tokens."""
    for _ in range(UPDATE_ATTEMPTS):
        stored = user_get(customer_id)
        if stored is None:
            return None
        wanted = _search_rows(stored.customer)
        have = {row["token"]: row.value for row in store.iterate(Query(SEARCH, (Eq("id", customer_id),)))}
        changes: list = [Put(SEARCH, row) for token, row in sorted(wanted.items()) if have.get(token) != row]
        changes += [
            Delete(SEARCH, {"id": customer_id, "token": t}) for t in sorted(have.keys() - wanted.keys())
        ]
        if not changes or dry_run:
            return bool(changes)
        try:
            store.write_many([Put(USER, _user_row(stored), if_version=stored.version), *changes[: BATCH - 1]])
        except ConditionFailed:
            continue
        if len(changes) < BATCH:
            return True
    raise ConditionFailed(f"user {customer_id} kept changing; gave up after {UPDATE_ATTEMPTS} attempts")


def users_unverified(*, created_before: dt.datetime) -> Iterator[StoredCustomer]:
    # Sorted as idx_user_verified is, so Oracle NoSQL answers from the index.
    where = (Eq("verified", False), Range("created_at", lt=created_before))
    query = Query(USER, where, order_by=("verified", "created_at"), limit=100)
    for row in store.iterate(query):
        yield _stored(row)


# --- the e-mail claim -------------------------------------------------------------------------------


def _claim(row: Row) -> EmailClaim:
    value = row.value
    return EmailClaim(value["email"], value["user_id"], value["created_at"], row.version)


def claim_get(email_key: str) -> EmailClaim | None:
    row = store.get_or_none(CLAIM, {"email": email_key})
    return _claim(row) if row else None


def claim_put(claim: EmailClaim, *, over: EmailClaim | None = None) -> None:
    """Claim the address: only if nobody has (``if_absent``), or over the dead claim ``over`` as it was
    read (``if_version``). ``ConditionFailed`` when someone else got there first.

    One address, one account: within one region only, as the ``user_email`` table says.
    """
    value = {"email": claim.email, "user_id": claim.customer_id, "created_at": claim.created_at}
    if over is None:
        store.put(CLAIM, value, if_absent=True)
    else:
        store.put(CLAIM, value, if_version=over.version)


def claim_release(email_key: str, customer_id: str) -> None:
    """Delete the claim if it is still this customer's (never another account's newer claim)."""
    claim = claim_get(email_key)
    if claim is not None and claim.customer_id == customer_id:
        with contextlib.suppress(ConditionFailed):  # re-claimed in between: no longer ours
            store.delete(CLAIM, {"email": email_key}, if_version=claim.version)


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
        version=row.version,
    )


def _verification_row(verification: Verification) -> dict:
    return {
        "token_hash": verification.token_hash,
        "kind": verification.kind,
        "user_id": verification.customer_id,
        "email": verification.email,
        "created_at": verification.created_at,
        "expires_at": verification.expires_at,
        "used_at": verification.used_at,
    }


def verification_insert(verification: Verification, ttl: dt.timedelta | None = None) -> None:
    store.put(VERIFICATION, _verification_row(verification), if_absent=True, ttl=ttl)


def verification_get(token_hash: str) -> Verification | None:
    row = store.get_or_none(VERIFICATION, {"token_hash": token_hash})
    return _verification(row) if row else None


def verification_mark_used(verification: Verification, now: dt.datetime) -> Verification:
    """Mark the token used, only if nobody has since ``verification`` was read; ``ConditionFailed``
    otherwise.

    The row keeps its expiry (no ttl given), so a used token disappears when it would have anyway.
    """
    used = replace(verification, used_at=now)
    version = store.put(VERIFICATION, _verification_row(used), if_version=verification.version)
    return replace(used, version=version)


def verifications_delete_for(customer_id: str, *, unused_of_kind: str | None = None) -> int:
    """Delete the customer's verification tokens (only the unused ones of ``unused_of_kind`` if given:
    a used token is kept so that a second click can still be told "already used")."""
    rows = list(store.iterate(Query(VERIFICATION, (Eq("user_id", customer_id),), limit=100)))
    if unused_of_kind is not None:
        rows = [row for row in rows if row["kind"] == unused_of_kind and row["used_at"] is None]
    for row in rows:
        store.delete(VERIFICATION, {"token_hash": row["token_hash"]})
    return len(rows)
