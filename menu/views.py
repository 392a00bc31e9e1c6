from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from ocipizza.http import safe_next_url
from ocipizza.pizzeria.selectors import closed_day_message, opening_when, pause_in_force
from ocipizza.ratelimit import client_ip

from . import search, services
from .rendering import is_plain_visitor, render_cached, visitor_key
from .selectors import storefront_get

MAX_SEARCH = 60


def clock():
    """The menu's clock, by which the opening hours and a pause are judged (tests set it)."""
    return timezone.now()


@require_safe
def home(request):
    """The menu by category; ``?categoria=`` and ``?q=`` filter it without JavaScript."""
    menu, pizzeria = storefront_get()
    category = request.GET.get("categoria", "")
    query = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_SEARCH]
    sections = menu.sections
    found_elsewhere = 0
    if query:
        # A search covers the whole menu; with a category chosen too, the page says which one it
        # searched and how many more the rest of the menu has.
        words = search.query_words(query)
        sections = tuple(
            type(section)(section.category, items)
            for section in sections
            if (items := tuple(i for i in section.items if search.matches(i, words)))
        )
    if category:
        in_category = tuple(s for s in sections if s.category.slug == category)
        found_elsewhere = sum(len(s.items) for s in sections) - sum(len(s.items) for s in in_category)
        sections = in_category
    now = clock()
    is_open = pizzeria.is_open(now) if pizzeria else True
    next_opening = pizzeria.next_opening(now) if pizzeria else None
    # "abrimos hoje às 11:30": said relative to today, so it is part of the page key below.
    when = opening_when(pizzeria=pizzeria, now=now) if pizzeria and not is_open else ""
    # A holiday names itself ("Hoje estamos fechados: Natal."); part of the page key like the hours.
    closed_day = closed_day_message(pizzeria=pizzeria, now=now) if pizzeria and not is_open else ""
    # A pause with an end drops out of the page key by itself once it is over: nobody has to act.
    pause = pause_in_force(pizzeria=pizzeria, now=now)
    # Only the fixed views (whole menu, one category) are worth caching; searches are rendered afresh.
    cacheable = not query and (not category or any(c.slug == category for c in menu.categories))
    # The cached views come back to their canonical address, so stray query strings (tracking tags)
    # neither take cache slots nor reach the page.
    next_path = (
        _path_without_half(request)
        if not cacheable
        else request.path + (f"?categoria={category}" if category else "")
    )
    language = translation.get_language()
    # The half-and-half picker says which price is charged: the pizzeria's rule (see orders.cart).
    half_rule = pizzeria.half_and_half_rule if pizzeria else "max"
    halves = tuple(i for i in menu.items if i.is_pizza and not i.sold_out and i.half_and_half)
    # Listing every other pizza in every card made the page grow with the square of the menu. The
    # cards carry a link instead; a script fills the list in from one copy at the end of the page, and
    # without scripts the link comes back here with ?meio=<slug>, which lists it in that card only.
    # Only a real half's slug counts, so the cached variants stay one per pizza.
    meio = request.GET.get("meio", "")
    shown = {i.slug for s in sections for i in s.items} & {i.slug for i in halves}
    half_open = meio if meio in shown else ""
    half_link = next_path + ("&" if "?" in next_path else "?") + "meio="
    cards = render_cached(
        template="menu/includes/sections.html",
        context={
            "sections": sections,
            "pizzas": halves,
            "next_path": next_path,
            "half_rule": half_rule,
            "half_open": half_open,
            "half_link": half_link,
            # The page-level list only where some card on it can be half of a pizza.
            "half_list": bool(shown),
        },
        key=("cards", menu.version, language, next_path, half_rule, half_open) if cacheable else None,
    )
    context = {
        "menu": menu,
        "sections": sections,
        "sections_html": mark_safe(cards),  # noqa: S308 - rendered from our template above
        "category": category,
        "category_name": next((c.name for c in menu.categories if c.slug == category), ""),
        "query": query,
        "found": sum(len(s.items) for s in sections),
        "found_elsewhere": found_elsewhere,
        "pizzeria": pizzeria,
        "is_open": is_open,
        "next_opening": next_opening,
        "opening_when": when,
        "closed_day": closed_day,
        "pause": pause,
        "next_path": next_path,
        # The language form's "next": the canonical address, so a stray query string of whoever
        # rendered the cached page first is not handed to every later visitor.
        "page_path": next_path,
    }
    # The same page for every visitor in the same state: cached whole, with holes for the CSRF token.
    # Visitors without a session (most of them) have no cart, chip or messages; for the others the key
    # names what the page shows of them (header, chip and the cart bar), and messages skip the cache.
    visitor = None
    if cacheable:
        visitor = () if is_plain_visitor(request) else visitor_key(request, pizzeria=pizzeria)
    if visitor is None:
        page = render_cached(template="menu/home.html", context=context, key=None, request=request)
        return HttpResponse(page)
    if visitor:
        visitor += (_cart_bar_state(request, menu, pizzeria),)
    # The profile's stored version covers all the page takes from it (the footer's contacts, the
    # half-and-half rule); the pause lives in a row of its own and is named on its own.
    profile = (pizzeria.version, pizzeria.phone, pizzeria.whatsapp, half_rule) if pizzeria else None
    key = (
        "page",
        menu.version,
        language,
        next_path,
        is_open,
        next_opening,
        when,
        closed_day,
        pause,
        profile,
        half_open,
        visitor,
    )
    return HttpResponse(render_cached(template="menu/home.html", context=context, key=key, request=request))


def _cart_bar_state(request, menu, pizzeria) -> tuple:
    """What the bottom cart bar shows (``orders.templatetags.cart_bar``): item count and subtotal."""
    from orders.templatetags.cart_bar import bar_cart  # orders builds on menu, as the template loads it

    cart = bar_cart(request, menu=menu, pizzeria=pizzeria)
    return () if cart is None else (cart.count, cart.subtotal)


def _path_without_half(request) -> str:
    """The address asked for, less ``meio``: the picker's own link must not pile up in later links."""
    if "meio" not in request.GET:
        return request.get_full_path()
    params = request.GET.copy()
    del params["meio"]
    return request.path + (f"?{params.urlencode()}" if params else "")


@require_POST
def delivery_place(request):
    """The "Entregar em" chip: remember the visitor's CEP (or forget it) and go back where they were."""
    back = safe_next_url(request, reverse("menu:home"))
    if "limpar" in request.POST:
        services.delivery_place_clear(session=request.session)
        return redirect(back)
    try:
        services.delivery_place_set(
            session=request.session, cep=request.POST.get("cep", ""), limit_key=client_ip(request)
        )
    except services.DeliveryPlaceError as e:
        messages.error(request, str(e))
    return redirect(back)
