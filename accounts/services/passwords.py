"""Password reset (by e-mail link), the password check inside a session, and password change."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from .. import emails, repositories
from ..entities import RESET, Customer, StoredCustomer, Verification
from ..exceptions import PasswordIncorrect, TokenInvalid
from ..normalize import email_key, email_normalize
from ..tokens import id_make, token_hash, token_make
from ._shared import claimed, throttle, token_use, verification_check
from .login import login_throttle_forget

logger = logging.getLogger(__name__)

RESET_VALIDITY = dt.timedelta(hours=1)


def password_reset_request(*, email: str, client_ip: str, base_url: str) -> None:
    """Mail a 1-hour reset link, or, for an address without an account, a note saying so.

    One e-mail either way (as django-allauth does), so neither the answer nor its timing tells a visitor
    whether the address has an account. ``Throttled`` per client and per address: the limits count every
    address alike, so they reveal nothing either.
    """
    email = email_normalize(email)
    key = email_key(email)
    throttle(("reset_ip", client_ip), ("reset_email", key))
    stored = claimed(key)[1]
    if stored is None:
        emails.email_password_reset_unknown(email=email, base_url=base_url)
        return
    if not stored.customer.active:
        logger.info("password reset asked for disabled account %s; nothing sent", stored.customer.id)
        return
    token = token_make()
    now = timezone.now()
    repositories.verification_insert(
        Verification(
            token_hash(token), RESET, stored.customer.id, stored.customer.email, now, now + RESET_VALIDITY
        ),
        ttl=RESET_VALIDITY,
    )
    emails.email_password_reset(customer=stored.customer, token=token, base_url=base_url)


def password_reset_complete(*, customer_id: str, token: str, password: str, base_url: str) -> Customer:
    """Use a reset token once and set the new password; every session of the account ends, as does
    every other reset link, and the login limits of the account start afresh.

    Following the link proved the customer reads this mailbox, so the address counts as confirmed, and
    whatever lockout a stranger caused no longer applies to its owner.
    """
    verification = verification_check(customer_id=customer_id, token=token, kind=RESET)[0]
    token_use(verification)
    stored = _password_set(customer_id, password, verified=True)
    if stored is None:
        raise TokenInvalid("invalid", RESET)
    login_throttle_forget(key=email_key(stored.customer.email))
    emails.email_password_changed(customer=stored.customer, base_url=base_url)
    return stored.customer


def customer_password_check(*, customer_id: str, password: str) -> StoredCustomer:
    """The account if ``password`` is its password; ``PasswordIncorrect`` or ``Throttled`` otherwise.

    For changes made inside a session (password change, deletion): a stolen session cookie must not be
    enough to guess the password at leisure.
    """
    throttle(("password_check", customer_id))
    stored = repositories.user_get(customer_id)
    if stored is None or not check_password(password, stored.password):
        raise PasswordIncorrect()
    return stored


def customer_password_change(
    *, customer_id: str, current_password: str, new_password: str, base_url: str
) -> StoredCustomer:
    """Set a new password after checking the current one; other sessions end, the caller's is refreshed,
    and every reset link not yet used stops working."""
    customer_password_check(customer_id=customer_id, password=current_password)
    stored = _password_set(customer_id, new_password)
    if stored is None:
        raise PasswordIncorrect()
    emails.email_password_changed(customer=stored.customer, base_url=base_url)
    return stored


def _password_set(customer_id: str, password: str, *, verified: bool = False) -> StoredCustomer | None:
    password_hash = make_password(password)
    # A new stamp ends every session created with the old one (see accounts.sessions).
    stamp = id_make()
    now = timezone.now()
    confirmed = {"verified": True} if verified else {}
    stored = repositories.user_update(
        customer_id,
        lambda stored: stored.evolve(password=password_hash, auth_stamp=stamp, updated_at=now, **confirmed),
    )
    if stored is not None:
        # A link mailed before this password was set must not set another one (an old e-mail read by
        # someone else, or a reset asked by whoever the customer just locked out by changing it).
        repositories.verifications_delete_for(customer_id, unused_of_kind=RESET)
    return stored
