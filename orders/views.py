"""Cart pages. Views stay thin: forms shape the input, ``orders.cart`` decides."""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import confirmed_customer_required, customer_required
from accounts.exceptions import Throttled
from accounts.normalize import phone_format
from accounts.selectors import customer_addresses
from menu.rendering import render_page
from menu.selectors import delivery_place_get, storefront_get
from ocipizza.cursors import BadCursor, cursor_sign, cursor_unsign
from ocipizza.formatting import money
from ocipizza.fragments import hole
from ocipizza.http import safe_next_url
from ocipizza.nosql import InvalidQuery
from ocipizza.pizzeria.selectors import closed_day_message, opening_when, pause_in_force
from ocipizza.ratelimit import client_ip, rate_limit_hit
from ocipizza.undo import undo_offer, undo_take

from . import cart as carts
from . import checkout, expiry, guests, selectors, services
from .forms import CancelForm, CartAddForm, CartLineForm, CheckoutForm, GuestCheckoutForm
from .pix import order_pix_payload, pix_qr_svg
from .statuses import LABELS, Actor, Fulfilment, Status, allowed_targets, journey
from .templatetags.cart_bar import cart_summary


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Não foi possível atualizar o carrinho.")


@require_GET
@never_cache
def cart_detail(request):
    menu, pizzeria = storefront_get()
    cart = carts.cart_get(session=carts.cart_for(request), menu=menu, pizzeria=pizzeria)
    for notice in cart.notices:
        messages.warning(request, notice)
    carts.cart_settle(session=carts.cart_for(request), cart=cart)
    # A paused shop keeps the cart but offers no way to checkout until it is back.
    pause = pause_in_force(pizzeria=pizzeria, now=clock())
    context = {"cart": cart, "pizzeria": pizzeria, "pause": pause}
    if pizzeria:
        context["below_minimum"] = cart and cart.subtotal < pizzeria.minimum_order
    key = (
        tuple(line.shown for line in cart.lines),
        cart.subtotal,
        pause,
        context.get("below_minimum"),
        pizzeria.version if pizzeria else None,
    )
    return render_page(request, "orders/cart.html", context, key=key, pizzeria=pizzeria)


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    back = safe_next_url(request, reverse("menu:home"))
    if not form.is_valid():
        return _cart_add_answer(request, back, error=_first_error(form))
    menu, pizzeria = storefront_get()
    data = form.cleaned_data
    try:
        line = carts.cart_add(
            session=carts.cart_for(request),
            menu=menu,
            pizzeria=pizzeria,
            item_slug=data["item"],
            size=data["size"] or None,
            half_slug=data["half"] or None,
            quantity=data["quantity"],
            note=data["note"],
        )
    except carts.CartError as e:
        return _cart_add_answer(request, back, error=str(e))
    message = _("%(name)s foi para o carrinho.") % {"name": line.name}
    # Without scripts the card's own "foi para o carrinho" note is the anchor: it shows by CSS (:target)
    # right under the button, where the customer is looking, instead of the message at the page's top.
    card = f"#item-{data['item']}"
    if back.endswith(card):
        back = back[: -len(card)] + f"#added-{data['item']}"
    return _cart_add_answer(request, back, message=message, menu=menu, pizzeria=pizzeria)


def _cart_add_answer(request, back, *, error="", message="", menu=None, pizzeria=None):
    """The menu's script asks for JSON (``Accept: application/json``) and confirms next to the button,
    keeping the customer's place; without scripts the form posts and comes back to ``next`` (the card)."""
    if "application/json" not in request.headers.get("Accept", ""):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return redirect(back)
    if error:
        return JsonResponse({"ok": False, "message": error}, status=400)
    summary = cart_summary(cart=carts.cart_get(session=carts.cart_for(request), menu=menu, pizzeria=pizzeria))
    return JsonResponse({"ok": True, "message": message, **summary})


@require_POST
def cart_line_update(request, line_id):
    form = CartLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            carts.cart_update(
                session=carts.cart_for(request),
                line_id=line_id,
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
            )
        except carts.CartError as e:
            messages.error(request, str(e))
    return redirect("orders:cart")


