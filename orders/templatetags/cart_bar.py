"""``{% cart_bar %}``: the phone's bottom bar on the menu ("2 itens · Ver carrinho · R$ 74,99").

Per visitor, so it stays out of cached pieces; a visitor without a session gets the same hidden bar,
which the menu's whole-page cache may hold and the add-to-cart script fills in (see ``cart_summary``).
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ocipizza.templatetags.ocipizza import brl

from .. import cart as carts

register = template.Library()


def cart_summary(*, cart: carts.Cart) -> dict[str, object]:
    """What the header badge and the bottom bar say about ``cart`` (also the add-to-cart JSON answer)."""
    count = cart.count
    return {
        "count": count,
        "badge_label": ngettext("%(counter)s item no carrinho", "%(counter)s itens no carrinho", count)
        % {"counter": count},
        "count_text": ngettext("%(count)s item", "%(count)s itens", count) % {"count": count},
        "bar_text": _("Ver carrinho · %(total)s") % {"total": brl(cart.subtotal)},
    }


def bar_cart(request, *, menu, pizzeria) -> carts.Cart | None:
    """The cart the bar shows: the request's, priced; ``None`` when it has no lines (the bar is hidden).
    The menu's whole-page cache key is made of it too, so a cached page has the bar it would render."""
    shop_cart = carts.cart_for(request)
    if not carts.cart_lines(shop_cart):
        return None
    return carts.cart_get(session=shop_cart, menu=menu, pizzeria=pizzeria)


@register.inclusion_tag("orders/includes/cart_bar.html", takes_context=True)
def cart_bar(context):
    request, menu = context.get("request"), context.get("menu")
    summary = {"count": 0, "count_text": "", "bar_text": ""}
    if request is not None and hasattr(request, "session") and menu is not None:
        cart = bar_cart(request, menu=menu, pizzeria=context.get("pizzeria"))
        if cart is not None:
            summary = cart_summary(cart=cart)
    return summary
