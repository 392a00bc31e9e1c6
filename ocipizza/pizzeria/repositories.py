"""The profile in the store: one row of the ``pizzeria`` table holding the checked JSON document, and the
staff's pause in a row of ``pizzeria_pause`` (present only while paused)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ocipizza.nosql import Version, store

from .entities import Pause, Pizzeria
from .profile import profile_from_dict

PIZZERIA_TABLE = "pizzeria"
PAUSE_TABLE = "pizzeria_pause"
PIZZERIA_ID = "main"  # one pizzeria per deployment


def pizzeria_get() -> Pizzeria | None:
    """The stored profile with its row's ``version``, or ``None``."""
    row = store.get_or_none(PIZZERIA_TABLE, {"id": PIZZERIA_ID})
    return replace(profile_from_dict(row["profile"]), version=row.version) if row else None


def pizzeria_put(
    pizzeria: Pizzeria, *, now: dt.datetime, if_version: Version | None = None, if_absent: bool = False
) -> Pizzeria:
    """Write the profile; with ``if_version`` only over that very row (``ConditionFailed`` otherwise),
    with ``if_absent`` only when there is none. Returns it with its new version."""
    version = store.put(
        PIZZERIA_TABLE,
        {"id": PIZZERIA_ID, "profile": pizzeria.raw, "updated_at": now},
        if_version=if_version,
        if_absent=if_absent,
    )
    return replace(pizzeria, version=version)


def pause_get() -> Pause | None:
    row = store.get_or_none(PAUSE_TABLE, {"id": PIZZERIA_ID})
    if row is None:
        return None
    return Pause(
        reason=row["reason"] or "",
        until=row["resumes_at"],
        paused_at=row["paused_at"],
        paused_by=row["paused_by"] or "",
    )


def pause_put(pause: Pause) -> None:
    store.put(
        PAUSE_TABLE,
        {
            "id": PIZZERIA_ID,
            "reason": pause.reason,
            "resumes_at": pause.until,
            "paused_at": pause.paused_at,
            "paused_by": pause.paused_by,
        },
    )


def pause_delete() -> bool:
    return store.delete(PAUSE_TABLE, {"id": PIZZERIA_ID})
