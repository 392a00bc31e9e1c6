"""A fixed-window request counter per client, kept in the Django cache (Redis in every real deployment).

Why not django-ratelimit: it is another dependency for ~30 lines, its default answer is a 403, and it
does not tell the client when to come back; a 429 needs ``Retry-After``, which the window gives us.
A fixed window lets a client make up to twice the limit across a window boundary; for protecting a
cheap lookup from scrapers that is fine, and it costs one Redis round trip per request.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from ocipizza.middleware import UNAVAILABLE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    Only the last ``TRUSTED_PROXY_COUNT`` entries were written by proxies we run; anything to their
    left came from the client and may be forged, so it is never used.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int, now: float | None = None) -> RateLimit:
    """Count one request of ``key`` in ``scope``'s current window and say whether it may proceed.

    Fails open: when the cache is unreachable the request is allowed (and a warning logged), because
    what this protects keeps working without Redis and customers should not lose it too.
    """
    now = time.time() if now is None else now
    window_index = int(now // window)
    retry_after = max(1, math.ceil((window_index + 1) * window - now))
    cache_key = f"ratelimit:{scope}:{key}:{window_index}"
    try:
        try:
            count = cache.incr(cache_key)  # the common case: one round trip
        except ValueError:  # first request of the window, unless another worker just created it
            count = 1 if cache.add(cache_key, 1, timeout=retry_after + 1) else cache.incr(cache_key)
    except UNAVAILABLE as e:
        logger.warning("rate limit %s not enforced, the cache is unavailable: %s", scope, e)
        return RateLimit(allowed=True, count=0, limit=limit, retry_after=retry_after)
    return RateLimit(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)
