"""Deleting an account (LGPD), and the operators' disabling and enabling of accounts."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .. import emails, repositories
from ..entities import Customer, StoredCustomer
from ..exceptions import AccountError
from ..normalize import email_key
from ..tokens import id_make
from .passwords import customer_password_check

logger = logging.getLogger(__name__)


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

    def change(stored: StoredCustomer) -> StoredCustomer | None:
        if stored.customer.active and active:
            return None
        # Disabling writes a new auth stamp, which ends every session of the account.
        new_stamp = {} if active else {"auth_stamp": id_make()}
        return stored.evolve(active=active, updated_at=timezone.now(), **new_stamp)

    stored = repositories.user_update(customer_id, change)
    if stored is None:
        raise AccountError(_("Esta conta não existe."))
    return stored.customer
