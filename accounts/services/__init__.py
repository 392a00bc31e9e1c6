"""Everything that changes a customer account. Views call these; they never touch the store.

Answers that could tell a visitor whether an address has an account (sign-up, login, password reset)
take the same path, the same number of password hashes and the same number of e-mails either way.

One module per flow (``signup``, ``login``, ``passwords``, ``profile``, ``deletion``), all re-exported
here: callers write ``from accounts import services`` and ``services.customer_register(...)``.
"""

from ..entities import CONFIRM, MAX_ADDRESSES, RESET
from ..exceptions import (
    AccountDisabled,
    AccountError,
    AddressLimit,
    InvalidCredentials,
    PasswordIncorrect,
    Throttled,
    TokenInvalid,
)
from ._shared import verification_check
from .cart import UNCHANGED, customer_cart_update
from .deletion import customer_delete, customer_delete_confirmed, customer_set_active
from .login import customer_authenticate, customer_for_session, customer_sessions_end_all
from .passwords import (
    RESET_VALIDITY,
    customer_password_change,
    customer_password_check,
    password_reset_complete,
    password_reset_request,
)
from .profile import customer_address_delete, customer_address_save, customer_profile_update
from .reindex import customer_ids_all, customer_search_rebuild
from .signup import CONFIRM_VALIDITY, customer_confirmation_resend, customer_email_confirm, customer_register

__all__ = [
    "CONFIRM",
    "CONFIRM_VALIDITY",
    "MAX_ADDRESSES",
    "RESET",
    "RESET_VALIDITY",
    "UNCHANGED",
    "AccountDisabled",
    "AccountError",
    "AddressLimit",
    "InvalidCredentials",
    "PasswordIncorrect",
    "Throttled",
    "TokenInvalid",
    "customer_address_delete",
    "customer_address_save",
    "customer_authenticate",
    "customer_cart_update",
    "customer_confirmation_resend",
    "customer_delete",
    "customer_delete_confirmed",
    "customer_email_confirm",
    "customer_for_session",
    "customer_ids_all",
    "customer_password_change",
    "customer_password_check",
    "customer_profile_update",
    "customer_register",
    "customer_search_rebuild",
    "customer_sessions_end_all",
    "customer_set_active",
    "password_reset_complete",
    "password_reset_request",
    "verification_check",
]
