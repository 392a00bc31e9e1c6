"""HTML rendered once and reused by every request that would render it the same way.

The pieces live in Django's cache framework under the ``fragments`` alias (``settings.CACHES``): a
local-memory cache in each worker, bounded by its MAX_ENTRIES and culled least recently used first, so a
piece costs no Redis command. A piece needs no invalidation beyond its key, which names everything it
depends on (menu version, language, path...).

A cached piece may hold forms, so it cannot keep a visitor's CSRF token: it keeps ``csrf_hole()``
instead, and ``CsrfHoleMiddleware`` writes each visitor's own token into the response. The middleware
replaces every copy of the marker in the page, so no value a visitor sends may ever come out as the
marker; otherwise a query string echoed into the page (a search box, a ``next`` field, a link) would be
handed the visitor's token. Two things make sure it cannot:

- the marker holds ``<`` and ``>``, which autoescaping, ``urlencode``, ``escapejs`` and ``json_script``
  always rewrite, so a user-supplied value echoed the ordinary way never contains it;
- it is derived from SECRET_KEY, so a visitor cannot even know it. It is the same in every worker and
  instance of a deployment, so the alias could move to a shared cache without breaking holes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

FRAGMENTS_CACHE = "fragments"


def csrf_hole() -> SafeString:
    """The marker cached HTML holds where a visitor's CSRF token goes (safe: ``{% csrf_token %}``
    must write it as it is, not escape it)."""
    return hole("csrf")


def hole(name: str) -> SafeString:
    """The marker of the per-response value ``name`` (``<>`` and a secret digest, see above): the CSRF
    token's, which the middleware fills, or one the view fills in itself (the checkout's order key)."""
    return _hole(settings.SECRET_KEY, name)


@functools.lru_cache(maxsize=16)
def _hole(secret: str, name: str) -> SafeString:
    digest = salted_hmac(f"ocipizza.fragments.{name}_hole", "hole", secret=secret).hexdigest()[:24]
    return mark_safe(f"<{name}-hole:{digest}>")  # noqa: S308 - our own constant, no user input


def fragment_key(parts: tuple) -> str:
    """The cache key of the piece named by ``parts``: a name, then everything it depends on.

    Parts are told apart by their ``repr``, so they must be values whose repr shows all they hold
    (strings, numbers, booleans, dates, dataclasses); a repr that differs for equal values only costs
    a miss. Hashed: cache keys must be short and free of spaces. The marker is hashed in too, so a
    piece rendered under another SECRET_KEY (whose holes the middleware would not see) is never served.
    So is the storage's URL generation: photo addresses through a pre-authenticated request change when
    it is renewed, and a piece must not outlive the request its photos point at (ocipizza/storage.py).
    """
    from .storage import media_url_generation

    marks = (str(csrf_hole()), media_url_generation())
    return "fragment:" + hashlib.sha256(repr((*marks, *parts)).encode()).hexdigest()


def fragment(key: tuple, render: Callable[[], str]) -> str:
    """The HTML stored under ``key`` (see ``fragment_key``), rendering and keeping it on first use."""
    cache = caches[FRAGMENTS_CACHE]
    cache_key = fragment_key(key)
    html = cache.get(cache_key)
    if html is None:
        html = render()
        cache.set(cache_key, html)
    return html


class HTMLCache(LocMemCache):
    """Django's local-memory cache, keeping values as they are instead of pickled copies.

    LocMemCache pickles so that a caller cannot change a cached value through the object it stored or
    got back. Rendered HTML is a ``str``, which cannot be changed, and copying a 50 KB menu page in and
    out of pickle on every hit cost more than the rest of the cached page's answer. Only strings are
    accepted, so nothing mutable can slip in; culling, expiry and the lock are LocMemCache's.
    """

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, _text(value), timeout)
                return True
            return False

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            self._cache.move_to_end(key, last=False)
            return self._cache[key]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, _text(value), timeout)

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("the fragments cache holds HTML, not counters")


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"the fragments cache holds rendered HTML (str), not {type(value).__name__}")
    return value
