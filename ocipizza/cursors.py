"""Page cursors in URLs (``?depois=``): the store's continuation, signed for one listing.

A continuation is the last row's sort values, readable and easy to craft. Signed with ``SECRET_KEY`` and
a salt naming the listing and its owner, a cursor only works where the server issued it: a tampered,
made-up or another customer's cursor is ``BadCursor``, which views answer with a 400, never a 500.
"""

from __future__ import annotations

from django.core import signing

MAX_CURSOR_LENGTH = 8192


class BadCursor(ValueError):
    """The cursor was not issued by this server for this listing (forged, tampered or truncated)."""


def _signer(salt: str) -> signing.Signer:
    return signing.Signer(salt=f"ocipizza.cursor.{salt}")


def cursor_sign(continuation: str | None, *, salt: str) -> str | None:
    """The URL form of ``continuation`` for the listing named by ``salt`` (``None`` on the last page)."""
    return _signer(salt).sign(continuation) if continuation else None


def cursor_unsign(cursor: str | None, *, salt: str) -> str | None:
    """The continuation inside a cursor from the URL; ``None`` for none; ``BadCursor`` if not ours."""
    if not cursor:
        return None
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor("cursor too long")
    try:
        return _signer(salt).unsign(cursor)
    except signing.BadSignature as e:
        raise BadCursor("bad cursor signature") from e
