"""Login: credentials checked after the rate limits, at the same cost for known and unknown addresses."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from ocipizza.ratelimit import rate_limit_login, rate_limit_login_forget, rate_limit_login_succeeded

from .. import repositories
from ..entities import StoredCustomer
from ..exceptions import AccountDisabled, InvalidCredentials, Throttled
from ..normalize import email_key
from ..tokens import id_make
from ._shared import claimed


def login_throttle_forget(*, key: str) -> None:
    """After a password reset: the account's login limits start afresh for every client."""
    rate_limit_login_forget(prefix="login", account=key)


def customer_authenticate(*, email: str, password: str, client_ip: str) -> StoredCustomer:
    """The account for these credentials, or ``Throttled`` / ``InvalidCredentials`` / ``AccountDisabled``.

    Rate limits are counted first, so a throttled attempt never reaches the hasher. An unknown address
    costs one hash, like a known one, and gets the same refusal.
    """
    key = email_key(email)
    # Counted first, per client, per (account, client) with growing lockouts and per account (a much
    # higher ceiling): a stranger slows down, the owner on their own device still gets in.
    limit = rate_limit_login(prefix="login", account=key, client=client_ip)
    if not limit.allowed:
        raise Throttled(limit.retry_after)
    stored = claimed(key)[1]
    if stored is None:
        make_password(password)  # the cost of a check, so the answer does not come back faster
        raise InvalidCredentials()

    def upgrade(raw_password):
        # The hasher's parameters changed since this hash was made: store a fresh hash.
        new_hash = make_password(raw_password)
        repositories.user_update(stored.customer.id, lambda current: current.evolve(password=new_hash))

    if not check_password(password, stored.password, setter=upgrade):
        raise InvalidCredentials()
    if not stored.customer.active:
        raise AccountDisabled()
    rate_limit_login_succeeded(prefix="login", account=key, client=client_ip)
    now = timezone.now()
    updated = repositories.user_update(stored.customer.id, lambda current: current.evolve(last_login=now))
    return updated or stored


def customer_for_session(*, customer_id: str) -> StoredCustomer | None:
    """The account as a session needs it (with its auth stamp): for signing in a customer who has just
    signed up, whose password was hashed a moment ago."""
    return repositories.user_get(customer_id)


def customer_sessions_end_all(*, customer_id: str) -> None:
    """End every session of the account, on every device ("sair de todos os aparelhos").

    A new auth stamp fails every session's comparison in the middleware (see ``accounts.sessions``);
    the cart lives with the account, so nothing but the sign-ins is lost.
    """
    stamp = id_make()
    repositories.user_update(customer_id, lambda stored: stored.evolve(auth_stamp=stamp))
