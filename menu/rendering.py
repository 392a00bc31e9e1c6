"""Menu HTML rendered once per menu version and reused by every request of the same kind.

Rendering sixteen cards with their ordering forms is most of a menu page's cost, and the result only
changes when the menu does. Each worker keeps a few rendered versions in memory (nothing more to fetch
from Redis). The CSRF token is the only per-visitor part: the cached HTML keeps a hole where it goes and
each request fills in its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

CSRF_HOLE = "__csrf_token_hole__"
MAX_ENTRIES = 64

_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def render_cached(*, template: str, context: dict, key: tuple | None, request=None) -> str:
    """``template`` rendered with a CSRF hole, from memory when ``key`` was rendered before.

    With ``request`` the context processors run too, so only pass one for a visitor who has nothing of
    their own on the page (see ``is_plain_visitor``).
    """
    html = _rendered.get(key) if key is not None else None
    if html is None:
        html = render_to_string(
            template, {**context, "csrf_token": CSRF_HOLE, "csrf_value": CSRF_HOLE}, request
        )
        if key is not None:
            with _lock:
                _rendered[key] = html
                while len(_rendered) > MAX_ENTRIES:
                    _rendered.popitem(last=False)
    return html


def fill_csrf(request, html: str) -> SafeString:
    # The token is letters and digits only, so it cannot break out of the attribute it fills.
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))  # noqa: S308


def is_plain_visitor(request) -> bool:
    """No session and no pending messages: nothing on the page belongs to this visitor but the token."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )
