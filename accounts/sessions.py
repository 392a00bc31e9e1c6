"""Customer login state in the session (Redis). Like ``django.contrib.auth.login``, without auth users.

The session holds the customer's id and an HMAC of the account's ``auth_stamp``. A password change or
reset, disabling or deleting the account writes a new stamp (or removes the row), and every other
session then fails the middleware's comparison and is ended: Django's session auth hash, by another key.
"Sair de todos os aparelhos" writes a new stamp too.

It also holds when the customer signed in and when they were last seen, so the middleware ends a session
idle for ``CUSTOMER_SESSION_IDLE_SECONDS`` or older than ``CUSTOMER_SESSION_MAX_SECONDS``. "Last seen" is
written at most every ``ACTIVITY_STEP_SECONDS``: a session write on every page would cost a Redis command
per request, and five minutes of slack only ever ends a session early.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.middleware.csrf import rotate_token
from django.utils.crypto import constant_time_compare, salted_hmac

from .entities import ANONYMOUS, StoredCustomer
from .signals import customer_logged_in

SESSION_CUSTOMER = "_customer_id"
SESSION_STAMP = "_customer_stamp"
SESSION_SINCE = "_customer_since"
SESSION_SEEN = "_customer_seen"
ACTIVITY_STEP_SECONDS = 5 * 60


def stamp_hash(auth_stamp: str) -> str:
    return salted_hmac("accounts.sessions.stamp", auth_stamp, algorithm="sha256").hexdigest()


def stamp_matches(session, auth_stamp: str) -> bool:
    return constant_time_compare(session.get(SESSION_STAMP, ""), stamp_hash(auth_stamp))


def session_login(*, request, stored: StoredCustomer) -> None:
    """Log ``stored`` in on this request's session.

    The session key rotates (``cycle_key`` keeps the data), so a key planted before login is worthless,
    and the visitor's cart survives until ``customer_logged_in`` (``orders`` listens) moves it into the
    account. If the session belonged to another customer it is emptied instead.
    """
    session = request.session
    current = session.get(SESSION_CUSTOMER)
    if current is not None and current != stored.customer.id:
        session.flush()
    else:
        session.cycle_key()
    session[SESSION_CUSTOMER] = stored.customer.id
    session[SESSION_STAMP] = stamp_hash(stored.auth_stamp)
    session[SESSION_SINCE] = session[SESSION_SEEN] = int(time.time())
    rotate_token(request)
    request.customer = stored.customer
    customer_logged_in.send(sender=session_login, request=request, customer=stored.customer)


def session_lifetime_ok(session, now: float | None = None) -> bool:
    """False when the signed-in session has been idle or alive too long; otherwise marks it seen.

    A session without the times (signed in before they were kept) starts its lifetimes now.
    """
    now = int(time.time() if now is None else now)
    since, seen = session.get(SESSION_SINCE), session.get(SESSION_SEEN)
    if not isinstance(since, int) or not isinstance(seen, int):
        session[SESSION_SINCE] = session[SESSION_SEEN] = now
        return True
    if (
        now - seen > settings.CUSTOMER_SESSION_IDLE_SECONDS
        or now - since > settings.CUSTOMER_SESSION_MAX_SECONDS
    ):
        return False
    if now - seen >= ACTIVITY_STEP_SECONDS:
        session[SESSION_SEEN] = now
    return True


def session_refresh(*, request, stored: StoredCustomer) -> None:
    """Keep this session after its own password change (the other sessions end).

    Its lifetime still counts from the sign-in: changing the password does not extend it.
    """
    request.session.cycle_key()
    request.session[SESSION_STAMP] = stamp_hash(stored.auth_stamp)
    request.customer = stored.customer


def session_logout(*, request) -> None:
    """End the session.

    A logout is how someone leaves a shared or borrowed device: the next person must not find a cart
    they did not fill (nor order it to the previous customer's address), so the whole session goes,
    as ``django.contrib.auth.logout`` does. The customer's cart stays with the account for next time.
    """
    request.session.flush()
    request.customer = ANONYMOUS