@require_POST
def cart_line_remove(request, line_id):
    cart = carts.cart_for(request)
    removed = next((line for line in carts.cart_lines(cart) if line["id"] == line_id), None)
    try:
        carts.cart_remove(session=cart, line_id=line_id)
    except carts.CartError as e:
        messages.error(request, str(e))
    else:
        undo_offer(
            request,
            kind="cart_line",
            data={k: removed.get(k) for k in ("item", "size", "half", "qty", "note")},
            url=reverse("orders:cart_line_restore"),
            message=_("Item retirado do carrinho."),
        )
    return redirect("orders:cart")


@require_POST
def cart_line_restore(request):
    """ "Desfazer" of a removal: the line comes back at today's price (the cart re-reads every price)."""
    line = undo_take(request, kind="cart_line", token=request.POST.get("token", ""))
    if line is None:
        messages.error(
            request,
            _(
                "Não dá mais para desfazer: o item saiu do carrinho há tempo demais. "
                "Adicione-o de novo pelo cardápio."
            ),
        )
        return redirect("orders:cart")
    menu, pizzeria = storefront_get()
    try:
        carts.cart_add(
            session=carts.cart_for(request),
            menu=menu,
            pizzeria=pizzeria,
            item_slug=line["item"],
            size=line["size"],
            half_slug=line["half"],
            quantity=line["qty"],
            note=line["note"] or "",
        )
    except carts.CartError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("O item voltou para o carrinho."))
    return redirect("orders:cart")


# --- checkout and orders ---------------------------------------------------------------------------


def _delivery_preview(form, pizzeria):
    """The zone for the address on the form so far: ``(checked, zone)``; never an error by itself."""
    data = form.data if form.is_bound else {}
    if data.get(form.add_prefix("fulfilment"), Fulfilment.DELIVERY) != Fulfilment.DELIVERY:
        return False, None
    choice = data.get(form.add_prefix("saved_address")) or form.fields["saved_address"].initial
    saved = next((a for a in form.addresses if a.id == choice), None)
    if saved:
        return True, pizzeria.zone_for(cep=saved.cep, bairro=saved.district, cidade=saved.city)
    digits = "".join(c for c in str(data.get(form.add_prefix("cep"), "")) if c.isdigit())
    if len(digits) != 8:
        return False, None
    zone = pizzeria.zone_for(
        cep=digits,
        bairro=str(data.get(form.add_prefix("bairro"), "")),
        cidade=str(data.get(form.add_prefix("cidade"), "")),
    )
    return True, zone


def _cart_seen(request, cart) -> bool:
    """Whether the cart is the one the submitted page showed (a signed-in customer's cart can change on
    another device meanwhile); if not, the customer is told and the page shows the cart as it is now."""
    seen = request.POST.get("cart_seen")
    if not seen or seen == carts.cart_fingerprint(cart):
        return True
    messages.warning(
        request, _("Seu carrinho mudou em outro aparelho. Confira os itens e confirme o pedido.")
    )
    return False


def _checkout_context(form, cart, pizzeria, now):
    checked, zone = _delivery_preview(form, pizzeria)
    is_open = pizzeria.is_open(now)
    return {
        "form": form,
        "cart": cart,
        "cart_seen": carts.cart_fingerprint(cart),
        "pizzeria": pizzeria,
        "is_open": is_open,
        "next_opening": None if is_open else pizzeria.next_opening(now),
        "opening_when": "" if is_open else opening_when(pizzeria=pizzeria, now=now),
        "closed_day": "" if is_open else closed_day_message(pizzeria=pizzeria, now=now),
        "pause": pause_in_force(pizzeria=pizzeria, now=now),
        "below_minimum": cart.subtotal < pizzeria.minimum_order,
        "zone_checked": checked,
        "zone": zone,
    }


