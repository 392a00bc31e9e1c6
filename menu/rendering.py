"""HTML rendered once and reused by every request that would render it the same way.

Rendering sixteen cards with their ordering forms is most of a menu page's cost, and the result only
changes when the menu does; the page around them, the cart page and an order's tracking page only change
with what their keys name. The pieces live in the ``fragments`` cache through ``ocipizza.fragments`` (per
worker, in memory, with a hole for the CSRF token that ``CsrfHoleMiddleware`` fills per visitor).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ocipizza.fragments import csrf_hole, fragment


def render_cached(*, template: str, context: dict, key: tuple | None, request=None) -> str:
    """``template`` rendered with a CSRF hole, from the cache when ``key`` was rendered before.

    ``key`` is a tuple naming everything the page depends on (see ``ocipizza.fragments.fragment_key``);
    ``None`` renders afresh without keeping the result.

    With ``request`` the context processors run too, so only pass one for a visitor who has nothing of
    their own on the page (see ``is_plain_visitor``).
    """

    def render():
        return render_to_string(template, {**context, "csrf_token": csrf_hole()}, request)

    return render() if key is None else fragment(key, render)


def is_plain_visitor(request) -> bool:
    """No session, hence no cart and no pending messages (MESSAGE_STORAGE keeps them in the session):
    nothing on the page belongs to this visitor but the token."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def visitor_key(request, *, pizzeria) -> tuple | None:
    """All a page's shared parts show of a visitor who has a session, as part of a whole-page cache key;
    ``None`` when messages are waiting, which a page shows once: then it is rendered afresh.

    The header shows whether the visitor is signed in and the cart badge's count; the delivery chip the
    chosen CEP with its zone's fee and time. Both come from the same functions their templates call, so
    a page cached under this key is the page the visitor would get. Nothing else of the visitor (no
    name, no address) is on a page that uses it; a page that shows more names it in its own key.
    """
    from orders.cart import cart_count, cart_for  # orders builds on menu; the tags load it the same way

    from .selectors import delivery_estimate

    shop_cart = cart_for(request)  # may leave a message (a cart merged at sign-in): before the check
    if len(messages.get_messages(request)):
        return None
    customer = getattr(request, "customer", None)
    return (
        bool(customer is not None and customer.is_authenticated),
        cart_count(shop_cart),
        delivery_estimate(session=request.session, pizzeria=pizzeria),
    )


def render_page(request, template: str, context: dict, *, key: tuple, pizzeria) -> HttpResponse:
    """A customer page cached whole: ``key`` names everything the view put in ``context`` (the caller's
    duty), to which this adds the language, the time zone and what the page shows of the visitor
    (``visitor_key``); with messages waiting it is rendered afresh.

    The language form's ``next`` is the page's path without its query string (``page_path``), so one
    visitor's query string never reaches another's page.
    """
    context = {"page_path": request.path, **context}
    visitor = visitor_key(request, pizzeria=pizzeria)
    if visitor is not None:
        zone = timezone.get_current_timezone_name()
        key = ("page", template, *key, translation.get_language(), zone, visitor)
    else:
        key = None
    return HttpResponse(render_cached(template=template, context=context, key=key, request=request))
