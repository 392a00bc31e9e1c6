"""Account pages: thin views over ``services`` and ``selectors``.

Pages that show personal data or carry a token are ``never_cache``; password fields are hidden from
error reports with ``sensitive_post_parameters``.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ocipizza.http import safe_next_url
from ocipizza.ratelimit import client_ip, rate_limit_hit
from ocipizza.security_log import security_event
from ocipizza.undo import undo_offer, undo_take

from . import selectors, services
from .decorators import customer_required
from .entities import Address
from .forms import (
    AddressForm,
    DeleteAccountForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from .sessions import session_login, session_logout, session_refresh

PASSWORDS = ("password", "password1", "password2", "current_password")
SIGNUP_EMAIL_KEY = "accounts_signup_email"


def _base_url(request) -> str:
    # SITE_URL, when set, keeps a forged Host header out of the links we e-mail.
    return settings.SITE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


def _link_invalid(request, error: services.TokenInvalid):
    """The page for a confirmation or reset link that is unknown, expired or used (``error`` says which)."""
    return render(
        request, "accounts/link_invalid.html", {"message": error.message, "kind": error.kind}, status=400
    )


# A link's token is in its address only for the first request (as in Django's PasswordResetConfirmView):
# it moves into the session and the browser goes on at the same address with URL_TOKEN in its place, so
# access logs, Referer headers and history of the pages that use the token hold no link.
CONFIRM_TOKEN_KEY = "accounts_confirm_token"  # noqa: S105 - session keys, not secrets
RESET_TOKEN_KEY = "accounts_reset_token"  # noqa: S105
URL_TOKEN = "link"  # noqa: S105 - never a real token: those are 43 characters


def _token_in_session(request, *, uid: str, token: str, kind: str, session_key: str, url_name: str):
    """``(token, None)`` to go on with, or ``(token, redirect)`` for a GET of the e-mailed address.

    That GET checks the token first (``TokenInvalid``: the 400 page, and no session made for it). At the
    token-free address the token comes from the session: "" when it is not there (another browser, or
    the session ended), which is an invalid link.
    """
    if token == URL_TOKEN:
        stored_uid, stored = request.session.get(session_key, ("", ""))
        return (stored if stored_uid == uid else ""), None
    if request.method != "GET":
        return token, None  # no page of ours posts to the e-mailed address; a script may, using it up
    services.verification_check(customer_id=uid, token=token, kind=kind)
    request.session[session_key] = (uid, token)
    return token, redirect(url_name, uid=uid, token=URL_TOKEN)


# --- sign-up and confirmation ---------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters(*PASSWORDS)
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.customer.is_authenticated:
        return redirect("accounts:home")
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        # Fails closed, like the login and reset limits: without Redis there is no session either.
        limit = rate_limit_hit(scope="signup_ip", key=client_ip(request))
        if limit.allowed:
            data = form.cleaned_data
            # The same page whether or not the address already has an account (its owner is mailed).
            customer = services.customer_register(
                name=data["name"],
                email=data["email"],
                telephone=data["telephone"],
                password=data["password1"],
                base_url=_base_url(request),
                privacy_version=settings.PRIVACY_NOTICE_VERSION,
            )
            # A new account is signed in at once (checkout still waits for the confirmed address). A
            # taken address is not: whoever typed it has not proved the password. That difference is
            # the price of not making a new customer log in; signup_ip bounds how fast it can be probed.
            stored = services.customer_for_session(customer_id=customer.id) if customer else None
            if stored is not None:
                security_event("login", request=request, customer=customer.id, via="signup")
                session_login(request=request, stored=stored)
            request.session[SIGNUP_EMAIL_KEY] = data["email"]
            return redirect("accounts:signup_done")
        form.add_error(None, services.Throttled(limit.retry_after).message)
        status = 429
    return render(request, "accounts/signup.html", {"form": form}, status=status)


@never_cache
@require_GET
def signup_done(request):
    return render(request, "accounts/signup_done.html", {"email": request.session.get(SIGNUP_EMAIL_KEY, "")})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request, uid, token):
    """GET shows a button and POST uses the token: mail scanners that open links must not use them up."""
    try:
        token, moved = _token_in_session(
            request,
            uid=uid,
            token=token,
            kind=services.CONFIRM,
            session_key=CONFIRM_TOKEN_KEY,
            url_name="accounts:confirm_email",
        )
        if moved:
            return moved
        if request.method == "POST":
            customer = services.customer_email_confirm(customer_id=uid, token=token)
        else:
            services.verification_check(customer_id=uid, token=token, kind=services.CONFIRM)
            return render(request, "accounts/confirm_email.html")
    except services.TokenInvalid as e:
        return _link_invalid(request, e)
    request.session.pop(SIGNUP_EMAIL_KEY, None)
    request.session.pop(CONFIRM_TOKEN_KEY, None)
    messages.success(request, _("E-mail confirmado! Agora você já pode fazer pedidos."))
    if request.customer.is_authenticated and request.customer.id == customer.id:
        return redirect("accounts:home")
    return redirect("accounts:login")


@require_POST
@customer_required
def confirmation_resend(request):
    try:
        services.customer_confirmation_resend(customer=request.customer, base_url=_base_url(request))
    except services.Throttled as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("Enviamos um novo link de confirmação para %(email)s.") % {"email": request.customer.email},
        )
    return redirect("accounts:home")


# --- login and logout ------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters(*PASSWORDS)
@require_http_methods(["GET", "POST"])
def login(request):
    next_url = safe_next_url(request, "")  # empty: the menu, and no hidden "next" field on the form
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.customer_authenticate(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client_ip=client_ip(request),
            )
        except services.Throttled as e:
            security_event("login", request=request, outcome="throttled", email=form.cleaned_data["email"])
            form.add_error(None, e.message)
            status = 429
        except services.AccountError as e:
            outcome = "disabled" if isinstance(e, services.AccountDisabled) else "failure"
            security_event("login", request=request, outcome=outcome, email=form.cleaned_data["email"])
            form.add_error(None, e.message)
        else:
            security_event("login", request=request, customer=stored.customer.id)
            session_login(request=request, stored=stored)
            messages.success(request, _("Olá, %(name)s!") % {"name": stored.customer.first_name})
            return redirect(next_url or "menu:home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout(request):
    if request.customer.is_authenticated:
        security_event("logout", request=request, customer=request.customer.id)
    session_logout(request=request)
    messages.info(request, _("Você saiu da sua conta."))
    return redirect("menu:home")


@require_POST
@customer_required
def logout_everywhere(request):
    """Every session of the account ends, this one too: the button is for a phone lost or a computer
    left signed in elsewhere, and whoever presses it may be on a device they do not trust either."""
    services.customer_sessions_end_all(customer_id=request.customer.id)
    security_event("logout_everywhere", request=request, customer=request.customer.id)
    session_logout(request=request)
    messages.info(request, _("Você saiu da sua conta em todos os aparelhos."))
    return redirect("menu:home")


# --- password reset ---------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"], client_ip=client_ip(request), base_url=_base_url(request)
            )
        except services.Throttled as e:
            security_event(
                "password_reset_requested",
                request=request,
                outcome="throttled",
                email=form.cleaned_data["email"],
            )
            form.add_error(None, e.message)
            status = 429
        else:
            security_event("password_reset_requested", request=request, email=form.cleaned_data["email"])
            return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@require_GET
def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


@never_cache
@sensitive_post_parameters(*PASSWORDS)
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uid, token):
    try:
        token, moved = _token_in_session(
            request,
            uid=uid,
            token=token,
            kind=services.RESET,
            session_key=RESET_TOKEN_KEY,
            url_name="accounts:password_reset_confirm",
        )
        if moved:
            return moved
        _verification, customer = services.verification_check(
            customer_id=uid, token=token, kind=services.RESET
        )
    except services.TokenInvalid as e:
        return _link_invalid(request, e)
    form = SetPasswordForm(request.POST or None, name=customer.name, email=customer.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_complete(
                customer_id=uid,
                token=token,
                password=form.cleaned_data["password1"],
                base_url=_base_url(request),
            )
        except services.TokenInvalid as e:
            security_event(
                "password_reset_used",
                request=request,
                outcome="invalid",
                customer=customer.id,
                reason=e.reason,
            )
            return _link_invalid(request, e)
        security_event("password_reset_used", request=request, customer=customer.id)
        request.session.pop(RESET_TOKEN_KEY, None)
        messages.success(request, _("Senha redefinida. Entre com a nova senha."))
        return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


# --- the account pages --------------------------------------------------------------------------------------


@never_cache
@require_GET
@customer_required
def home(request):
    return render(
        request,
        "accounts/home.html",
        {"customer": request.customer, "addresses": selectors.customer_addresses(customer=request.customer)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required
def profile(request):
    customer = request.customer
    form = ProfileForm(
        request.POST or None, initial={"name": customer.name, "telephone": customer.telephone_display}
    )
    if request.method == "POST" and form.is_valid():
        services.customer_profile_update(
            customer_id=customer.id, name=form.cleaned_data["name"], telephone=form.cleaned_data["telephone"]
        )
        messages.success(request, _("Dados atualizados."))
        return redirect("accounts:home")
    return render(request, "accounts/profile.html", {"form": form})


@never_cache
@require_GET
@customer_required
def addresses(request):
    return render(
        request,
        "accounts/addresses.html",
        {"addresses": selectors.customer_addresses(customer=request.customer)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required
def address_edit(request, address_id=None):
    current = None
    if address_id is not None:
        current = selectors.customer_address_get(customer=request.customer, address_id=address_id)
        if current is None:
            raise Http404
    initial = AddressForm.initial_from(current) if current else {"label": _("Casa")}
    form = AddressForm(request.POST or None, initial=initial, cep_limit_key=client_ip(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_address_save(
                customer_id=request.customer.id, address=form.address(current.id if current else "")
            )
        except services.AccountError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("Endereço salvo."))
            return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": current})


@require_POST
@customer_required
def address_delete(request, address_id):
    address = selectors.customer_address_get(customer=request.customer, address_id=address_id)
    services.customer_address_delete(customer_id=request.customer.id, address_id=address_id)
    if address is None:
        messages.success(request, _("Endereço excluído."))
    else:
        undo_offer(
            request,
            kind="address",
            data=dataclasses.asdict(address),
            url=reverse("accounts:address_restore"),
            message=_("Endereço excluído."),
        )
    return redirect("accounts:addresses")


@require_POST
@customer_required
def address_restore(request):
    """ "Desfazer" of a deletion: the address is saved again, as it was."""
    data = undo_take(request, kind="address", token=request.POST.get("token", ""))
    if data is None:
        messages.error(
            request,
            _(
                "Não dá mais para desfazer: o endereço foi excluído há tempo demais. "
                "Cadastre-o de novo em Adicionar endereço."
            ),
        )
        return redirect("accounts:addresses")
    try:
        services.customer_address_save(customer_id=request.customer.id, address=Address(**{**data, "id": ""}))
    except services.AccountError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Endereço recuperado."))
    return redirect("accounts:addresses")


@never_cache
@sensitive_post_parameters(*PASSWORDS)
@require_http_methods(["GET", "POST"])
@customer_required
def password_change(request):
    customer = request.customer
    form = PasswordChangeForm(request.POST or None, name=customer.name, email=customer.email)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.customer_password_change(
                customer_id=customer.id,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["password1"],
                base_url=_base_url(request),
            )
        except services.Throttled as e:
            security_event("password_changed", request=request, outcome="throttled", customer=customer.id)
            form.add_error(None, e.message)
            status = 429
        except services.PasswordIncorrect as e:
            security_event("password_changed", request=request, outcome="failure", customer=customer.id)
            form.add_error("current_password", e.message)
        else:
            security_event("password_changed", request=request, customer=customer.id)
            session_refresh(request=request, stored=stored)
            messages.success(request, _("Senha alterada. As outras sessões da sua conta foram encerradas."))
            return redirect("accounts:home")
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters(*PASSWORDS)
@require_http_methods(["GET", "POST"])
@customer_required
def delete(request):
    form = DeleteAccountForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_delete_confirmed(
                customer_id=request.customer.id, password=form.cleaned_data["password"]
            )
        except services.Throttled as e:
            security_event(
                "account_deleted", request=request, outcome="throttled", customer=request.customer.id
            )
            form.add_error(None, e.message)
            status = 429
        except services.PasswordIncorrect as e:
            security_event(
                "account_deleted", request=request, outcome="failure", customer=request.customer.id
            )
            form.add_error("password", e.message)
        except services.AccountError as e:  # e.g. an order in the kitchen still needs the address
            form.add_error(None, e.message)
        else:
            security_event("account_deleted", request=request, customer=request.customer.id)
            session_logout(request=request)
            messages.success(request, _("Sua conta e seus dados pessoais foram excluídos."))
            return redirect("menu:home")
    notices = [
        notice
        for path in settings.ACCOUNTS_DELETION_NOTICES
        for notice in import_string(path)(customer=request.customer)
    ]
    return render(request, "accounts/delete.html", {"form": form, "notices": notices}, status=status)


@require_GET
def privacy(request):
    return render(
        request,
        "accounts/privacy.html",
        {"version": settings.PRIVACY_NOTICE_VERSION, "contact_email": settings.PRIVACY_CONTACT_EMAIL},
    )
