"""The menu's cards, rendered once per menu version, language and filter, then reused by every request.

Rendering sixteen cards with their ordering forms is most of a menu page's cost, and the result only
changes when the menu does. Each worker keeps a few rendered versions in memory (nothing more to fetch
from Redis); the per-visitor CSRF token is written into a hole left in the cached HTML.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

CSRF_HOLE = "__csrf_token_hole__"
MAX_ENTRIES = 32

_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def menu_sections_html(*, request, menu, sections, pizzas, next_path: str, cacheable: bool) -> SafeString:
    """The cards of ``sections``; cached when ``cacheable`` (the page is one of a few fixed filters)."""
    key = (menu.version, translation.get_language(), next_path)
    html = _rendered.get(key) if cacheable else None
    if html is None:
        html = render_to_string(
            "menu/includes/sections.html",
            {"sections": sections, "pizzas": pizzas, "csrf_value": CSRF_HOLE, "next_path": next_path},
        )
        if cacheable:
            with _lock:
                _rendered[key] = html
                while len(_rendered) > MAX_ENTRIES:
                    _rendered.popitem(last=False)
    # The token is letters and digits only, so it cannot break out of the attribute it fills.
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))  # noqa: S308