def _fee_seen(request, form, pizzeria) -> bool:
    """Whether the delivery fee for this address was on the page the customer submitted.

    A new address typed with the CEP autofill has not been priced on the server yet: the first submit
    shows the fee and asks for a confirmation instead of charging it unseen.
    """
    fulfilment = Fulfilment(form.cleaned_data["fulfilment"])
    try:
        fee, _eta, _zone = checkout.delivery_quote(
            pizzeria=pizzeria, fulfilment=fulfilment, address=form.delivery_address()
        )
    except checkout.CheckoutError:
        return True  # order_place reports the address problem next to the right field
    if fulfilment == Fulfilment.PICKUP or form.cleaned_data.get("quoted_fee") == fee:
        return True
    messages.info(
        request, _("Confira a taxa de entrega de R$ %(fee)s e confirme o pedido.") % {"fee": money(fee)}
    )
    return False


def _chip_initial(request) -> dict:
    """The CEP the customer chose on the menu's "Entregar em" chip, for a new address."""
    place = delivery_place_get(session=request.session)
    return {"cep": f"{place['cep'][:5]}-{place['cep'][5:]}"} if place else {}


CHECKOUT_KEY_HOLE = "checkout-key"


def clock():
    """The shop's clock, by which checkout judges the opening hours (tests set it to the moment they need)."""
    return timezone.now()


@require_http_methods(["GET", "POST"])
@confirmed_customer_required
@never_cache
def checkout_view(request):
    menu, pizzeria = storefront_get()
    if pizzeria is None:
        messages.error(request, _("A loja ainda não está pronta para receber pedidos. Tente mais tarde."))
        return redirect("orders:cart")
    cart = carts.cart_get(session=carts.cart_for(request), menu=menu, pizzeria=pizzeria)
    now = clock()
    addresses = customer_addresses(customer=request.customer)
    if request.method == "POST":
        form = CheckoutForm(
            request.POST,
            addresses=addresses,
            cep_limit_key=client_ip(request),
            pizzeria=pizzeria,
            subtotal=cart.subtotal,
        )
        if cart.notices:
            # Never charge a price or a cart the customer has not seen: show what changed first.
            for notice in cart.notices:
                messages.warning(request, notice)
            carts.cart_settle(session=carts.cart_for(request), cart=cart)
            if not cart:
                return redirect("orders:cart")
        elif not _cart_seen(request, cart):
            pass  # changed on another device since this page was shown: show it again first
        elif form.is_valid() and _fee_seen(request, form, pizzeria):
            try:
                order, created = checkout.order_place(
                    customer=request.customer,
                    cart=cart,
                    pizzeria=pizzeria,
                    key=form.cleaned_data["key"],
                    fulfilment=Fulfilment(form.cleaned_data["fulfilment"]),
                    payment=form.cleaned_data["payment"],
                    address=form.delivery_address(),
                    change_for=form.cleaned_data.get("change_for"),
                    now=now,
                )
            except checkout.CheckoutError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                if created:
                    carts.cart_clear(session=carts.cart_for(request), cart=cart)
                    messages.success(
                        request, _("Pedido %(code)s recebido! Acompanhe aqui.") % {"code": order.code}
                    )
                return redirect("orders:order_detail", order_id=order.order_id)
    else:
        if not cart:
            messages.info(request, _("Seu carrinho está vazio."))
            return redirect("orders:cart")
        carts.cart_settle(session=carts.cart_for(request), cart=cart)
        chip = _chip_initial(request)
        form = CheckoutForm(
            initial={"key": hole(CHECKOUT_KEY_HOLE), **chip},
            addresses=addresses,
            pizzeria=pizzeria,
            subtotal=cart.subtotal,
        )
        context = _checkout_context(form, cart, pizzeria, now)
        # The page is cached whole with a hole for the order key, which every page view gets afresh:
        # a key served twice would turn a second, identical order into the first one again.
        key = (
            tuple(line.shown for line in cart.lines),
            addresses,
            chip,
            pizzeria.version,
            *(value for name, value in context.items() if name not in ("form", "cart", "pizzeria")),
        )
        response = render_page(request, "orders/checkout.html", context, key=key, pizzeria=pizzeria)
        fresh = checkout.checkout_key_new().encode()  # hex digits: safe in the attribute it fills
        response.content = response.content.replace(hole(CHECKOUT_KEY_HOLE).encode(), fresh)
        return response
    return render(request, "orders/checkout.html", _checkout_context(form, cart, pizzeria, now))


