"""The search tokens of customers who signed up before the index existed (``customer reindex``)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import repositories


def customer_search_rebuild(*, customer_id: str, dry_run: bool = False) -> bool | None:
    """Make the customer's search tokens match the account; whether any changed (``None``: no account).

    Sign-up, profile changes, disabling and deletion keep the tokens up to date by themselves; this is
    for accounts older than the index, and for healing after a cross-region race (see tables.py).
    """
    return repositories.search_rebuild(customer_id, dry_run=dry_run)


def customer_ids_all() -> Iterator[str]:
    """Every customer's id (reads the whole ``user`` table: for commands, never for pages)."""
    for stored in repositories.users_all():
        yield stored.customer.id
