"""Everything that changes a customer account. Views call these; they never touch the store.

Answers that could tell a visitor whether an address has an account (sign-up, login, password reset)
take the same path, the same number of password hashes and the same number of e-mails either way.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import replace

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ocipizza.nosql import ConditionFailed, Row
from ocipizza.ratelimit import rate_limit_hit, rate_limit_reset

from . import emails, repositories
from .entities import Address, Customer, Verification
from .normalize import email_key, email_normalize, phone_normalize
from .repositories import StoredCustomer
from .tokens import id_make, id_well_formed, token_hash, token_make, token_well_formed

logger = logging.getLogger(__name__)

CONFIRM = "confirm"
RESET = "reset"
CONFIRM_VALIDITY = dt.timedelta(days=1)
RESET_VALIDITY = dt.timedelta(hours=1)
MAX_ADDRESSES = 10


# --- errors the views show ----------------------------------------------------------------------------


class AccountError(Exception):
    """A refusal whose message is for the customer (pt-BR, translated)."""

    def __init__(self, message: str = ""):
        super().__init__(message or self.default_message())

    def default_message(self) -> str:
        return _("Não foi possível concluir a operação.")

    @property
    def message(self) -> str:
        return str(self)


class Throttled(AccountError):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__()

    def default_message(self):
        minutes = max(1, math.ceil(self.retry_after / 60))
        return ngettext(
            "Muitas tentativas. Espere %(minutes)s minuto e tente de novo.",
            "Muitas tentativas. Espere %(minutes)s minutos e tente de novo.",
            minutes,
        ) % {"minutes": minutes}


class InvalidCredentials(AccountError):
    def default_message(self):
        return _("E-mail ou senha incorretos.")


class AccountDisabled(AccountError):
    def default_message(self):
        return _("Esta conta está desativada. Fale com a pizzaria para reativá-la.")


class PasswordIncorrect(AccountError):
    def default_message(self):
        return _("Senha incorreta.")


class TokenInvalid(AccountError):
    """A link that cannot be used; ``reason`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str, kind: str):
        self.reason = reason
        self.kind = kind
        super().__init__()

    def default_message(self):
        if self.reason == "expired":
            if self.kind == RESET:
                return _("Este link de redefinição de senha expirou (vale por 1 hora). Peça um novo.")
            return _("Este link de confirmação expirou (vale por 24 horas). Peça um novo em Minha conta.")
        if self.reason == "used":
            if self.kind == RESET:
                return _("Este link de redefinição de senha já foi usado. Se precisar, peça um novo.")
            return _("Este link de confirmação já foi usado.")
        if self.kind == RESET:
            return _(
                "Este link de redefinição de senha é inválido. Confira se copiou o endereço inteiro "
                "ou peça um novo."
            )
        return _("Este link de confirmação é inválido. Confira se copiou o endereço inteiro ou peça um novo.")


class AddressLimit(AccountError):
    def default_message(self):
        return _("Você já tem %(count)s endereços salvos. Exclua um para adicionar outro.") % {
            "count": MAX_ADDRESSES
        }


# --- sign-up and confirmation ---------------------------------------------------------------------------


def _claimed(key: str) -> tuple[Row | None, StoredCustomer | None]:
    """The claim on an address and the account it points to (``None`` for a dead claim)."""
    claim = repositories.claim_get(key)
    if claim is None:
        return None, None
    return claim, repositories.user_get(claim["user_id"])


def _throttle(*attempts: tuple[str, str]) -> None:
    """Count one attempt for each (scope, key) in turn; ``Throttled`` at the first one over its limit."""
    for scope, key in attempts:
        limit = rate_limit_hit(scope=scope, key=key)
        if not limit.allowed:
            raise Throttled(limit.retry_after)


def customer_register(
    *, name: str, email: str, telephone: str, password: str, base_url: str, privacy_version: str
) -> Customer | None:
    """Create an unconfirmed account and mail its confirmation link; return it.

    When the address already has an account nothing is created, its owner is mailed instead and
    ``None`` is returned: views must answer exactly the same either way. Concurrent sign-ups with one
    address make one account (the ``user_email`` claim is written with ``if_absent``).
    """
    name = " ".join(name.split())
    email = email_normalize(email)
    key = email_key(email)
    telephone = phone_normalize(telephone)
    # Hash first, on every path, so that a taken address answers no faster than a new one.
    password_hash = make_password(password)
    now = timezone.now()
    claim, existing = _claimed(key)
    if existing is not None:
        _signup_existing(existing.customer, key, base_url)
        return None
    customer_id = id_make()
    # The row goes first and the claim second: a crash in between leaves an unreachable row that
    # purge_unconfirmed removes, never a claim that blocks the address. A claim whose row is gone
    # (an interrupted deletion) is taken over with if_version.
    repositories.user_insert(
        {
            "id": customer_id,
            "name": name,
            "email": email,
            "password": password_hash,
            "telephone": telephone,
            "verified": False,
            "active": True,
            "auth_stamp": id_make(),
            "addresses": [],
            "privacy_version": privacy_version,
            "privacy_accepted_at": now,
            "created_at": now,
            "updated_at": now,
        }
    )
    try:
        repositories.claim_put(key, customer_id, now, over=claim.version if claim is not None else None)
    except ConditionFailed:
        repositories.user_delete(customer_id)  # lost the race; the row was never reachable
        existing = _claimed(key)[1]
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
    _throttle(("resend_confirmation", customer.id))
    _confirmation_issue(customer, base_url, timezone.now())


def verification_check(
    *, customer_id: str, token: str, kind: str
) -> tuple[Verification, Row, StoredCustomer]:
    """The unused, unexpired token of ``kind`` for this customer, or ``TokenInvalid`` saying why.

    A token for another account, for another address than the account's current one, or of the
    other kind is simply invalid: the message never says whose it was.
    """
    if not token_well_formed(token) or not id_well_formed(customer_id):
        raise TokenInvalid("invalid", kind)
    found = repositories.verification_get(token_hash(token))
    if found is None:
        raise TokenInvalid("invalid", kind)
    verification, row = found
    if verification.kind != kind or verification.customer_id != customer_id:
        raise TokenInvalid("invalid", kind)
    stored = repositories.user_get(customer_id)
    if stored is None or email_key(stored.customer.email) != email_key(verification.email):
        raise TokenInvalid("invalid", kind)
    if verification.used_at is not None:
        raise TokenInvalid("used", kind)
    if verification.expires_at <= timezone.now():
        raise TokenInvalid("expired", kind)
    return verification, row, stored


def _token_use(row: Row, kind: str) -> None:
    try:
        repositories.verification_mark_used(row, timezone.now())
    except ConditionFailed:
        raise TokenInvalid("used", kind) from None  # another request used it first


def customer_email_confirm(*, customer_id: str, token: str) -> Customer:
    """Use a confirmation token once and mark the account's address as confirmed."""
    _verification, row, stored = verification_check(customer_id=customer_id, token=token, kind=CONFIRM)
    _token_use(row, CONFIRM)
    if stored.customer.verified:
        return stored.customer
    updated = repositories.user_update(
        customer_id, lambda v: {**v, "verified": True, "updated_at": timezone.now()}
    )
    if updated is None:
        raise TokenInvalid("invalid", CONFIRM)
    return updated.customer


# --- login ------------------------------------------------------------------------------------------------


def customer_authenticate(*, email: str, password: str, client_ip: str) -> StoredCustomer:
    """The account for these credentials, or ``Throttled`` / ``InvalidCredentials`` / ``AccountDisabled``.

    Rate limits are counted first, per address and per client, so a throttled attempt never reaches the
    hasher. An unknown address costs one hash, like a known one, and gets the same refusal.
    """
    key = email_key(email)
    _throttle(("login_ip", client_ip), ("login_account", key))
    stored = _claimed(key)[1]
    if stored is None:
        make_password(password)  # the cost of a check, so the answer does not come back faster
        raise InvalidCredentials()

    def upgrade(raw_password):
        # The hasher's parameters changed since this hash was made: store a fresh hash.
        new_hash = make_password(raw_password)
        repositories.user_update(stored.customer.id, lambda v: {**v, "password": new_hash})

    if not check_password(password, stored.password, setter=upgrade):
        raise InvalidCredentials()
    if not stored.customer.active:
        raise AccountDisabled()
    rate_limit_reset(scope="login_account", key=key)
    now = timezone.now()
    updated = repositories.user_update(stored.customer.id, lambda v: {**v, "last_login": now})
    return updated or stored


# --- password reset and change -----------------------------------------------------------------------------


def password_reset_request(*, email: str, client_ip: str, base_url: str) -> None:
    """Mail a 1-hour reset link, or, for an address without an account, a note saying so.

    One e-mail either way (as django-allauth does), so neither the answer nor its timing tells a visitor
    whether the address has an account. ``Throttled`` per client and per address: the limits count every
    address alike, so they reveal nothing either.
    """
    email = email_normalize(email)
    key = email_key(email)
    _throttle(("reset_ip", client_ip), ("reset_email", key))
    stored = _claimed(key)[1]
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
    """Use a reset token once and set the new password; every session of the account ends.

    Following the link proved the customer reads this mailbox, so the address counts as confirmed.
    """
    row = verification_check(customer_id=customer_id, token=token, kind=RESET)[1]
    _token_use(row, RESET)
    stored = _password_set(customer_id, password, verified=True)
    if stored is None:
        raise TokenInvalid("invalid", RESET)
    emails.email_password_changed(customer=stored.customer, base_url=base_url)
    return stored.customer


def customer_password_check(*, customer_id: str, password: str) -> StoredCustomer:
    """The account if ``password`` is its password; ``PasswordIncorrect`` or ``Throttled`` otherwise.

    For changes made inside a session (password change, deletion): a stolen session cookie must not be
    enough to guess the password at leisure.
    """
    _throttle(("password_check", customer_id))
    stored = repositories.user_get(customer_id)
    if stored is None or not check_password(password, stored.password):
        raise PasswordIncorrect()
    return stored


def customer_password_change(
    *, customer_id: str, current_password: str, new_password: str, base_url: str
) -> StoredCustomer:
    """Set a new password after checking the current one; other sessions end, the caller's is refreshed."""
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

    def change(values):
        values.update(password=password_hash, auth_stamp=stamp, updated_at=now)
        if verified:
            values["verified"] = True
        return values

    return repositories.user_update(customer_id, change)


# --- profile and addresses ------------------------------------------------------------------------------


def customer_profile_update(*, customer_id: str, name: str, telephone: str) -> Customer:
    name = " ".join(name.split())
    telephone = phone_normalize(telephone)
    stored = repositories.user_update(
        customer_id, lambda v: {**v, "name": name, "telephone": telephone, "updated_at": timezone.now()}
    )
    if stored is None:
        raise AccountError()
    return stored.customer


def customer_address_save(*, customer_id: str, address: Address) -> Address:
    """Add ``address`` (an empty ``id`` makes a new one) or replace the saved one with its id."""
    saved = address if address.id else replace(address, id=id_make())
    row = repositories.address_row(saved)

    def change(values):
        addresses = [a for a in (values["addresses"] or []) if isinstance(a, dict)]
        for index, current in enumerate(addresses):
            if current.get("id") == saved.id:
                addresses[index] = row
                break
        else:
            if address.id:
                raise AccountError(_("Este endereço não existe mais."))
            if len(addresses) >= MAX_ADDRESSES:
                raise AddressLimit()
            addresses.append(row)
        return {**values, "addresses": addresses, "updated_at": timezone.now()}

    if repositories.user_update(customer_id, change) is None:
        raise AccountError()
    return saved


def customer_address_delete(*, customer_id: str, address_id: str) -> None:
    def change(values):
        addresses = [a for a in (values["addresses"] or []) if isinstance(a, dict)]
        kept = [a for a in addresses if a.get("id") != address_id]
        if len(kept) == len(addresses):
            return None
        return {**values, "addresses": kept, "updated_at": timezone.now()}

    repositories.user_update(customer_id, change)


# --- deletion (LGPD) and operators ----------------------------------------------------------------------


def customer_delete(*, customer_id: str, notify: bool = True) -> bool:
    """Delete the account and its personal data; return whether there was one.

    Order matters and every step can be repeated: first ``ACCOUNTS_DELETION_HOOKS`` (each called as
    ``hook(customer=...)``; e.g. orders anonymises the customer's past orders, moving them out of the
    ``user.order`` child table into an archive without name, phone or address). If a hook raises,
    nothing else is deleted and the customer can try again. Then the tokens, the user row (with its
    addresses) and last the e-mail claim, so a crash never leaves personal data without a way back to
    it; a claim left behind is taken over by the next sign-up with that address.
    """
    stored = repositories.user_get(customer_id)
    if stored is None:
        return False
    customer = stored.customer
    for path in settings.ACCOUNTS_DELETION_HOOKS:
        import_string(path)(customer=customer)
    repositories.verifications_delete_for(customer_id)
    repositories.user_delete(customer_id)
    repositories.claim_release(email_key(customer.email), customer_id)
    if notify:
        emails.email_account_deleted(customer=customer)
    logger.info("customer %s deleted", customer_id)
    return True


def customer_delete_confirmed(*, customer_id: str, password: str) -> None:
    """The customer's own deletion, confirmed by the password."""
    customer_password_check(customer_id=customer_id, password=password)
    customer_delete(customer_id=customer_id)


def customer_set_active(*, customer_id: str, active: bool) -> Customer:
    """Disable (every session ends, login refused) or enable an account."""

    def change(values):
        if values["active"] is not False and active:
            return None
        values.update(active=active, updated_at=timezone.now())
        if not active:
            values["auth_stamp"] = id_make()
        return values

    stored = repositories.user_update(customer_id, change)
    if stored is None:
        raise AccountError(_("Esta conta não existe."))
    return stored.customer
