"""Order-side rows in the store: the pizzeria profile (orders come with checkout)."""

from __future__ import annotations

from django.utils import timezone

from ocipizza.nosql import store

PIZZERIA_TABLE = "pizzeria"
PIZZERIA_ID = "main"


def pizzeria_document() -> dict | None:
    row = store.get_or_none(PIZZERIA_TABLE, {"id": PIZZERIA_ID})
    return row["profile"] if row else None


def pizzeria_document_save(document: dict) -> None:
    store.put(PIZZERIA_TABLE, {"id": PIZZERIA_ID, "profile": document, "updated_at": timezone.now()})
