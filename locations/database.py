"""The CEP database: its schema, and read-only access that survives the file being swapped.

The file is written only by ``services.cep_db_build``, which builds a new file and ``os.replace``-s it
over the old one. Readers therefore never see a half-written database: a connection keeps reading the
file it opened (the old inode lives on until the last reader closes it), and each thread's connection
is reopened once the path names a new file, checked at most every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.signals import setting_changed

from .exceptions import CEPDatabaseUnavailable

# Bumped when the tables change; a database of another version is rebuilt, never read.
SCHEMA_VERSION = 1

# One (deduplicated) text per id, as in the street data we build from: ~45 MiB instead of ~85.
SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE states (id INTEGER PRIMARY KEY, uf TEXT NOT NULL)",
    "CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE neighborhoods (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE streets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    # The CEP as an integer key is the rowid: a lookup is one B-tree descent.
    """CREATE TABLE ceps (
        cep INTEGER PRIMARY KEY,
        state_id INTEGER NOT NULL REFERENCES states (id),
        city_id INTEGER NOT NULL REFERENCES cities (id),
        neighborhood_id INTEGER NOT NULL REFERENCES neighborhoods (id),
        street_id INTEGER NOT NULL REFERENCES streets (id)
    )""",
    # Inclusive, non-overlapping ranges, one or more per municipality; keyed on the start so the range
    # of a CEP is the last one starting at or before it.
    """CREATE TABLE city_ranges (
        cep_start INTEGER PRIMARY KEY,
        cep_end INTEGER NOT NULL,
        uf TEXT NOT NULL,
        city TEXT NOT NULL
    )""",
)

STREET_QUERY = """
    SELECT s.uf, c.name, n.name, st.name
    FROM ceps
    JOIN states AS s ON s.id = ceps.state_id
    JOIN cities AS c ON c.id = ceps.city_id
    JOIN neighborhoods AS n ON n.id = ceps.neighborhood_id
    JOIN streets AS st ON st.id = ceps.street_id
    WHERE ceps.cep = ?
"""
RANGE_QUERY = "SELECT cep_end, uf, city FROM city_ranges WHERE cep_start <= ? ORDER BY cep_start DESC LIMIT 1"

RECHECK_SECONDS = 1.0


def connect_read_only(path: Path | str) -> sqlite3.Connection:
    """A read-only connection; fails (instead of creating an empty file) when the file is missing.

    ``immutable=1`` is true to how the file is used, since it is replaced and never written in place,
    and it spares SQLite the lock and change checks it would otherwise make on every query.
    """
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=True)
    connection.execute("PRAGMA query_only = ON")
    return connection


def _file_identity(path: Path) -> tuple[int, int, int, int]:
    stat = os.stat(path)
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


@dataclass
class _ThreadState:
    connection: sqlite3.Connection | None = None
    identity: tuple[int, int, int, int] | None = None
    checked_at: float = float("-inf")
    meta: dict[str, str] | None = None


class CEPDatabase:
    """Read access to one CEP database file: one connection per thread, reopened after a swap.

    ``sqlite3`` connections must not be shared between threads (gunicorn's gthread workers, the test
    live server), and opening one per lookup would cost more than the lookup itself.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the current file; raises CEPDatabaseUnavailable if there is none."""
        state = self._state()
        now = time.monotonic()
        if state.connection is not None and now - state.checked_at < RECHECK_SECONDS:
            return state.connection
        try:
            identity = _file_identity(self.path)
        except OSError as e:
            # Keep serving the file we have if it was removed; an operator may be mid-deploy.
            if state.connection is not None:
                state.checked_at = now
                return state.connection
            raise CEPDatabaseUnavailable(
                f"the CEP database {self.path} does not exist: run `python manage.py build_cep_db`"
            ) from e
        if identity != state.identity:
            self._open(state, identity)
        state.checked_at = now
        return state.connection

    def meta(self) -> dict[str, str]:
        """The build's metadata (source fingerprints, counts, when it was built)."""
        self.connection()
        return dict(self._state().meta or {})

    def _state(self) -> _ThreadState:
        state = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = _ThreadState()
        return state

    def _open(self, state: _ThreadState, identity: tuple[int, int, int, int]) -> None:
        try:
            connection = connect_read_only(self.path)
            meta = dict(connection.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as e:
            raise CEPDatabaseUnavailable(
                f"the CEP database {self.path} cannot be read ({e}): rebuild it with "
                "`python manage.py build_cep_db --force`"
            ) from e
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            connection.close()
            raise CEPDatabaseUnavailable(
                f"the CEP database {self.path} has schema {meta.get('schema_version')}, this code reads "
                f"{SCHEMA_VERSION}: run `python manage.py build_cep_db`"
            )
        if state.connection is not None:
            state.connection.close()
        state.connection, state.identity, state.meta = connection, identity, meta

    def close(self) -> None:
        """Close this thread's connection (other threads close theirs when they are collected)."""
        state = self._state()
        if state.connection is not None:
            state.connection.close()
        self._local.state = _ThreadState()


_databases: dict[str, CEPDatabase] = {}
_databases_lock = threading.Lock()


def cep_database(path: Path | str | None = None) -> CEPDatabase:
    """The shared handle on ``path`` (default: ``settings.CEP_DB_PATH``)."""
    key = str(settings.CEP_DB_PATH if path is None else path)
    database = _databases.get(key)
    if database is None:
        with _databases_lock:
            database = _databases.setdefault(key, CEPDatabase(key))
    return database


def _forget_databases(*, setting: str, **kwargs) -> None:
    if setting == "CEP_DB_PATH":
        _databases.clear()


def _forget_connections_after_fork() -> None:
    # SQLite connections must not cross fork(); a gunicorn worker forked from a master that already
    # looked a CEP up (preload_app) opens its own.
    for database in list(_databases.values()):
        database._local = threading.local()


setting_changed.connect(_forget_databases)
os.register_at_fork(after_in_child=_forget_connections_after_fork)
