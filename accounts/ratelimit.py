"""Fixed-window counters in the Django cache (Redis), checked before any password is hashed.

Written here rather than taken from django-ratelimit: its decorator keys on request attributes, while
login needs a key from the submitted e-mail, counted inside the service before the hasher runs, and a
throttled answer must look the same for known and unknown addresses. ``cache.add`` creates the window's
counter and ``cache.incr`` bumps it atomically in Redis, so concurrent attempts cannot all slip through.
A client may make up to twice the limit across a window boundary; for these limits that is fine.

Unlike the CEP lookup's limiter this one does not fail open: without Redis there are no sessions
either, so the page is a 503 anyway, and an unlimited login form is what these counters exist to stop.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    retry_after: int  # seconds until the window resets


def _cache_key(scope: str, key: str, window_index: int) -> str:
    # Hashed: keys hold e-mail addresses and IPs, which have no business sitting in Redis in clear.
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    return f"accounts:rl:{scope}:{digest}:{window_index}"


def _window(scope: str, now: float) -> tuple[int, int, int]:
    limit, window = settings.ACCOUNTS_RATE_LIMITS[scope]
    index = int(now // window)
    retry_after = max(1, math.ceil((index + 1) * window - now))
    return limit, index, retry_after


def rate_limit_hit(*, scope: str, key: str, now: float | None = None) -> RateLimit:
    """Count one attempt of ``key`` in ``scope`` (a name in ``ACCOUNTS_RATE_LIMITS``); say if it may go on."""
    now = time.time() if now is None else now
    limit, index, retry_after = _window(scope, now)
    cache_key = _cache_key(scope, key, index)
    cache.add(cache_key, 0, timeout=retry_after + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window expired between add and incr
        cache.add(cache_key, 1, timeout=retry_after + 1)
        count = 1
    return RateLimit(allowed=count <= limit, retry_after=retry_after)


def rate_limit_reset(*, scope: str, key: str, now: float | None = None) -> None:
    """Forget the attempts of the current window (after a successful login)."""
    now = time.time() if now is None else now
    index = _window(scope, now)[1]
    cache.delete(_cache_key(scope, key, index))


def client_ip(request) -> str:
    """REMOTE_ADDR, or the X-Forwarded-For entry written by the ``TRUSTED_PROXY_COUNT`` proxies we run.

    Entries further left come from the client and may be forged, so they are never used.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"
