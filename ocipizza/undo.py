""" "Desfazer" for destructive actions: what was removed stays in the session for a while, and the flash
message that reports the removal carries a button that posts (with CSRF) to the feature's undo view.

One offer at a time per session, as in a mail app: a newer removal replaces the older offer. Each feature
keeps its own data (``kind``) and restores it itself; this module only stores, finds and expires offers.
"""

from __future__ import annotations

import secrets
import time

from django.contrib import messages

SESSION_KEY = "undo"
UNDO_SECONDS = 15 * 60  # long enough to notice a slip, short enough that "desfazer" means "just now"
TAG = "undo"


def undo_offer(request, *, kind: str, data: dict, url: str, message: str) -> None:
    """Keep ``data`` for the undo view at ``url`` and flash ``message`` with a "Desfazer" button."""
    request.session[SESSION_KEY] = {
        "kind": kind,
        "data": data,
        "url": url,
        "token": secrets.token_urlsafe(12),
        "at": int(time.time()),
    }
    messages.success(request, message, extra_tags=TAG)


def undo_pending(request) -> dict | None:
    """The current offer (``url`` and ``token``), or ``None`` once it expired or was used."""
    offer = request.session.get(SESSION_KEY)
    if not isinstance(offer, dict) or time.time() - offer.get("at", 0) > UNDO_SECONDS:
        return None
    return offer


def undo_take(request, *, kind: str, token: str) -> dict | None:
    """The data of the offer of ``kind`` whose token the button posted, consumed (one undo per removal);
    ``None`` when it expired, was already used or replaced by a newer removal."""
    offer = undo_pending(request)
    if offer is None or offer.get("kind") != kind or not secrets.compare_digest(str(offer["token"]), token):
        return None
    del request.session[SESSION_KEY]
    return offer["data"]
