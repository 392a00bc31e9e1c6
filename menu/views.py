import unicodedata

from django.shortcuts import render
from django.utils import timezone

from orders.selectors import storefront_get

from .rendering import menu_sections_html

MAX_SEARCH = 60


def _folded(text: str) -> str:
    """Lower case without accents, so "acai" finds "açaí" and "agua" finds "Água"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def home(request):
    """The menu by category; ``?categoria=`` and ``?q=`` filter it without JavaScript."""
    menu, pizzeria = storefront_get()
    category = request.GET.get("categoria", "")
    query = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_SEARCH]
    sections = menu.sections
    if category:
        sections = tuple(s for s in sections if s.category.slug == category)
    if query:
        needle = _folded(query)
        filtered = []
        for section in sections:
            items = tuple(i for i in section.items if needle in _folded(f"{i.name} {i.description}"))
            if items:
                filtered.append((section, items))
        sections = tuple(type(section)(section.category, items) for section, items in filtered)
    now = timezone.now()
    # Only the fixed views (whole menu, one category) are worth caching; searches are rendered afresh.
    known_category = not category or any(c.slug == category for c in menu.categories)
    next_path = request.path + (f"?categoria={category}" if category and known_category else "")
    sections_html = menu_sections_html(
        request=request,
        menu=menu,
        sections=sections,
        pizzas=tuple(i for i in menu.items if i.is_pizza and i.available),
        next_path=next_path if not query else request.get_full_path(),
        cacheable=known_category and not query,
    )
    context = {
        "menu": menu,
        "sections": sections,
        "sections_html": sections_html,
        "category": category,
        "query": query,
        "pizzeria": pizzeria,
        "is_open": pizzeria.is_open(now) if pizzeria else True,
        "next_opening": pizzeria.next_opening(now) if pizzeria else None,
    }
    return render(request, "menu/home.html", context)
