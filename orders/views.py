"""Cart pages. Views stay thin: forms shape the input, ``orders.cart`` decides."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import cart as carts
from .forms import CartAddForm, CartLineForm
from .selectors import storefront_get


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Não foi possível atualizar o carrinho.")


@require_GET
def cart_detail(request):
    menu, pizzeria = storefront_get()
    cart = carts.cart_get(session=request.session, menu=menu, pizzeria=pizzeria)
    for notice in cart.notices:
        messages.warning(request, notice)
    carts.cart_settle(session=request.session, cart=cart)
    context = {"cart": cart, "pizzeria": pizzeria}
    if pizzeria:
        context["below_minimum"] = cart and cart.subtotal < pizzeria.minimum_order
    return render(request, "orders/cart.html", context)


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    back = _safe_next(request, reverse("menu:home"))
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    menu, pizzeria = storefront_get()
    data = form.cleaned_data
    try:
        line = carts.cart_add(
            session=request.session,
            menu=menu,
            pizzeria=pizzeria,
            item_slug=data["item"],
            size=data["size"] or None,
            half_slug=data["half"] or None,
            quantity=data["quantity"],
            note=data["note"],
        )
    except carts.CartError as e:
        messages.error(request, str(e))
        return redirect(back)
    messages.success(request, _("%(name)s foi para o carrinho.") % {"name": line.name})
    return redirect(back)


@require_POST
def cart_line_update(request, line_id):
    form = CartLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            carts.cart_update(
                session=request.session,
                line_id=line_id,
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
            )
        except carts.CartError as e:
            messages.error(request, str(e))
    return redirect("orders:cart")


@require_POST
def cart_line_remove(request, line_id):
    try:
        carts.cart_remove(session=request.session, line_id=line_id)
        messages.success(request, _("Item retirado do carrinho."))
    except carts.CartError as e:
        messages.error(request, str(e))
    return redirect("orders:cart")
