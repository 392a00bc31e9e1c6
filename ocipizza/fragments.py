"""HTML rendered once and reused by every request that would render it the same way.

A cached piece of HTML may hold forms, so it cannot keep a visitor's CSRF token: it keeps ``CSRF_HOLE``
instead, and ``CsrfHoleMiddleware`` writes each visitor's own token into the response. Each worker keeps
its pieces in memory, bounded, so they cost no Redis command and need no invalidation beyond their key
(which names everything they depend on: menu version, language, path...).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

CSRF_HOLE = "__csrf_token_hole__"
MAX_ENTRIES = 512

_pieces: OrderedDict[Hashable, str] = OrderedDict()
_lock = threading.Lock()


def fragment(key: Hashable, render: Callable[[], str]) -> str:
    """The HTML stored under ``key``, rendering (and keeping) it on first use."""
    html = _pieces.get(key)
    if html is None:
        html = render()
        with _lock:
            _pieces[key] = html
            while len(_pieces) > MAX_ENTRIES:
                _pieces.popitem(last=False)
    return html


def forget_all() -> None:
    with _lock:
        _pieces.clear()
