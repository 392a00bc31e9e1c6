"""Menu HTML rendered once per menu version and reused by every request of the same kind.

Rendering sixteen cards with their ordering forms is most of a menu page's cost, and the result only
changes when the menu does. The pieces live in the ``fragments`` cache through ``ocipizza.fragments``
(per worker, in memory, with a hole for the CSRF token that ``CsrfHoleMiddleware`` fills per visitor).
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

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
