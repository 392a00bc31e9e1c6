"""Django's random strings (CSRF secrets and masks, session keys) from one ``os.urandom`` call each.

``django.utils.crypto.get_random_string`` calls ``secrets.choice`` once per character, and each call
reads the OS's random source again: 32 system calls for a CSRF secret, 32 more to mask it for a page,
32 for a session key. Profiled on the anonymous menu, a new visitor's token (secret and mask) cost about
145 µs of CPU, three times a whole hello-world request. ``random_string`` draws the same distribution
(every allowed character equally likely, bytes from the same source as ``secrets``) from one read:
bytes at or above the largest multiple of the alphabet's size are dropped, so ``byte % size`` has no
bias toward the first characters. ``bytes.translate`` does the mapping and the dropping in one pass.

``install()`` (called from the app's ``ready``) points Django's CSRF and session modules at it; they
look the function up at call time, so nothing else changes.
"""

from __future__ import annotations

import functools
import os

from django.utils import crypto

RANDOM_STRING_CHARS = crypto.RANDOM_STRING_CHARS
_django_get_random_string = crypto.get_random_string


def random_string(length: int, allowed_chars: str = RANDOM_STRING_CHARS) -> str:
    table = _table(allowed_chars)
    if table is None:
        return _django_get_random_string(length, allowed_chars)
    mapping, biased = table
    chosen = b""
    while len(chosen) < length:
        # Twice the bytes needed: with 62 characters 3% are dropped, so one read nearly always suffices.
        # translate() maps each byte to its character and drops the biased ones, in C.
        chosen += os.urandom(2 * length).translate(mapping, biased)
    return chosen[:length].decode("ascii")


@functools.lru_cache(maxsize=8)
def _table(allowed_chars: str) -> tuple[bytes, bytes] | None:
    """``bytes.translate``'s table (byte -> ``allowed_chars[byte % size]``) and the bytes to drop (at or
    above the largest multiple of the size); ``None`` for alphabets it cannot serve."""
    size = len(allowed_chars)
    if not 0 < size <= 256 or not allowed_chars.isascii():
        return None
    limit = 256 - 256 % size
    mapping = bytes(ord(allowed_chars[byte % size]) for byte in range(256))
    return mapping, bytes(range(limit, 256))


def install() -> None:
    from django.contrib.sessions.backends import base as session_base
    from django.middleware import csrf

    csrf.get_random_string = random_string
    session_base.get_random_string = random_string
