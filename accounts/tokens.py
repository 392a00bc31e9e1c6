"""Single-use links: a random token goes into the e-mail, only its SHA-256 goes into the store.

Unlike Django's ``PasswordResetTokenGenerator`` (an HMAC over the user's state, valid until that state
changes) these tokens are rows: each can be used once (a conditional write marks it used), expires on
its own, and the link's user id must match the row, so a token never works for another account. A leak
of the table gives nothing usable: a SHA-256 of 256 random bits cannot be turned back into the token.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]; anything else is refused before any lookup.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def token_make() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_well_formed(token: str) -> bool:
    return isinstance(token, str) and _TOKEN.fullmatch(token) is not None


def id_make() -> str:
    """Ids for customers and addresses: 128 random bits, never a counter (two regions, no guessing)."""
    return secrets.token_urlsafe(16)


def id_well_formed(value: str) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None
