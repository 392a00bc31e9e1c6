"""A counter that moves whenever any order is placed or changes, for screens that watch every order.

The staff's orders board asks "anything new since version N?" every few seconds; answering from one
Redis key costs one command and no store call. The counter lives in the default cache (Redis in every
real deployment). It never decides anything: a lost increment (a worker killed between the order's
write and this one) only delays a board until the next change or its periodic full refresh.
"""

from __future__ import annotations

from django.core.cache import cache

VERSION_KEY = "orders:version"


def orders_changed() -> int:
    """Move the counter on; returns the new version."""
    try:
        return cache.incr(VERSION_KEY)
    except ValueError:  # first change since Redis started, unless another worker just made the key
        return 1 if cache.add(VERSION_KEY, 1, timeout=None) else cache.incr(VERSION_KEY)


def orders_version() -> int:
    """The current version (0 before the first change)."""
    return int(cache.get(VERSION_KEY) or 0)
