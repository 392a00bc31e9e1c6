"""``request.customer``: the logged-in customer (a ``Customer``) or ``ANONYMOUS``, loaded lazily."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from . import repositories
from .entities import ANONYMOUS
from .sessions import SESSION_CUSTOMER, session_lifetime_ok, stamp_matches
from .tokens import id_well_formed


def customer_from_session(request):
    """The session's customer, or ``ANONYMOUS``; a session that is no longer valid is ended.

    Invalid means: the account is gone or disabled, its password changed (or every device was signed
    out) since this session logged in, or the session outlived its idle or absolute lifetime.
    """
    session = getattr(request, "session", None)
    if session is None:
        return ANONYMOUS
    customer_id = session.get(SESSION_CUSTOMER)
    if not customer_id:
        return ANONYMOUS
    if not session_lifetime_ok(session):  # before the store read: an expired session costs none
        session.flush()
        return ANONYMOUS
    stored = repositories.user_get(customer_id) if id_well_formed(customer_id) else None
    if stored is None or not stored.customer.active or not stamp_matches(session, stored.auth_stamp):
        session.flush()
        return ANONYMOUS
    return stored.customer


class CustomerMiddleware:
    """Sets ``request.customer``. One store read, and only for requests that look at it while logged in.

    Goes after SessionMiddleware and AuthenticationMiddleware (staff use ``request.user``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.customer = SimpleLazyObject(lambda: customer_from_session(request))
        return self.get_response(request)
