"""Store failures in management commands: a CommandError that says what to do next, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from .exceptions import (
    ConditionFailed,
    DoesNotExist,
    SchemaError,
    StoreError,
    StoreUnavailable,
    TableNotFound,
)

MIGRATE = "`python manage.py nosql_migrate`"


@contextmanager
def store_errors_as_command_error(*, note: str = "") -> Iterator[None]:
    """Run the block; a ``StoreError`` raised in it becomes a ``CommandError`` (chained ``from`` it).

    The message is the error, what to do about it (check the NOSQL_* settings, run nosql_migrate...)
    and ``note``, what the command's output so far means (e.g. "Nothing after the last line above was
    deleted."). Other exceptions, CommandError included, pass through untouched.
    """
    try:
        yield
    except StoreError as e:
        raise CommandError(store_error_message(e, note=note)) from e


def store_error_message(error: StoreError, *, note: str = "") -> str:
    """``error`` followed by the next step for whoever ran the command."""
    text = str(error).rstrip(".")
    if isinstance(error, TableNotFound):
        # The backends already name the command; repeating it would only add noise.
        advice = (
            "Then run this command again." if "nosql_migrate" in text else f"Run {MIGRATE}, then this again."
        )
    elif isinstance(error, StoreUnavailable):
        advice = (
            "Is the store reachable? Check the NOSQL_* settings (NOSQL_BACKEND, NOSQL_ENDPOINT or "
            "NOSQL_SQLITE_PATH) and that the database answers, then run this command again."
        )
    elif isinstance(error, (ConditionFailed, DoesNotExist)):
        advice = "The data changed while the command ran; run it again."
    elif isinstance(error, SchemaError):
        advice = "Check the table definitions in ocipizza/nosql/tables.py against the database."
    else:
        advice = f"Check the NOSQL_* settings, and run {MIGRATE} if tables are missing."
    return " ".join(part for part in (f"{text}.", advice, note) if part)
