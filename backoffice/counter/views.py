"""The counter page: the menu, the staff's counter cart and the order form, all plain POST forms.

Wrapped by ``BackofficeSite.admin_view`` with ``take_phone_orders``. The cart is the shop's
(``orders.cart``) under its own session key, and placing goes through the shop's checkout, so prices,
fees, the minimum order, opening hours and the pause are exactly the shop's.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from menu.selectors import storefront_get
from ocipizza.formatting import money
from ocipizza.pizzeria.selectors import pause_in_force
from ocipizza.ratelimit import client_ip
from orders import cart as carts
from orders.checkout import CheckoutError, checkout_key_new, delivery_quote
from orders.statuses import Fulfilment

from .. import roles
from ..sites import site
from . import services
from .forms import CounterAddForm, CounterLineForm, CounterOrderForm

PAGE = "backoffice:counter"
KEY = services.COUNTER_CART_KEY


def clock():
    """The counter's clock, by which placing judges the opening hours (tests set it)."""
    return timezone.now()


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Confira o formulário.")


def _back_to_cart():
    return redirect(reverse(PAGE) + "#pedido")


def _delivery_preview(form, pizzeria):
    """The zone for the address typed so far: ``(checked, zone)``; never an error by itself."""
    data = form.data if form.is_bound else {}
    if data.get("fulfilment", Fulfilment.DELIVERY) != Fulfilment.DELIVERY:
        return False, None
    digits = "".join(c for c in str(data.get("cep", "")) if c.isdigit())
    if len(digits) != 8:
        return False, None
    zone = pizzeria.zone_for(
        cep=digits, bairro=str(data.get("bairro", "")), cidade=str(data.get("cidade", ""))
    )
    return True, zone


def _fee_seen(request, form, pizzeria) -> bool:
    """Whether the page the staff submitted showed this address's delivery fee (as the shop asks).

    An address filled in by the CEP autofill has not been priced yet: the first submit shows the fee,
    which the staff tell the caller, and asks them to confirm.
    """
    fulfilment = Fulfilment(form.cleaned_data["fulfilment"])
    try:
        fee, _eta, _zone = delivery_quote(
            pizzeria=pizzeria, fulfilment=fulfilment, address=form.delivery_address()
        )
    except CheckoutError:
        return True  # placing reports the address problem next to the right field
    if fulfilment == Fulfilment.PICKUP or form.cleaned_data.get("quoted_fee") == fee:
        return True
    messages.info(
        request,
        _("Taxa de entrega de R$ %(fee)s: confira o total com o cliente e confirme o pedido.")
        % {"fee": money(fee)},
    )
    return False


@require_http_methods(["GET", "POST"])
def counter(request):
    menu, pizzeria = storefront_get()
    cart = carts.cart_get(session=request.session, menu=menu, pizzeria=pizzeria, key=KEY)
    now = clock()
    if request.method == "POST":
        form = CounterOrderForm(request.POST, cep_limit_key=client_ip(request))
        if pizzeria is None:
            messages.error(
                request, _("A pizzaria ainda não tem perfil (load_pizzeria): não há como lançar pedidos.")
            )
        elif cart.notices:
            # Never place a price or a cart the staff have not seen: show what changed first.
            for notice in cart.notices:
                messages.warning(request, notice)
            carts.cart_settle(session=request.session, cart=cart, key=KEY)
        elif form.is_valid() and _fee_seen(request, form, pizzeria):
            data = form.cleaned_data
            try:
                order, created = services.counter_order_place(
                    cart=cart,
                    pizzeria=pizzeria,
                    key=data["key"],
                    name=data["name"],
                    telephone=data["telephone"],
                    channel=data["channel"],
                    staff_name=roles.staff_name(request.user),
                    fulfilment=Fulfilment(data["fulfilment"]),
                    payment=data["payment"],
                    address=form.delivery_address(),
                    change_for=data.get("change_for"),
                    now=now,
                )
            except CheckoutError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                if created:
                    carts.cart_clear(session=request.session, key=KEY)
                    messages.success(
                        request, _("Pedido %(code)s lançado: já está no quadro.") % {"code": order.code}
                    )
                return redirect("backoffice:order_detail", code=order.code)
    else:
        for notice in cart.notices:
            messages.warning(request, notice)
        carts.cart_settle(session=request.session, cart=cart, key=KEY)
        form = CounterOrderForm(initial={"key": checkout_key_new()})
    return render(request, "backoffice/counter/page.html", _context(request, form, menu, pizzeria, cart, now))


def _context(request, form, menu, pizzeria, cart, now) -> dict:
    sections = [
        (section.category, [item for item in section.items if not getattr(item, "hidden", False)])
        for section in menu.sections
    ]
    context = {
        **site.each_context(request),
        "form": form,
        "sections": [(category, items) for category, items in sections if items],
        "pizzas": [
            item
            for item in menu.items
            if item.is_pizza and getattr(item, "half_and_half", True) and not getattr(item, "hidden", False)
        ],
        "cart": cart,
        "pizzeria": pizzeria,
        "line_form": CounterLineForm,
    }
    if pizzeria:
        checked, zone = _delivery_preview(form, pizzeria)
        is_open = pizzeria.is_open(now)
        context.update(
            is_open=is_open,
            next_opening=None if is_open else pizzeria.next_opening(now),
            pause=pause_in_force(pizzeria=pizzeria, now=now),
            below_minimum=bool(cart) and cart.subtotal < pizzeria.minimum_order,
            zone_checked=checked,
            zone=zone,
        )
    return context


@require_POST
def counter_add(request):
    form = CounterAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to_cart()
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
            key=KEY,
        )
    except carts.CartError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("%(name)s entrou no pedido.") % {"name": line.name})
    return _back_to_cart()


@require_POST
def counter_line(request):
    form = CounterLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to_cart()
    try:
        carts.cart_update(
            session=request.session,
            line_id=form.cleaned_data["line"],
            quantity=form.cleaned_data["quantity"],
            note=form.cleaned_data["note"],
            key=KEY,
        )
    except carts.CartError as e:
        messages.error(request, str(e))
    return _back_to_cart()


@require_POST
def counter_line_remove(request):
    try:
        carts.cart_remove(session=request.session, line_id=request.POST.get("line", "")[:20], key=KEY)
    except carts.CartError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Item retirado do pedido."))
    return _back_to_cart()


@require_POST
def counter_clear(request):
    carts.cart_clear(session=request.session, key=KEY)
    messages.success(request, _("Pedido em branco: comece de novo."))
    return redirect(PAGE)
