"""Fixed-window request counters in the Django cache (Redis), and the client address they are keyed on.

One policy for every scope; what differs per scope is in ``settings.RATE_LIMITS`` (limit and window)
or said by the call site (``fail_open``):

- **Keys** are hashed: they hold e-mail addresses and client IPs, which have no business sitting in
  Redis in clear. ``ratelimit:<scope>:<sha256 of scope and key>:<window number>``.
- **Windows** are fixed and aligned to the epoch, so ``retry_after`` is the time left in the current
  one (the ``Retry-After`` a 429 sends). A client may make up to twice the limit across a window
  boundary; for these limits that is fine, and a hit costs one Redis round trip (``incr``; the first
  hit of a window also an ``add``). ``incr`` is atomic in Redis, so concurrent attempts cannot all
  slip through.
- **Redis down**: ``fail_open=False`` (the default) lets the cache error propagate, and the page is a
  503 (``ServiceUnavailableMiddleware``). That is right for login, password reset and sign-up: without
  Redis there are no sessions either, so those pages cannot work anyway, and an unlimited login form
  is exactly what the counters exist to stop. ``fail_open=True`` allows the request and logs a warning:
  for the public CEP API, which keeps working without Redis and whose users should not lose it too.

Why not a library (as of django-ratelimit 4.1, django-fast-ratelimit 9.1, limits 5.8):

- django-ratelimit builds every key from a request (``key(group, request)``), has no call to reset a
  counter (the login counter is reset after a successful login; its cache key comes from the private
  ``_make_cache_key``), and its Redis-down policy is one global ``RATELIMIT_FAIL_OPEN`` that only
  applies when the cache returns ``None``: django-redis raises instead, and ``get_usage`` catches
  only ``socket.gaierror``, so neither policy would hold per scope. Its decorator answers 403.
- django-fast-ratelimit takes static keys and can reset, but starting a window is a ``get``, a
  ``delete_many`` and an ``add`` in separate round trips (3-4 per hit), so two workers starting the
  same window can erase each other's counts, and its ``end`` is "now + window", not the window's real
  end, which would make ``Retry-After`` wrong.
- limits has no Django cache storage: it talks to Redis by its own URI or redis-py pool, outside
  ``CACHES`` (key prefix, timeouts, the test settings that swap the cache), and puts identifiers in
  its keys in clear.

The login limiter counts inside the service, before any password is hashed, keyed on the submitted
e-mail, and answers alike for known and unknown addresses: ``rate_limit_hit`` is a plain function of
(scope, key) for exactly that.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .middleware import UNAVAILABLE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    retry_after: int  # seconds until the window resets


def _cache_key(scope: str, key: str, window_index: int) -> str:
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{window_index}"


def _window(scope: str, now: float) -> tuple[int, int, int]:
    """(limit, window number, seconds left in it) for ``scope`` at ``now``."""
    limit, window = settings.RATE_LIMITS[scope]
    index = int(now // window)
    retry_after = max(1, math.ceil((index + 1) * window - now))
    return limit, index, retry_after


def rate_limit_hit(*, scope: str, key: str, fail_open: bool = False, now: float | None = None) -> RateLimit:
    """Count one attempt of ``key`` in ``scope`` (a name in ``RATE_LIMITS``); say whether it may go on.

    Without Redis: the cache error propagates (a 503), or with ``fail_open`` the attempt is allowed.
    """
    now = time.time() if now is None else now
    limit, index, retry_after = _window(scope, now)
    cache_key = _cache_key(scope, key, index)
    try:
        try:
            count = cache.incr(cache_key)  # the common case: one round trip
        except ValueError:  # first attempt of the window, unless another worker just created it
            count = 1 if cache.add(cache_key, 1, timeout=retry_after + 1) else cache.incr(cache_key)
    except UNAVAILABLE as e:
        if not fail_open:
            raise
        logger.warning("rate limit %s not enforced, the cache is unavailable: %s", scope, e)
        return RateLimit(allowed=True, retry_after=retry_after)
    return RateLimit(allowed=count <= limit, retry_after=retry_after)


def rate_limit_reset(*, scope: str, key: str, now: float | None = None) -> None:
    """Forget the attempts of the current window (after a successful login)."""
    now = time.time() if now is None else now
    cache.delete(_cache_key(scope, key, _window(scope, now)[1]))


def client_ip(request) -> str:
    """REMOTE_ADDR, or the X-Forwarded-For entry written by the ``TRUSTED_PROXY_COUNT`` proxies we run.

    Only the last ``TRUSTED_PROXY_COUNT`` entries were written by proxies we run; anything to their left
    came from the client and may be forged, so it is never used.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"