def _own_order(request, order_id):
    if not isinstance(order_id, str) or len(order_id) > 40:
        raise Http404
    order = selectors.order_get(customer_id=request.customer.id, order_id=order_id)
    if order is None:
        # Another customer's order is simply not there: 404, never 403, so ids reveal nothing.
        raise Http404
    return order


@require_GET
@customer_required
@never_cache
def order_detail(request, order_id):
    version = selectors.orders_version()
    return _order_page(request, _own_order(request, order_id), version=version)


def _progress_context(order) -> dict:
    """What the tracking timeline shows (orders/includes/order_progress.html), on the page and polled."""
    steps = journey(order.fulfilment, pix=order.is_pix)
    reached = {change.status for change in order.history}
    timeline = [
        {"status": step, "label": LABELS[step], "at": order.changed_at(step), "done": step in reached}
        for step in steps
    ]
    return {"order": order, "timeline": timeline, "status_label": LABELS[order.status]}


def _can_cancel(order) -> bool:
    return Status.CANCELED in allowed_targets(
        current=order.status, actor=Actor.CUSTOMER, fulfilment=order.fulfilment
    )


def _order_page(request, order, *, guest_token: str = "", version: int | None = None):
    """The tracking page of ``order``, whose owner check the caller made (the session's customer, or
    the signed link of a guest order: ``guest_token``, which the page's forms then use). ``version``:
    the orders' change counter read before the order was, so the page's script misses no change."""
    _menu, pizzeria = storefront_get()
    now = clock()
    progress_url = (
        reverse("orders:guest_order_progress", kwargs={"token": guest_token})
        if guest_token
        else reverse("orders:order_progress", kwargs={"order_id": order.order_id})
    )
    context = {
        **_progress_context(order),
        "can_cancel": _can_cancel(order),
        "cancel_reasons": CancelForm.REASONS,
        "progress_url": progress_url,
        "orders_version": version,
        "poll_seconds": settings.ORDER_PROGRESS_POLL_SECONDS,
        "pizzeria": pizzeria,
        "guest_token": guest_token,
    }
    if order.is_pix and order.status == Status.AWAITING_PAYMENT and pizzeria:
        if expiry.pix_expired(order, now=now):
            context["pix_expired"] = True  # the next send_outbox round cancels it and tells the customer
        else:
            expires_at = expiry.pix_expires_at(order)
            payload = order_pix_payload(order=order, pizzeria=pizzeria, expires_at=expires_at)
            context["pix_payload"] = payload
            # Drawn by the template only when the page is not in the cache: a QR code is the dearest
            # part of the page. segno's own SVG, no user input.
            context["pix_qr"] = lambda: mark_safe(pix_qr_svg(payload))  # noqa: S308
            context["pix_expires_at"] = expires_at
    # The order's stored version moves with every change to it; the PIX code and its deadline come
    # from the order, and whether it has expired from the clock.
    key = (
        order.order_id,
        order.version,
        order.updated_at,
        guest_token,
        version,
        context.get("pix_expired", False),
        settings.ORDER_PROGRESS_POLL_SECONDS,
        pizzeria.version if pizzeria else None,
    )
    return render_page(request, "orders/order_detail.html", context, key=key, pizzeria=pizzeria)


def _progress_answer(request, order, *, version: int):
    """The timeline fragment the tracking page's script swaps in, with what the script needs to know in
    headers: the counter's version to ask with next, the status, whether the order can still be
    cancelled, and whether it is over (no more asking)."""
    response = render(request, "orders/includes/order_progress.html", _progress_context(order))
    response["X-Orders-Version"] = str(version)
    response["X-Order-Status"] = str(order.status)
    response["X-Order-Can-Cancel"] = "1" if _can_cancel(order) else "0"
    response["X-Order-Final"] = "1" if order.is_final else "0"
    response["X-Order-Updated"] = dateformat.format(order.updated_at, "U.u")  # as the page's data-updated
    return response


