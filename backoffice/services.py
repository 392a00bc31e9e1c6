"""Staff accounts: signing in (rate-limited before any hashing), the second factor, creating staff."""

from __future__ import annotations

import math

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from ocipizza.ratelimit import (
    rate_limit_hit,
    rate_limit_login,
    rate_limit_login_forget,
    rate_limit_login_succeeded,
    rate_limit_reset,
)

from . import roles

DEVICE_NAME = "OCI PIZZA gestão"


class StaffAuthError(Exception):
    """Sign-in refused; ``message`` is for the person at the form."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaffThrottled(StaffAuthError):
    """Refused by a rate limit, before any password or code was checked."""


def _throttled(retry_after: int) -> StaffAuthError:
    minutes = max(1, math.ceil(retry_after / 60))
    return StaffThrottled(
        ngettext(
            "Muitas tentativas. Tente de novo em %(minutes)d minuto.",
            "Muitas tentativas. Tente de novo em %(minutes)d minutos.",
            minutes,
        )
        % {"minutes": minutes}
    )


def staff_authenticate(*, request, email: str, password: str, client_ip: str):
    """The staff user for these credentials, or ``StaffAuthError`` (the same one whatever was wrong).

    Counted before the password hasher runs, with the customers' policy (``ocipizza.ratelimit``): per
    client address, per (e-mail, client) with growing lockouts, and per e-mail with a higher ceiling that
    attempts refused earlier never reach, so a stranger guessing cannot lock a cook out of the kitchen.
    """
    email = (email or "").strip().lower()
    limit = rate_limit_login(prefix="staff_login", account=email, client=client_ip)
    if not limit.allowed:
        raise _throttled(limit.retry_after)
    user = authenticate(request, username=email, password=password)
    if user is None or roles.role_of(user) is None:
        raise StaffAuthError(_("E-mail ou senha incorretos."))
    rate_limit_login_succeeded(prefix="staff_login", account=email, client=client_ip)
    return user


def totp_device_confirmed(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_for_setup(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (made on first visit); never touches a confirmed one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def second_factor_check(*, user, token: str) -> TOTPDevice:
    """The confirmed device that accepts ``token``; enrols the pending device on its first good code."""
    limit = rate_limit_hit(scope="staff_otp", key=f"{user.pk}")
    if not limit.allowed:
        raise _throttled(limit.retry_after)
    token = "".join((token or "").split())
    confirmed = totp_device_confirmed(user)
    if confirmed is not None:
        device = verify_token(user, confirmed.persistent_id, token) if token.isdigit() else None
    else:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        device = pending if pending is not None and token.isdigit() and pending.verify_token(token) else None
        if device is not None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    if device is None:
        raise StaffAuthError(_("Código inválido. Confira o horário do celular e digite o código atual."))
    rate_limit_reset(scope="staff_otp", key=f"{user.pk}")
    return device


@transaction.atomic
def staff_create(*, email: str, password: str, role: str, name: str = ""):
    """Create a staff member (or change an existing one's role and password) in the given role."""
    if role not in roles.ROLES:
        raise ValueError(f"role must be one of {', '.join(roles.ROLES)}")
    roles.ensure_roles()
    from django.contrib.auth.models import Group

    email = email.strip().lower()
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=email, defaults={"email": email})
    user.email = email
    if name:
        user.first_name = name[:150]
    user.is_active = True
    user.set_password(password)
    user.save()
    # A new password (the staff's reset): whatever lockout a stranger caused no longer applies.
    rate_limit_login_forget(prefix="staff_login", account=email)
    user.groups.set([Group.objects.get(name=role)])
    return user, created


def staff_set_active(*, email: str, active: bool):
    """Disable (or enable again) a staff member; a disabled one is signed out on the next request."""
    user = get_user_model().objects.filter(username=email.strip().lower()).first()
    if user is None:
        raise LookupError(email)
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def totp_secret_base32(device: TOTPDevice) -> str:
    """The device's key as authenticator apps accept it typed by hand."""
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")
