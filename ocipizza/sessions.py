"""Sessions in the cache (Redis) that fail loudly when Redis cannot be reached.

Django's cache session store reads the session inside ``except Exception: session_data = None``: with
Redis down it answers an empty session, ``SessionMiddleware`` then sees a cookie for an empty session and
deletes it, and the visitor's cart and login are orphaned although Redis still holds them. Here a
connection error propagates instead; ``ocipizza.middleware`` turns it into the 503 page, and the cookie
is left alone because the session was never read as empty.
"""

from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore

from .middleware import UNAVAILABLE


class SessionStore(CacheSessionStore):
    def load(self):
        try:
            session_data = self._cache.get(self.cache_key)
        except UNAVAILABLE:
            raise
        except Exception:
            # Django's reason for the catch-all: some caches raise on keys they cannot store. That
            # session is gone, as Django decides; an unreachable Redis is not.
            session_data = None
        if session_data is not None:
            return session_data
        self._session_key = None
        return {}
