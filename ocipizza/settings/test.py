"""Tests: fast hashing, local memory mail, everything else as in base (the suite sets stores per test)."""

from .base import *  # noqa: F403
from .base import VAR_DIR, cache_settings, env

DEBUG = False
SECRET_KEY = "test-secret-key-that-is-long-enough-for-django-checks-0123456789"
# Fast hashing for the many tests that only need a customer; tests about hashing itself are marked
# ``argon2`` and hash with production's list (see the root conftest's password_hasher fixture).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Tests always run against a real Redis (the test command starts one when it is missing).
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES, SESSION_ENGINE = cache_settings(REDIS_URL, VAR_DIR)
# Every /readyz request checks the store afresh: tests change it between requests.
READYZ_STORE_CACHE_SECONDS = 0
# Every read checks Redis, as with several instances: tests change the menu and read it at once, and
# swap the cache between tests. The trust window has its own test (ocipizza/tests/test_localcopy.py).
LOCALCOPY_TRUST_SECONDS = 0
