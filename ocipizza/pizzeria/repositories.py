"""The profile in the store: one row of the ``pizzeria`` table holding the checked JSON document."""

from __future__ import annotations

import datetime as dt

from ocipizza.nosql import store

from .entities import Pizzeria
from .profile import profile_from_dict

PIZZERIA_TABLE = "pizzeria"
PIZZERIA_ID = "main"  # one pizzeria per deployment


def pizzeria_get() -> Pizzeria | None:
    row = store.get_or_none(PIZZERIA_TABLE, {"id": PIZZERIA_ID})
    return profile_from_dict(row["profile"]) if row else None


def pizzeria_put(pizzeria: Pizzeria, *, now: dt.datetime) -> None:
    store.put(PIZZERIA_TABLE, {"id": PIZZERIA_ID, "profile": pizzeria.raw, "updated_at": now})
