"""Cached HTML (ocipizza/fragments.py): a visitor's CSRF token goes into the holes and nowhere else."""

import re
from urllib.parse import quote

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.template import engines
from django.test import Client

from ocipizza.fragments import FRAGMENTS_CACHE, csrf_hole
from ocipizza.middleware import CsrfHoleMiddleware

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def token_only_in_token_fields(html: str) -> str:
    """The page's CSRF token, after checking it appears in the token fields and nowhere else."""
    tokens = set(TOKEN_FIELD.findall(html))
    assert len(tokens) == 1, tokens
    token = tokens.pop()
    assert html.count(token) == len(TOKEN_FIELD.findall(html))
    return token


def typed_hole() -> str:
    """The marker as a visitor would type it: a plain string, not the SafeString templates receive."""
    return "".join(csrf_hole())


def test_the_hole_cannot_be_typed_through_autoescaping_and_changes_with_the_secret_key(settings):
    hole = typed_hole()
    assert "<" in hole and ">" in hole
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-django-checks-0123456789"
    assert typed_hole() != hole


@pytest.mark.parametrize(
    ("url", "echoed"),
    [
        ("/?q={hole}", True),  # echoed in the search box, the chips' links and the next fields
        ("/?x={hole}", False),  # the cached page of "/": a stray query string is dropped, not echoed
        ("/conta/entrar/?next=/{hole}", True),  # a next that login would redirect to
        ("/cep/?next={hole}", True),  # the footer's language form
    ],
)
@pytest.mark.parametrize("encode", [True, False], ids=["percent-encoded", "raw"])
def test_the_hole_typed_into_the_query_string_never_receives_the_token(menu_loaded, url, echoed, encode):
    hole = typed_hole()
    path, query = url.format(hole=hole).split("?", 1)
    if encode:
        query = quote(query, safe="=/&")
    for visitor in (Client(), Client()):  # the second one may be served from the cache
        response = visitor.get(path, QUERY_STRING=query)
        assert response.status_code == 200
        html = response.content.decode()
        token_only_in_token_fields(html)
        assert hole not in html
        # Echoed, but escaped; or not on the page at all.
        assert ("&lt;csrf-hole:" in html or "%3Ccsrf-hole" in html) is echoed


def test_holes_in_a_fragment_are_filled_and_echoed_values_are_not(rf):
    template = engines["django"].from_string(
        "{% load fragments %}{% fragment 'probe' %}<form>{% csrf_token %}</form>{% endfragment %}"
        "<p>{{ value }}</p><a href='?q={{ value|urlencode }}'>x</a>"
    )
    hole = typed_hole()

    def view(request):
        return HttpResponse(template.render({"value": hole}, request))

    html = CsrfHoleMiddleware(view)(rf.get("/")).content.decode()
    token_only_in_token_fields(html)
    assert "<p>&lt;csrf-hole:" in html and "?q=%3Ccsrf-hole%3A" in html


def test_the_footer_is_cached_once_whatever_the_query_string(client):
    fragments = caches[FRAGMENTS_CACHE]
    first = client.get("/cep/?a=1").content.decode()
    stored = len(fragments._cache)
    second = client.get("/cep/?a=2&b=3").content.decode()
    assert len(fragments._cache) == stored  # no new piece for another query string
    assert 'name="next" type="hidden" value="/cep/?a=1"' in first
    assert 'name="next" type="hidden" value="/cep/?a=2&amp;b=3"' in second


def test_the_fragments_cache_keeps_html_as_it_is_and_refuses_anything_else():
    from django.core.cache import caches

    cache = caches["fragments"]
    page = "<p>" + "calabresa " * 5000 + "</p>"
    cache.set("page", page)
    assert cache.get("page") is page  # no pickled copy made on every hit
    assert cache.add("page", "other") is False and cache.get("page") is page
    with pytest.raises(TypeError):
        cache.set("menu", ["a", "mutable", "list"])
    with pytest.raises(NotImplementedError):
        cache.incr("page")


def test_the_fragments_cache_forgets_the_least_recently_used_piece_first(settings):
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "fragments": {
            **settings.CACHES["fragments"],
            "LOCATION": "lru-test",
            "OPTIONS": {"MAX_ENTRIES": 3, "CULL_FREQUENCY": 3},
        },
    }
    cache = caches["fragments"]
    for name in ("a", "b", "c"):
        cache.set(name, name)
    cache.get("a")  # used again: "b" is now the least recently used
    cache.set("d", "d")
    assert cache.get("a") == "a" and cache.get("d") == "d"
    assert cache.get("b") is None
