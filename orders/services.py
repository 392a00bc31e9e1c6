"""Writes for the shop."""

from __future__ import annotations

import json
from pathlib import Path

from . import repositories
from .pizzeria import ProfileError, profile_from_dict
from .selectors import pizzeria_invalidate


def pizzeria_save(*, document: dict) -> None:
    """Check and store a whole profile; a bad document raises ``ProfileError`` and changes nothing."""
    profile_from_dict(document)
    repositories.pizzeria_document_save(document)
    pizzeria_invalidate()


def pizzeria_load(*, path: Path, dry_run: bool = False) -> str:
    """Load the profile file; returns "created", "updated" or "unchanged"."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ProfileError(f"{path} does not exist; pass --file with the pizzeria profile") from e
    except (OSError, ValueError) as e:
        raise ProfileError(f"{path} is not valid JSON: {e}") from e
    profile_from_dict(document)
    current = repositories.pizzeria_document()
    if current == document:
        return "unchanged"
    if not dry_run:
        pizzeria_save(document=document)
    return "updated" if current is not None else "created"
