"""Staff sign-in: password, then (for managers) the TOTP second factor; sign-out by POST."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from segno import make_qr

from ocipizza.http import safe_next_url
from ocipizza.ratelimit import client_ip
from ocipizza.security_log import security_event

from . import roles, services
from .forms import SecondFactorForm, StaffLoginForm
from .sites import SIGNED_IN_KEY


def _home() -> str:
    return reverse("backoffice:home")


def _to(url_name: str, next_url: str):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': next_url})}")


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = safe_next_url(request, _home())
    if roles.role_of(request.user) is not None:
        if roles.needs_second_factor(request.user) and not request.user.is_verified():
            return _to("backoffice:second_factor", next_url)
        return redirect(next_url)
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_authenticate(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client_ip=client_ip(request),
            )
        except services.StaffAuthError as e:
            outcome = "throttled" if isinstance(e, services.StaffThrottled) else "failure"
            # What was typed is only a claim until it signs in: logged as a reference, not in clear.
            security_event("staff_login", request=request, outcome=outcome, email=form.cleaned_data["email"])
            form.add_error(None, e.message)
        else:
            security_event("staff_login", request=request, staff=user.get_username())
            auth.login(request, user)  # rotates the session key
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
            request.session[SIGNED_IN_KEY] = int(time.time())  # the absolute lifetime counts from here
            if roles.needs_second_factor(user):
                return _to("backoffice:second_factor", next_url)
            return redirect(next_url)
    return render(request, "backoffice/login.html", {"form": form, "next": next_url})


def _staff_or_login(request):
    if roles.role_of(request.user) is None:
        return redirect("backoffice:login")
    return None


def _second_factor_sign_in(request, form, next_url):
    """A good code completes the sign-in (and confirms a device being enrolled); a bad one is shown."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        device = services.second_factor_check(user=request.user, token=form.cleaned_data["token"])
    except services.StaffAuthError as e:
        outcome = "throttled" if isinstance(e, services.StaffThrottled) else "failure"
        security_event(
            "staff_second_factor", request=request, outcome=outcome, staff=request.user.get_username()
        )
        form.add_error("token", e.message)
        return None
    security_event("staff_second_factor", request=request, staff=request.user.get_username())
    otp_login(request, device)
    return redirect(next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_view(request):
    """The six-digit code from the manager's authenticator app, after the password."""
    if (refused := _staff_or_login(request)) is not None:
        return refused
    next_url = safe_next_url(request, _home())
    if services.totp_device_confirmed(request.user) is None:
        return _to("backoffice:second_factor_setup", next_url)
    form = SecondFactorForm(request.POST or None)
    if (signed_in := _second_factor_sign_in(request, form, next_url)) is not None:
        return signed_in
    return render(request, "backoffice/second_factor.html", {"form": form, "next": next_url})


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_setup_view(request):
    """First sign-in of a manager: scan the QR code, then type one code to confirm the device."""
    if (refused := _staff_or_login(request)) is not None:
        return refused
    next_url = safe_next_url(request, _home())
    if services.totp_device_confirmed(request.user) is not None:
        # Enrolling a second device needs the first one: a stolen password alone must not do it.
        return _to("backoffice:second_factor", next_url)
    device = services.totp_device_for_setup(request.user)
    form = SecondFactorForm(request.POST or None)
    if (signed_in := _second_factor_sign_in(request, form, next_url)) is not None:
        return signed_in
    secret = services.totp_secret_base32(device)
    qr = make_qr(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    context = {
        "form": form,
        "next": next_url,
        "qr": mark_safe(qr),  # noqa: S308 - segno's own SVG of our otpauth URL
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "backoffice/second_factor_setup.html", context)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        security_event("staff_logout", request=request, staff=request.user.get_username())
    auth.logout(request)
    return redirect("backoffice:login")
