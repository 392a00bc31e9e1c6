"""Reading customers. Other apps use these (and ``request.customer``), never the repositories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from . import repositories
from .entities import Address, Customer, CustomerMatch, CustomerSearch
from .normalize import email_key
from .search import fold, search_query_parse
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


# --- the back office's customer search and the LGPD export -------------------------------------------

SEARCH_LIMIT = 20  # customers a search shows
SEARCH_PAGE = 50  # token rows read per query
SEARCH_MAX_ROWS = 200  # token rows a name search reads at most before asking for more of the name


def customers_search(*, query: str, limit: int = SEARCH_LIMIT) -> CustomerSearch:
    """Customers whose name, e-mail or phone starts with what was typed, by name (staff only).

    ``SearchQueryInvalid`` (with a message for the staff) for an empty, too long or too short query.
    A whole e-mail address is looked up through its claim; everything else is one range over the
    search tokens (``accounts.search``), a page or a few: never a read of every customer.
    """
    parsed = search_query_parse(query)
    if parsed.email:
        customer = customer_get_by_email(email=parsed.email)
        if customer is not None:
            match = CustomerMatch(
                customer.id, customer.name, customer.email, customer.telephone, customer.active
            )
            return CustomerSearch((match,), kind=parsed.kind)
    found: dict[str, CustomerMatch] = {}
    after, read, more = None, 0, False
    while True:
        rows, after = repositories.search_range(
            gte=parsed.prefix, lt=parsed.upper_bound(), limit=SEARCH_PAGE, after=after
        )
        read += len(rows)
        for _token, match in rows:
            if match.id in found or (parsed.words and not parsed.matches_name(match.name)):
                continue
            if len(found) == limit:
                more = True
                break
            found[match.id] = match
        if more or after is None:
            break
        if read >= SEARCH_MAX_ROWS:
            more = True
            break
    matches = sorted(found.values(), key=lambda m: (fold(m.name), m.email))
    return CustomerSearch(tuple(matches), more=more, kind=parsed.kind)


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def customer_export(*, customer_id: str) -> dict | None:
    """Everything the pizzeria holds about a customer, as JSON-ready data (LGPD art. 18: access and
    portability), or ``None`` for no such customer.

    The profile, saved addresses and privacy consent come from here; ``ACCOUNTS_EXPORT_HOOKS`` add what
    other apps hold (each called as ``hook(customer=...)`` and returning a dict of sections, e.g. the
    orders). Built from ``Customer``, which never carries the password hash or the auth stamp.
    """
    customer = customer_get(customer_id=customer_id)
    if customer is None:
        return None
    data = {
        "format": "ocipizza-customer-export/1",
        "exported_at": _when(timezone.now()),
        "profile": {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "telephone": customer.telephone,
            "email_confirmed": customer.verified,
            "active": customer.active,
            "created_at": _when(customer.created_at),
            "updated_at": _when(customer.updated_at),
            "last_login": _when(customer.last_login),
        },
        "consent": {
            "privacy_notice_version": customer.privacy_version,
            "accepted_at": _when(customer.privacy_accepted_at),
        },
        "addresses": [{"label": a.label, **a.as_dict(), "one_line": a.one_line} for a in customer.addresses],
    }
    for path in getattr(settings, "ACCOUNTS_EXPORT_HOOKS", ()):
        data.update(import_string(path)(customer=customer))
    return data