def _unchanged(request, version: int) -> bool:
    """Whether no order changed since the version the page's script last saw (one Redis read)."""
    return request.GET.get("versao") == str(version)


@require_GET
@customer_required
@never_cache
def order_progress(request, order_id):
    """Polled by the tracking page: 204 while no order changed, else the timeline of the customer's own
    order (the owner check runs before anything about the order is answered)."""
    version = selectors.orders_version()
    if _unchanged(request, version):
        return HttpResponse(status=204)
    return _progress_answer(request, _own_order(request, order_id), version=version)


ORDERS_PER_PAGE = 10


@require_GET
@customer_required
@never_cache
def order_list(request):
    salt = f"orders.list.{request.customer.id}"  # a cursor only works in its owner's listing
    status = 200
    try:
        after = cursor_unsign(request.GET.get("depois"), salt=salt)
        page = selectors.orders_of_customer(
            customer_id=request.customer.id, limit=ORDERS_PER_PAGE, after=after
        )
    except (BadCursor, InvalidQuery):
        # A forged, tampered or outdated link: say so with a 400, and show the newest orders.
        status = 400
        messages.error(
            request, _("Esse link de páginas de pedidos não vale mais; mostrando os mais recentes.")
        )
        page = selectors.orders_of_customer(customer_id=request.customer.id, limit=ORDERS_PER_PAGE)
    rows = [(order, LABELS[order.status]) for order in page]
    context = {"rows": rows, "next_page": cursor_sign(page.continuation, salt=salt)}
    return render(request, "orders/order_list.html", context, status=status)


def _cancel(request, order) -> None:
    """Cancel on the customer's word, with the reason the form asked for; a flash message says how it went."""
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return
    try:
        services.order_cancel_by_customer(
            customer_id=order.customer_id,
            order_id=order.order_id,
            now=timezone.now(),
            reason=form.reason_text(),
        )
        messages.success(request, _("Pedido cancelado."))
    except services.OrderChangeError as e:
        messages.error(request, e.message)


@require_POST
@customer_required
def order_cancel(request, order_id):
    _cancel(request, _own_order(request, order_id))
    return redirect("orders:order_detail", order_id=order_id)


@require_POST
@customer_required
def order_reorder(request, order_id):
    order = _own_order(request, order_id)
    menu, pizzeria = storefront_get()
    cart = carts.cart_for(request)
    notices = services.order_reorder(order=order, session=cart, menu=menu, pizzeria=pizzeria)
    for notice in notices:
        messages.warning(request, notice)
    messages.success(
        request, _("Os itens do pedido %(code)s voltaram para o carrinho.") % {"code": order.code}
    )
    return redirect("orders:cart")


# --- ordering without an account ("pedir sem cadastro") ------------------------------------------------


GUEST_CONTACT_KEY = "guest_contact"


def _guest_contact(request) -> dict:
    """The name, mobile and e-mail of this browser's last order without an account, if any."""
    contact = request.session.get(GUEST_CONTACT_KEY)
    if not isinstance(contact, dict):
        return {}
    initial = {name: contact.get(name) for name in ("name", "telephone", "email")}
    if initial["telephone"]:
        initial["telephone"] = phone_format(initial["telephone"])
    return {name: value for name, value in initial.items() if isinstance(value, str) and value}


