"""Sessions in the cache (Redis) that fail loudly when Redis cannot be reached.

Django's cache session store reads the session inside ``except Exception: session_data = None``: with
Redis down it answers an empty session, ``SessionMiddleware`` then sees a cookie for an empty session and
deletes it, and the visitor's cart and login are orphaned although Redis still holds them. Here a
connection error propagates instead; ``ocipizza.middleware`` turns it into the 503 page, and the cookie
is left alone because the session was never read as empty.

Writing a changed session costs one command, not two: Django's store reads the session back first, to
notice one deleted meanwhile (signed out on another device), then writes it. Redis's ``SET ... XX``
writes only a key that still exists, in one command and with no gap between the check and the write.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django_redis.cache import RedisCache

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

    def save(self, must_create=False):
        if self.session_key is None or must_create or not isinstance(self._cache, RedisCache):
            return super().save(must_create=must_create)
        data = self._get_session(no_load=False)
        if not self._cache.set(self.cache_key, data, self.get_expiry_age(), xx=True):
            raise UpdateError  # deleted meanwhile: SessionMiddleware answers as Django's store would
