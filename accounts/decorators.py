"""Decorators for pages only customers may see: ``customer_required``, ``confirmed_customer_required``."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def customer_required(view):
    """Send visitors who are not logged in to the login page, coming back here afterwards."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.customer.is_authenticated:
            messages.info(request, _("Entre na sua conta para continuar."))
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        return view(request, *args, **kwargs)

    return wrapper


def confirmed_customer_required(view):
    """Like ``customer_required``, and the e-mail must be confirmed (e.g. to place an order).

    An unconfirmed customer goes to their account page, which offers to resend the link, and is told why.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        customer = request.customer
        if not customer.is_authenticated:
            messages.info(request, _("Entre na sua conta para continuar."))
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        if not customer.verified:
            messages.warning(
                request,
                _(
                    "Para fazer pedidos, confirme seu e-mail: enviamos um link para %(email)s. "
                    "Não chegou? Peça outro aqui."
                )
                % {"email": customer.email},
            )
            return redirect("accounts:home")
        return view(request, *args, **kwargs)

    return wrapper