@require_http_methods(["GET", "POST"])
@never_cache
def guest_checkout(request):
    """Checkout for a visitor: name, mobile and e-mail instead of an account; the order is then followed
    through the signed link this page goes to and the e-mail sends."""
    if request.customer.is_authenticated:
        return redirect("orders:checkout")
    menu, pizzeria = storefront_get()
    if pizzeria is None:
        messages.error(request, _("A loja ainda não está pronta para receber pedidos. Tente mais tarde."))
        return redirect("orders:cart")
    cart = carts.cart_get(session=request.session, menu=menu, pizzeria=pizzeria)
    now = clock()
    status = 200
    if request.method == "POST":
        form = GuestCheckoutForm(
            request.POST, cep_limit_key=client_ip(request), pizzeria=pizzeria, subtotal=cart.subtotal
        )
        if cart.notices:
            for notice in cart.notices:
                messages.warning(request, notice)
            carts.cart_settle(session=request.session, cart=cart)
            if not cart:
                return redirect("orders:cart")
        elif not _cart_seen(request, cart):
            pass  # changed in another tab since this page was shown
        elif form.is_valid() and _fee_seen(request, form, pizzeria):
            # Per client, as sign-ups are; the order caps count per e-mail address in order_place.
            limit = rate_limit_hit(scope="guest_order_ip", key=client_ip(request))
            if not limit.allowed:
                form.add_error(None, Throttled(limit.retry_after).message)
                status = 429
            else:
                data = form.cleaned_data
                try:
                    order, created = checkout.order_place(
                        customer=guests.guest_customer(
                            name=data["name"], email=data["email"], telephone=data["telephone"]
                        ),
                        cart=cart,
                        pizzeria=pizzeria,
                        key=data["key"],
                        fulfilment=Fulfilment(data["fulfilment"]),
                        payment=data["payment"],
                        address=form.delivery_address(),
                        now=now,
                    )
                except checkout.CheckoutError as e:
                    form.add_error(e.field if e.field in form.fields else None, e.message)
                else:
                    if created:
                        carts.cart_clear(session=request.session)
                        # The next order from this browser starts with the same contact details.
                        request.session[GUEST_CONTACT_KEY] = {
                            name: str(data[name]) for name in ("name", "telephone", "email")
                        }
                        messages.success(
                            request,
                            _("Pedido %(code)s recebido! Enviamos o link para acompanhá-lo para %(email)s.")
                            % {"code": order.code, "email": data["email"]},
                        )
                    return redirect(guests.guest_link_path(order))
    else:
        if not cart:
            messages.info(request, _("Seu carrinho está vazio."))
            return redirect("orders:cart")
        carts.cart_settle(session=request.session, cart=cart)
        form = GuestCheckoutForm(
            initial={"key": checkout.checkout_key_new(), **_chip_initial(request), **_guest_contact(request)},
            pizzeria=pizzeria,
            subtotal=cart.subtotal,
        )
    context = {**_checkout_context(form, cart, pizzeria, now), "guest": True}
    return render(request, "orders/checkout.html", context, status=status)


def _guest_link_invalid(request, reason: str):
    message = (
        _("Este link de acompanhamento expirou. Procure o pedido pelo código falando com a pizzaria.")
        if reason == "expired"
        else _("Este link de acompanhamento não vale. Confira se copiou o endereço inteiro do e-mail.")
    )
    return render(request, "orders/guest_link_invalid.html", {"message": message}, status=404)


@require_GET
@never_cache
def guest_order(request, token):
    """A guest's tracking page; the signed link is the owner check (it names this one order)."""
    version = selectors.orders_version()
    try:
        order = guests.guest_order_by_link(token=token)
    except guests.GuestLinkInvalid as e:
        return _guest_link_invalid(request, str(e))
    return _order_page(request, order, guest_token=token, version=version)


def _guest_link_signed(token) -> bool:
    """Whether the tracking link carries our signature (no store read: the 204 answer's check)."""
    try:
        signing.loads(token, salt=guests.LINK_SALT, max_age=guests.LINK_MAX_AGE)
    except signing.BadSignature:
        return False
    return isinstance(token, str) and len(token) <= 300


@require_GET
@never_cache
def guest_order_progress(request, token):
    """The guest tracking page's poll: the link's signature is checked first, even for a 204."""
    version = selectors.orders_version()
    if _unchanged(request, version) and _guest_link_signed(token):
        return HttpResponse(status=204)
    try:
        order = guests.guest_order_by_link(token=token)
    except guests.GuestLinkInvalid:
        raise Http404 from None
    return _progress_answer(request, order, version=version)


@require_POST
def guest_order_cancel(request, token):
    try:
        order = guests.guest_order_by_link(token=token)
    except guests.GuestLinkInvalid as e:
        return _guest_link_invalid(request, str(e))
    _cancel(request, order)
    return redirect("orders:guest_order", token=token)
