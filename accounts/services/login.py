"""Login: credentials checked after the rate limits, at the same cost for known and unknown addresses."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from ocipizza.ratelimit import rate_limit_reset

from .. import repositories
from ..entities import StoredCustomer
from ..exceptions import AccountDisabled, InvalidCredentials
from ..normalize import email_key
from ._shared import claimed, throttle


def customer_authenticate(*, email: str, password: str, client_ip: str) -> StoredCustomer:
    """The account for these credentials, or ``Throttled`` / ``InvalidCredentials`` / ``AccountDisabled``.

    Rate limits are counted first, per address and per client, so a throttled attempt never reaches the
    hasher. An unknown address costs one hash, like a known one, and gets the same refusal.
    """
    key = email_key(email)
    throttle(("login_ip", client_ip), ("login_account", key))
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
    rate_limit_reset(scope="login_account", key=key)
    now = timezone.now()
    updated = repositories.user_update(stored.customer.id, lambda current: current.evolve(last_login=now))
    return updated or stored
