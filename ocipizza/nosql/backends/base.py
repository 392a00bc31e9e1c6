"""The contract every NoSQL store backend keeps.

A backend stores rows of the tables declared in ``ocipizza.nosql.tables`` and offers the operations
below with exactly the stated guarantees. The contract suite, ``ocipizza/nosql/tests/test_contract.py``,
runs the same tests against every backend; a behaviour difference between two backends is a bug in one
of them.

Values a row holds, by column type: STRING ``str``; INTEGER/LONG ``int``; DOUBLE ``float``; NUMBER
``decimal.Decimal``; BOOLEAN ``bool``; TIMESTAMP aware ``datetime`` in UTC (cut to the declared
precision); JSON ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``; ENUM ``str``; BINARY
``bytes``. Every column is present in a returned row (``None`` when null).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..exceptions import InvalidRequest, TableMissing, TableNotFound
from ..query import Plan, Query, plan
from ..schema import Column, Schema, Table, TimeToLive

Version = bytes
"""An opaque version token: different after every write, never reused for a key."""


@dataclass(frozen=True, slots=True)
class Row:
    """A live row: its values, its version for optimistic concurrency and when it expires (or None)."""

    value: dict
    version: Version
    expires_at: dt.datetime | None = None

    def __getitem__(self, name):
        return self.value[name]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of query results; ``continuation`` is ``None`` on the last page."""

    rows: tuple[Row, ...]
    continuation: str | None = None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


@dataclass(frozen=True)
class Put:
    """One put inside ``write_many``; same options as ``BaseStore.put``."""

    table: str
    value: Mapping
    if_absent: bool = False
    if_version: Version | None = None
    ttl: dt.timedelta | TimeToLive | None = None


@dataclass(frozen=True)
class Delete:
    """One delete inside ``write_many``; ``must_exist`` makes a missing row fail the whole batch."""

    table: str
    key: Mapping
    if_version: Version | None = None
    must_exist: bool = False


@dataclass(frozen=True)
class CheckedPut:
    table: Table
    row: dict
    key: dict
    if_absent: bool
    if_version: Version | None
    ttl: TimeToLive | None


@dataclass(frozen=True)
class CheckedDelete:
    table: Table
    key: dict
    if_version: Version | None
    must_exist: bool


class StoreStats:
    """Counts calls per operation, so tests can assert how many round trips a page makes."""

    def __init__(self):
        self._lock = threading.Lock()
        self.calls: Counter = Counter()
        self.by_table: Counter = Counter()  # (operation, table) -> calls

    def count(self, operation: str, table: str = "") -> None:
        with self._lock:
            self.calls[operation] += 1
            self.by_table[(operation, table)] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.by_table.clear()


