"""Customer login state in the session (Redis). Like ``django.contrib.auth.login``, without auth users.

The session holds the customer's id and an HMAC of the account's ``auth_stamp``. A password change or
reset, disabling or deleting the account writes a new stamp (or removes the row), and every other
session then fails the middleware's comparison and is ended: Django's session auth hash, by another key.
"""

from __future__ import annotations

from django.middleware.csrf import rotate_token
from django.utils.crypto import constant_time_compare, salted_hmac

from .entities import ANONYMOUS, StoredCustomer

SESSION_CUSTOMER = "_customer_id"
SESSION_STAMP = "_customer_stamp"


def stamp_hash(auth_stamp: str) -> str:
    return salted_hmac("accounts.sessions.stamp", auth_stamp, algorithm="sha256").hexdigest()


def stamp_matches(session, auth_stamp: str) -> bool:
    return constant_time_compare(session.get(SESSION_STAMP, ""), stamp_hash(auth_stamp))


def session_login(*, request, stored: StoredCustomer) -> None:
    """Log ``stored`` in on this request's session.

    The session key rotates (``cycle_key`` keeps the data), so a key planted before login is worthless,
    and the cart survives. If the session belonged to another customer it is emptied instead: their
    cart is theirs.
    """
    session = request.session
    current = session.get(SESSION_CUSTOMER)
    if current is not None and current != stored.customer.id:
        session.flush()
    else:
        session.cycle_key()
    session[SESSION_CUSTOMER] = stored.customer.id
    session[SESSION_STAMP] = stamp_hash(stored.auth_stamp)
    rotate_token(request)
    request.customer = stored.customer


def session_refresh(*, request, stored: StoredCustomer) -> None:
    """Keep this session after its own password change (the other sessions end)."""
    request.session.cycle_key()
    request.session[SESSION_STAMP] = stamp_hash(stored.auth_stamp)
    request.customer = stored.customer


def session_logout(*, request) -> None:
    """End the session, cart included.

    A logout is how someone leaves a shared or borrowed device: the next person must not find a cart
    they did not fill (nor order it to the previous customer's address), so the whole session goes,
    as ``django.contrib.auth.logout`` does.
    """
    request.session.flush()
    request.customer = ANONYMOUS
