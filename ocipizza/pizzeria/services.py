"""Changing the profile: every write is checked whole first, so a bad document changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from ocipizza.datafiles import read_json

from . import repositories
from .entities import Pizzeria
from .profile import ProfileError, profile_from_dict
from .selectors import pizzeria_invalidate


def pizzeria_save(*, document: dict) -> Pizzeria:
    """Check and store a whole profile; a bad document raises ``ProfileError`` and changes nothing."""
    pizzeria = profile_from_dict(document)
    repositories.pizzeria_put(pizzeria, now=timezone.now())
    pizzeria_invalidate()
    return pizzeria


def pizzeria_load(*, path: Path, dry_run: bool = False) -> str:
    """Load the profile file; returns "created", "updated" or "unchanged"."""
    document = read_json(path, error=ProfileError, missing_hint="pass --file with the pizzeria profile")
    profile_from_dict(document)
    current = repositories.pizzeria_get()
    if current is not None and current.raw == document:
        return "unchanged"
    if not dry_run:
        pizzeria_save(document=document)
    return "updated" if current is not None else "created"
