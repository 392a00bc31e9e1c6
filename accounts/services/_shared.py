"""What several flows share: the claim lookup, the rate-limit check and the one-time tokens."""

from __future__ import annotations

from django.utils import timezone

from ocipizza.nosql import ConditionFailed
from ocipizza.ratelimit import rate_limit_hit

from .. import repositories
from ..entities import Customer, EmailClaim, StoredCustomer, Verification
from ..exceptions import Throttled, TokenInvalid
from ..normalize import email_key
from ..tokens import id_well_formed, token_hash, token_well_formed


def claimed(key: str) -> tuple[EmailClaim | None, StoredCustomer | None]:
    """The claim on an address and the account it points to (``None`` for a dead claim)."""
    claim = repositories.claim_get(key)
    if claim is None:
        return None, None
    return claim, repositories.user_get(claim.customer_id)


def throttle(*attempts: tuple[str, str]) -> None:
    """Count one attempt for each (scope, key) in turn; ``Throttled`` at the first one over its limit.

    Fails closed: without Redis the cache error propagates and the page is a 503 (see
    ``ocipizza.ratelimit``), never an unlimited password check.
    """
    for scope, key in attempts:
        limit = rate_limit_hit(scope=scope, key=key)
        if not limit.allowed:
            raise Throttled(limit.retry_after)


def clock():
    """The clock a token's expiry is judged by (tests set it past the expiry they check)."""
    return timezone.now()


def verification_check(*, customer_id: str, token: str, kind: str) -> tuple[Verification, Customer]:
    """The unused, unexpired token of ``kind`` for this customer and the customer, or ``TokenInvalid``
    saying why.

    A token for another account, for another address than the account's current one, or of the
    other kind is simply invalid: the message never says whose it was.
    """
    if not token_well_formed(token) or not id_well_formed(customer_id):
        raise TokenInvalid("invalid", kind)
    verification = repositories.verification_get(token_hash(token))
    if verification is None:
        raise TokenInvalid("invalid", kind)
    if verification.kind != kind or verification.customer_id != customer_id:
        raise TokenInvalid("invalid", kind)
    stored = repositories.user_get(customer_id)
    if stored is None or email_key(stored.customer.email) != email_key(verification.email):
        raise TokenInvalid("invalid", kind)
    if verification.used_at is not None:
        raise TokenInvalid("used", kind)
    if verification.expires_at <= clock():
        raise TokenInvalid("expired", kind)
    return verification, stored.customer


def token_use(verification: Verification) -> None:
    """Use the token up, or ``TokenInvalid("used")`` when another request used it first."""
    try:
        repositories.verification_mark_used(verification, timezone.now())
    except ConditionFailed:
        raise TokenInvalid("used", verification.kind) from None
