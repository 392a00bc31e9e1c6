"""Sign-up and e-mail confirmation."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ocipizza.nosql import ConditionFailed
from ocipizza.ratelimit import rate_limit_hit

from .. import emails, repositories
from ..entities import CONFIRM, Customer, EmailClaim, StoredCustomer, Verification
from ..exceptions import TokenInvalid
from ..normalize import email_key, email_normalize, phone_normalize
from ..signals import customer_email_confirmed
from ..tokens import id_make, token_hash, token_make
from ._shared import claimed, throttle, token_use, verification_check

CONFIRM_VALIDITY = dt.timedelta(days=1)


def customer_register(
    *, name: str, email: str, telephone: str, password: str, base_url: str, privacy_version: str
) -> Customer | None:
    """Create an unconfirmed account and mail its confirmation link; return it.

    When the address already has an account nothing is created, its owner is mailed instead and
    ``None`` is returned: views must answer exactly the same either way. Concurrent sign-ups with one
    address make one account (the ``user_email`` claim is written with ``if_absent``; one region only).
    """
    name = " ".join(name.split())
    email = email_normalize(email)
    key = email_key(email)
    telephone = phone_normalize(telephone)
    # Hash first, on every path, so that a taken address answers no faster than a new one.
    password_hash = make_password(password)
    now = timezone.now()
    claim, existing = claimed(key)
    if existing is not None:
        _signup_existing(existing.customer, key, base_url)
        return None
    customer_id = id_make()
    # The row goes first and the claim second: a crash in between leaves an unreachable row that
    # purge_unconfirmed removes, never a claim that blocks the address. A claim whose row is gone
    # (an interrupted deletion) is taken over with if_version.
    repositories.user_insert(
        StoredCustomer(
            Customer(
                id=customer_id,
                name=name,
                email=email,
                telephone=telephone,
                verified=False,
                active=True,
                addresses=(),
                created_at=now,
                privacy_version=privacy_version,
                privacy_accepted_at=now,
                updated_at=now,
            ),
            password=password_hash,
            auth_stamp=id_make(),
        )
    )
    try:
        repositories.claim_put(EmailClaim(key, customer_id, now), over=claim)
    except ConditionFailed:
        repositories.user_delete(customer_id)  # lost the race; the row was never reachable
        existing = claimed(key)[1]
        if existing is not None:
            _signup_existing(existing.customer, key, base_url)
        return None
    stored = repositories.user_get(customer_id)
    _confirmation_issue(stored.customer, base_url, now)
    return stored.customer


def _signup_existing(customer: Customer, key: str, base_url: str) -> None:
    # Limited per address, so the sign-up form cannot be used to flood someone's mailbox.
    if rate_limit_hit(scope="signup_email", key=key).allowed:
        emails.email_signup_existing(customer=customer, base_url=base_url)


def _confirmation_issue(customer: Customer, base_url: str, now: dt.datetime) -> None:
    token = token_make()
    repositories.verification_insert(
        Verification(token_hash(token), CONFIRM, customer.id, customer.email, now, now + CONFIRM_VALIDITY)
    )
    emails.email_confirmation(customer=customer, token=token, base_url=base_url)


def customer_confirmation_resend(*, customer: Customer, base_url: str) -> None:
    """Mail a new confirmation link (the earlier ones stay valid). ``Throttled`` past the limit."""
    if customer.verified:
        return
    throttle(("resend_confirmation", customer.id))
    _confirmation_issue(customer, base_url, timezone.now())


def customer_email_confirm(*, customer_id: str, token: str) -> Customer:
    """Use a confirmation token once and mark the account's address as confirmed."""
    verification, customer = verification_check(customer_id=customer_id, token=token, kind=CONFIRM)
    token_use(verification)
    if customer.verified:
        return customer
    updated = repositories.user_update(
        customer_id, lambda stored: stored.evolve(verified=True, updated_at=timezone.now())
    )
    if updated is None:
        raise TokenInvalid("invalid", CONFIRM)
    # The mailbox is proved to be the account's: what was ordered under it without an account joins it.
    customer_email_confirmed.send(sender=customer_email_confirm, customer=updated.customer)
    return updated.customer
