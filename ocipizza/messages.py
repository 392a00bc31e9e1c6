"""Flash messages in the session, keeping only the newest few.

A message waits in the session until a page shows it. A client that posts and never follows the
redirect (a script, a load test) would otherwise grow its session by one message a request without
bound: Redis memory, and a session read and written whole on every request after. No page shows more
than a handful at once, so the oldest are dropped first.
"""

from __future__ import annotations

from django.contrib.messages.storage.session import SessionStorage

MESSAGES_KEPT = 10


class BoundedSessionStorage(SessionStorage):
    def _store(self, messages, response, *args, **kwargs):
        return super()._store(list(messages)[-MESSAGES_KEPT:], response, *args, **kwargs)