class BaseStore:
    """The backend contract. Subclasses implement the ``_``-prefixed hooks; checks happen here once."""

    def __init__(self, alias: str, schema: Schema, options: Mapping | None = None):
        self.alias = alias
        self.schema = schema
        self.options = dict(options or {})
        self.stats = StoreStats()

    # --- reads ------------------------------------------------------------------------------------

    def get(self, table: str, key: Mapping) -> Row:
        """Return the live row with this primary key.

        Raises ``DoesNotExist`` when there is none (never written, deleted or expired), ``InvalidKey``
        for a key that is not exactly the table's primary key, ``StoreUnavailable`` when the database
        cannot answer. Reads are consistent with every write acknowledged before the call.
        """
        spec = self.table(table)
        checked = spec.check_key(key)
        self.stats.count("get", spec.name)
        return self._get(spec, checked)

    def get_or_none(self, table: str, key: Mapping) -> Row | None:
        """Like ``get`` but returns ``None`` instead of raising ``DoesNotExist``."""
        from ..exceptions import DoesNotExist

        try:
            return self.get(table, key)
        except DoesNotExist:
            return None

    def query(self, query: Query) -> Page:
        """Return one page of the rows matching ``query`` in its order.

        At most ``query.limit`` rows; ``continuation`` is set when more rows may follow and is passed
        back as ``Query(..., after=continuation)`` for the next page. Expired rows never appear.
        ``InvalidQuery`` for unknown fields, mistyped values or a continuation from another query.
        """
        if not isinstance(query, Query):
            raise InvalidRequest("query() takes an ocipizza.nosql.Query")
        spec = self.table(query.table)
        compiled = plan(query, spec)
        self.stats.count("query", spec.name)
        return self._query(compiled)

    def iterate(self, query: Query) -> Iterator[Row]:
        """Every matching row, fetching page after page (for commands and reports, not for views)."""
        while True:
            page = self.query(query)
            yield from page.rows
            if page.continuation is None:
                return
            query = Query(query.table, query.where, query.order_by, query.limit, page.continuation)

    # --- writes -----------------------------------------------------------------------------------

    def put(
        self,
        table: str,
        value: Mapping,
        *,
        if_absent: bool = False,
        if_version: Version | None = None,
        ttl: dt.timedelta | TimeToLive | None = None,
    ) -> Version:
        """Write a whole row (absent columns take their DEFAULT or null) and return its new version.

        ``if_absent``: only when no live row has this key. ``if_version``: only when the live row has
        exactly this version. When the condition does not hold nothing is written and
        ``ConditionFailed`` is raised. ``ttl``: the row expires after it (rounded up to the hour or day,
        as Oracle NoSQL does); without it a new row takes the table's default TTL and an existing row
        keeps the expiry it had. ``InvalidValue`` for unknown columns or mistyped values.
        """
        checked = self._check_put(Put(table, value, if_absent, if_version, ttl))
        self.stats.count("put", checked.table.name)
        return self._put(checked)

    def delete(self, table: str, key: Mapping, *, if_version: Version | None = None) -> bool:
        """Delete the row; return whether a live row was deleted.

        With ``if_version`` the row is deleted only if its version matches, else ``ConditionFailed``.
        """
        checked = self._check_delete(Delete(table, key, if_version))
        self.stats.count("delete", checked.table.name)
        return self._delete(checked)

    def write_many(self, operations: Sequence[Put | Delete]) -> list[Version | bool]:
        """Apply puts and deletes atomically: all of them or none.

        Every operation must be on rows sharing one shard key (a parent row and its children
        qualify); Oracle NoSQL can only make such a batch atomic. The result lists each operation's
        new version (puts) or whether it deleted a row (deletes). If any condition fails nothing is
        written and ``ConditionFailed.index`` names the first failing operation.
        """
        if not operations:
            raise InvalidRequest("write_many needs at least one operation")
        if len(operations) > 50:
            raise InvalidRequest("write_many takes at most 50 operations")
        checked = []
        for operation in operations:
            if isinstance(operation, Put):
                checked.append(self._check_put(operation))
            elif isinstance(operation, Delete):
                checked.append(self._check_delete(operation))
            else:
                raise InvalidRequest("write_many takes Put and Delete operations")
        shards = {(op.table.name.split(".")[0], op.table.shard_of(op.key)) for op in checked}
        if len(shards) > 1:
            raise InvalidRequest("write_many operations must share one table family and one shard key")
        keys = [(op.table.name, tuple(op.key.values())) for op in checked]
        if len(set(keys)) != len(keys):
            raise InvalidRequest("write_many cannot touch the same row twice")
        self.stats.count("write_many", checked[0].table.name.split(".")[0])
        return self._write_many(checked)

    # --- tables -----------------------------------------------------------------------------------

    def table(self, name: str) -> Table:
        """The declared table, or ``TableNotFound``."""
        try:
            return self.schema.tables[name]
        except (KeyError, TypeError):
            raise TableNotFound(f"no table {name!r} is declared in the schema") from None

    def existing_tables(self) -> set[str]:
        """Names of the tables that exist in the database."""
        raise NotImplementedError

    def existing_indexes(self, table: str) -> set[str]:
        """Names of the indexes that exist on ``table``."""
        raise NotImplementedError

    def existing_columns(self, table: str) -> dict[str, Column]:
        """The columns ``table`` has in the database, by name, as the database describes them.

        Type, ENUM values, TIMESTAMP precision, NOT NULL and DEFAULT are those the table was created or
        last altered with, which may differ from ``ocipizza/nosql/tables.py`` until ``nosql_migrate`` runs
        (``schema.compare_table`` tells how). Key columns are NOT NULL. ``TableNotFound`` when the table
        does not exist.
        """
        raise NotImplementedError

    def execute_ddl(self, statement: str) -> None:
        """Apply one DDL statement and wait until the table is usable.

        ``CREATE TABLE``/``CREATE INDEX`` from the schema, or ``ALTER TABLE name (ADD column ..., ...)``:
        the columns are added to the existing table, and rows written before read each new column's
        DEFAULT (or null without one) as Oracle NoSQL reads rows of an older table version; no row is
        rewritten, so versions and expiries stay. Adding a column the table has is a ``SchemaError``.
        """
        raise NotImplementedError

    def drop_all(self) -> None:
        """Drop every table of the schema (tests and ``nosql_migrate --reset`` only)."""
        raise NotImplementedError

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers (used by /readyz)."""
        raise NotImplementedError

    def ready(self) -> None:
        """Raise ``StoreUnavailable`` unless the store can serve requests (used by /readyz): the database
        answers and every declared table exists (``TableMissing`` names the missing ones). Backends whose
        writes can fail while reads work (a read-only file) check a write path too, without writing."""
        self.ping()
        missing = sorted(set(self.schema.tables) - self.existing_tables())
        if missing:
            raise TableMissing(
                f"tables {', '.join(missing)} do not exist in the store; run `python manage.py nosql_migrate`"
            )

    def close(self) -> None:
        """Release connections; the store reopens them on next use."""

    # --- hooks ------------------------------------------------------------------------------------

    def _get(self, table: Table, key: dict) -> Row:
        raise NotImplementedError

    def _put(self, op: CheckedPut) -> Version:
        raise NotImplementedError

    def _delete(self, op: CheckedDelete) -> bool:
        raise NotImplementedError

    def _write_many(self, ops: list) -> list[Version | bool]:
        raise NotImplementedError

    def _query(self, compiled: Plan) -> Page:
        raise NotImplementedError

    # --- shared checks ----------------------------------------------------------------------------

    def _check_put(self, op: Put) -> CheckedPut:
        spec = self.table(op.table)
        row = spec.check_row(op.value)
        if op.if_absent and op.if_version is not None:
            raise InvalidRequest("if_absent and if_version exclude each other")
        _check_version(op.if_version)
        ttl = TimeToLive.of(op.ttl) if op.ttl is not None else None
        key = {name: row[name] for name in spec.primary_key}
        return CheckedPut(spec, row, key, bool(op.if_absent), op.if_version, ttl)

    def _check_delete(self, op: Delete) -> CheckedDelete:
        spec = self.table(op.table)
        _check_version(op.if_version)
        return CheckedDelete(spec, spec.check_key(op.key), op.if_version, bool(op.must_exist))

    @staticmethod
    def now() -> float:
        return time.time()


def _check_version(version) -> None:
    if version is not None and (not isinstance(version, bytes) or not version):
        raise InvalidRequest("if_version takes the bytes version of a row read earlier")


def expires_at(timestamp: float | None) -> dt.datetime | None:
    return None if timestamp is None else dt.datetime.fromtimestamp(timestamp, dt.UTC)
