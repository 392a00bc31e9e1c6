"""The e-mails customers receive; each one goes through the outbox (``ocipizza.mail``)."""

from __future__ import annotations

from django.urls import reverse

from ocipizza.mail import mail_enqueue

from .entities import Customer


def _link(base_url: str, name: str, **kwargs) -> str:
    return base_url.rstrip("/") + reverse(name, kwargs=kwargs or None)


def email_confirmation(*, customer: Customer, token: str, base_url: str) -> str:
    return mail_enqueue(
        to=customer.email,
        template="confirm_email",
        context={
            "name": customer.first_name,
            "link": _link(base_url, "accounts:confirm_email", uid=customer.id, token=token),
        },
    )


def email_signup_existing(*, customer: Customer, base_url: str) -> str:
    """Someone tried to sign up with an address that has an account: tell its owner, not the visitor."""
    return mail_enqueue(
        to=customer.email,
        template="signup_existing",
        context={
            "name": customer.first_name,
            "login_link": _link(base_url, "accounts:login"),
            "reset_link": _link(base_url, "accounts:password_reset"),
        },
    )


def email_password_reset(*, customer: Customer, token: str, base_url: str) -> str:
    return mail_enqueue(
        to=customer.email,
        template="password_reset",
        context={
            "name": customer.first_name,
            "link": _link(base_url, "accounts:password_reset_confirm", uid=customer.id, token=token),
        },
    )


def email_password_reset_unknown(*, email: str, base_url: str) -> str:
    """A reset was asked for an address without an account: say so to that mailbox (and only there)."""
    return mail_enqueue(
        to=email,
        template="password_reset_unknown",
        context={"email": email, "signup_link": _link(base_url, "accounts:signup")},
    )


def email_password_changed(*, customer: Customer, base_url: str) -> str:
    return mail_enqueue(
        to=customer.email,
        template="password_changed",
        context={"name": customer.first_name, "reset_link": _link(base_url, "accounts:password_reset")},
    )


def email_account_deleted(*, customer: Customer) -> str:
    return mail_enqueue(to=customer.email, template="account_deleted", context={"name": customer.first_name})
