"""The tables and rows, guarded by one lock; optionally written through to a SQLite file.

Rows are immutable ``Row`` objects replaced on every write, so a query can work on a snapshot taken under
the lock without holding it. Expired rows (Oracle TTL semantics) are invisible everywhere and are purged
lazily. Every write gets a fresh version made of a process-wide counter and a random instance id, so a
version is never handed out twice, not even for a row deleted and inserted again.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from decimal import Decimal

from . import nson
from .errors import (
    INDEX_EXISTS,
    OPERATION_NOT_SUPPORTED,
    TABLE_EXISTS,
    NoSQLError,
    illegal,
    table_not_found,
)
from .schema import (
    TTL,
    AlterTable,
    Column,
    CreateIndex,
    CreateTable,
    DropIndex,
    DropTable,
    IndexDef,
    TableDef,
    TypeDef,
    check_key,
    check_row,
    convert_value,
    index_not_found,
    parse_ddl,
    validate_index,
)
from .values import Timestamp, dumps_tagged, loads_tagged

# Table states, as the protocol numbers them.
ACTIVE = 0
DROPPED = 2

# Put op codes of the protocol.
PUT = 3
PUT_IF_ABSENT = 4
PUT_IF_PRESENT = 5
PUT_IF_VERSION = 6


@dataclass(frozen=True)
class Row:
    values: dict
    version: bytes
    created: int
    modified: int
    expiration: int  # ms since the epoch, 0 = never
    size: int

    def live(self, now: int) -> bool:
        return self.expiration == 0 or now <= self.expiration

    @property
    def kb(self) -> int:
        return max(1, -(-self.size // 1024))


@dataclass
class WriteResult:
    success: bool
    version: bytes | None = None
    existing: Row | None = None  # previous row, when the caller may return it
    read_kb: int = 0
    write_kb: int = 0


@dataclass
class TableInfo:
    name: str
    state: int
    table: TableDef | None
    operation_id: str


def row_size(values: dict) -> int:
    return len(nson.encode(values))


def pk_of(table: TableDef, values: dict) -> tuple:
    return tuple(_norm(values[name]) for name in table.primary_key)


def shard_of(table: TableDef, values: dict) -> tuple:
    return tuple(_norm(values[name]) for name in table.shard_key)


def _norm(value):
    # Equal keys must have one spelling on disk: 1.0 vs 1.00 as NUMBER, -0.0 vs 0.0 as DOUBLE.
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if isinstance(value, float) and value == 0:
        return 0.0
    return value


class Store:
    def __init__(self, path: str | None = None, *, cloud: bool = False):
        self.lock = threading.RLock()
        self.cloud = cloud
        self.clock_offset_ms = 0
        self.tables: dict[str, TableDef] = {}
        self.rows: dict[str, dict[tuple, Row]] = {}
        self._instance = secrets.token_bytes(8)
        self._counter = itertools.count(1)
        self._ops = itertools.count(1)
        self._db: sqlite3.Connection | None = None
        if path:
            self._open(path)

    # --- clock, versions ---------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    def advance_clock(self, seconds: float) -> int:
        with self.lock:
            self.clock_offset_ms += int(seconds * 1000)
            self._meta_set("clock_offset_ms", self.clock_offset_ms)
            self._commit()
            return self.clock_offset_ms

    def reset_clock(self) -> None:
        with self.lock:
            self.clock_offset_ms = 0
            self._meta_set("clock_offset_ms", 0)
            self._commit()

    def _new_version(self) -> bytes:
        value = next(self._counter)
        if self._db is not None and value % 1000 == 1:
            # Reserve counter blocks on disk so a restarted emulator never reuses a version.
            self._meta_set("version_counter", value + 1000)
        return value.to_bytes(8, "big") + self._instance

    # --- catalog ------------------------------------------------------------------------------------

    def table(self, name: str) -> TableDef:
        table = self.tables.get(name.lower())
        if table is None:
            raise table_not_found(name)
        return table

    def find_table(self, name: str) -> TableDef | None:
        return self.tables.get(name.lower())

    def _op_id(self) -> str:
        return f"emulator-op-{next(self._ops)}"

    def table_ddl(self, statement: str, limits: dict | None) -> TableInfo:
        with self.lock:
            command = parse_ddl(statement, self.find_table)
            if isinstance(command, CreateTable):
                return self._create_table(command, limits)
            if isinstance(command, DropTable):
                return self._drop_table(command)
            if isinstance(command, CreateIndex):
                return self._create_index(command)
            if isinstance(command, DropIndex):
                return self._drop_index(command)
            if isinstance(command, AlterTable):
                return self._alter_table(command)
            raise illegal("Unsupported DDL statement")

    def _alter_table(self, command: AlterTable) -> TableInfo:
        table = self.table(command.name)
        for column in command.added:
            if table.column(column.name) is not None:
                raise illegal(f"Column already exists: {column.name}")
        parent = self.find_table(table.parent) if table.parent else None
        table.add_columns(command.added, parent)
        # Oracle rewrites no row: a row written under the older table version reads each new field's
        # default (or NULL). The same here, with versions, times and sizes unchanged.
        rows = self.rows[table.name.lower()]
        for pk, row in rows.items():
            rows[pk] = _with_defaults(table, row)
        self._save_table(table)
        self._commit()
        return TableInfo(table.name, ACTIVE, table, self._op_id())

    def _create_table(self, command: CreateTable, limits: dict | None) -> TableInfo:
        table = command.table
        existing = self.find_table(table.name)
        if existing is not None:
            if command.if_not_exists:
                return TableInfo(existing.name, ACTIVE, existing, self._op_id())
            raise NoSQLError(TABLE_EXISTS, f"Table already exists: {existing.name}")
        if self.cloud:
            if table.parent is None and limits is None:
                raise illegal(f"Table limits are required to create table {table.name} in the cloud")
            if table.parent is not None and limits is not None:
                raise illegal(f"Child table {table.name} cannot have table limits; it uses its parent's")
            table.limits = limits
        self.tables[table.name.lower()] = table
        self.rows[table.name.lower()] = {}
        if table.parent:
            parent = self.table(table.parent)
            parent.children.append(table.name)
            self._save_table(parent)
        self._save_table(table)
        self._commit()
        return TableInfo(table.name, ACTIVE, table, self._op_id())

    def _drop_table(self, command: DropTable) -> TableInfo:
        table = self.find_table(command.name)
        if table is None:
            if command.if_exists:
                return TableInfo(command.name, DROPPED, None, self._op_id())
            raise table_not_found(command.name)
        if table.children:
            raise illegal(f"Cannot drop table {table.name}: it has child tables {', '.join(table.children)}")
        del self.tables[table.name.lower()]
        self.rows.pop(table.name.lower(), None)
        if table.parent:
            parent = self.find_table(table.parent)
            if parent is not None:
                parent.children = [c for c in parent.children if c.lower() != table.name.lower()]
                self._save_table(parent)
        if self._db is not None:
            self._db.execute("DELETE FROM tables WHERE name = ?", (table.name.lower(),))
            self._db.execute("DELETE FROM rows WHERE tname = ?", (table.name.lower(),))
        self._commit()
        return TableInfo(table.name, DROPPED, table, self._op_id())

    def _create_index(self, command: CreateIndex) -> TableInfo:
        table = self.table(command.table)
        index = command.index
        if index.name.lower() in (n.lower() for n in table.indexes):
            if command.if_not_exists:
                return TableInfo(table.name, ACTIVE, table, self._op_id())
            raise NoSQLError(INDEX_EXISTS, f"Index already exists: {index.name} on table {table.name}")
        validate_index(table, index)
        table.indexes[index.name] = index
        self._save_table(table)
        self._commit()
        return TableInfo(table.name, ACTIVE, table, self._op_id())

    def _drop_index(self, command: DropIndex) -> TableInfo:
        table = self.table(command.table)
        for name in list(table.indexes):
            if name.lower() == command.name.lower():
                del table.indexes[name]
                self._save_table(table)
                self._commit()
                return TableInfo(table.name, ACTIVE, table, self._op_id())
        if command.if_exists:
            return TableInfo(table.name, ACTIVE, table, self._op_id())
        raise index_not_found(command.name, table.name)

    def set_limits(self, name: str, limits: dict) -> TableInfo:
        with self.lock:
            if not self.cloud:
                raise NoSQLError(OPERATION_NOT_SUPPORTED, "Table limit operation is not supported")
            table = self.table(name)
            if table.parent:
                raise illegal(f"Child table {table.name} cannot have table limits; it uses its parent's")
            table.limits = limits
            self._save_table(table)
            self._commit()
            return TableInfo(table.name, ACTIVE, table, self._op_id())

    def list_tables(self) -> list[str]:
        with self.lock:
            return sorted((t.name for t in self.tables.values()), key=str.lower)

    def reset(self) -> None:
        with self.lock:
            self.tables.clear()
            self.rows.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM tables")
                self._db.execute("DELETE FROM rows")
            self._commit()

    # --- single-row operations -------------------------------------------------------------------

    def get(self, table_name: str, key: dict) -> Row | None:
        with self.lock:
            table = self.table(table_name)
            pk = pk_of(table, check_key(table, key))
            return Txn(self).read(table, pk)

    def put(self, table_name: str, op: int, value: dict, **options) -> WriteResult:
        with self.lock:
            table = self.table(table_name)
            txn = Txn(self)
            result = txn.put(table, op, value, **options)
            txn.commit()
            return result

    def delete(self, table_name: str, key: dict, match_version: bytes | None) -> WriteResult:
        with self.lock:
            table = self.table(table_name)
            txn = Txn(self)
            result = txn.delete(table, key, match_version)
            txn.commit()
            return result

    def multi_delete(self, table_name: str, key: dict, field_range: dict | None) -> tuple[int, int]:
        with self.lock:
            table = self.table(table_name)
            partial = check_key(table, key, partial=True)
            missing = [name for name in table.shard_key if name not in partial]
            if missing:
                raise illegal(f"MultiDelete needs the complete shard key of {table.name}; missing {missing}")
            for position, name in enumerate(table.primary_key):
                if name not in partial and any(n in partial for n in table.primary_key[position:]):
                    raise illegal(
                        f"MultiDelete key fields must be a prefix of the primary key of {table.name}"
                    )
            prefix = [partial[n] for n in table.primary_key if n in partial]
            low = high = None
            if field_range is not None:
                low, high = _range_bounds(table, len(prefix), field_range)
            now = self.now_ms()
            txn = Txn(self)
            count = write_kb = 0
            for pk, row in list(self.rows[table.name.lower()].items()):
                if not row.live(now) or list(pk[: len(prefix)]) != [_norm(v) for v in prefix]:
                    continue
                if field_range is not None:
                    value = pk[len(prefix)]
                    if not _in_range(value, low, high):
                        continue
                txn.stage(table, pk, None)
                count += 1
                write_kb += row.kb
            txn.commit()
            return count, write_kb

    def snapshot(self, table: TableDef) -> list[Row]:
        with self.lock:
            now = self.now_ms()
            return [row for row in self.rows.get(table.name.lower(), {}).values() if row.live(now)]

    # --- persistence --------------------------------------------------------------------------------

    def _open(self, path: str) -> None:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, def TEXT)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS rows (tname TEXT, pk TEXT, data TEXT, PRIMARY KEY (tname, pk))"
        )
        self._db = db
        for k, v in db.execute("SELECT k, v FROM meta"):
            if k == "version_counter":
                self._counter = itertools.count(int(v))
            elif k == "clock_offset_ms":
                self.clock_offset_ms = int(v)
        for (text,) in db.execute("SELECT def FROM tables"):
            table = _table_from_json(json.loads(text))
            self.tables[table.name.lower()] = table
            self.rows[table.name.lower()] = {}
        for tname, data in db.execute("SELECT tname, data FROM rows"):
            table = self.tables.get(tname)
            if table is None:
                continue
            stored = loads_tagged(data)
            row = Row(
                stored["v"], bytes.fromhex(stored["r"]), stored["c"], stored["m"], stored["x"], stored["s"]
            )
            self.rows[tname][pk_of(table, row.values)] = _with_defaults(table, row)
        self._db.execute("BEGIN")

    def _meta_set(self, key: str, value) -> None:
        if self._db is not None:
            self._db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (key, str(value)))

    def _save_table(self, table: TableDef) -> None:
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO tables (name, def) VALUES (?, ?)",
                (table.name.lower(), json.dumps(_table_to_json(table))),
            )

    def _save_row(self, table: TableDef, pk: tuple, row: Row | None) -> None:
        if self._db is None:
            return
        key = dumps_tagged(list(pk))
        if row is None:
            self._db.execute("DELETE FROM rows WHERE tname = ? AND pk = ?", (table.name.lower(), key))
            return
        data = dumps_tagged(
            {
                "v": row.values,
                "r": row.version.hex(),
                "c": row.created,
                "m": row.modified,
                "x": row.expiration,
                "s": row.size,
            }
        )
        self._db.execute(
            "INSERT OR REPLACE INTO rows (tname, pk, data) VALUES (?, ?, ?)", (table.name.lower(), key, data)
        )

    def _commit(self) -> None:
        if self._db is not None:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN")

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.execute("COMMIT")
                self._db.close()
                self._db = None


def _with_defaults(table: TableDef, row: Row) -> Row:
    """``row`` with every field the table added after it was written, at its default (or NULL)."""
    missing = [c for c in table.columns if c.name not in row.values]
    if not missing:
        return row
    values = dict(row.values)
    for column in missing:
        values[column.name] = column.default if column.has_default else None
    return replace(row, values=values)


class Txn:
    """Writes staged on top of the store and applied together: the unit of WriteMultiple atomicity."""

    def __init__(self, store: Store):
        self.store = store
        self.now = store.now_ms()
        self.staged: dict[tuple[str, tuple], tuple[TableDef, Row | None]] = {}

    def read(self, table: TableDef, pk: tuple) -> Row | None:
        key = (table.name.lower(), pk)
        if key in self.staged:
            return self.staged[key][1]
        row = self.store.rows[table.name.lower()].get(pk)
        if row is not None and not row.live(self.now):
            # Lazily purge: an expired row behaves exactly like a missing one.
            del self.store.rows[table.name.lower()][pk]
            self.store._save_row(table, pk, None)
            return None
        return row

    def stage(self, table: TableDef, pk: tuple, row: Row | None) -> None:
        self.staged[(table.name.lower(), pk)] = (table, row)

    def put(
        self,
        table: TableDef,
        op: int,
        value: dict,
        *,
        exact: bool = False,
        ttl: TTL | None = None,
        update_ttl: bool = False,
        match_version: bytes | None = None,
    ) -> WriteResult:
        values = check_row(table, value, exact)
        pk = pk_of(table, values)
        existing = self.read(table, pk)
        read_kb = existing.kb if existing is not None and op != PUT else 0
        if op == PUT_IF_ABSENT and existing is not None:
            return WriteResult(False, existing=existing, read_kb=read_kb)
        if op == PUT_IF_PRESENT and existing is None:
            return WriteResult(False, read_kb=1)
        if op == PUT_IF_VERSION and (existing is None or existing.version != match_version):
            return WriteResult(False, existing=existing, read_kb=max(read_kb, 1))
        now = self.now
        if existing is None:
            effective = ttl if ttl is not None else table.ttl
            expiration = effective.expiration(now) if effective is not None else 0
            created = now
        else:
            created = existing.created
            expiration = existing.expiration
            if update_ttl:
                # An explicit TTL wins; otherwise the table default, and without one the TTL is kept.
                effective = ttl if ttl is not None else table.ttl
                if effective is not None:
                    expiration = effective.expiration(now)
        size = row_size(values)
        row = Row(values, self.store._new_version(), created, now, expiration, size)
        self.stage(table, pk, row)
        # Only overwrites report the previous row: conditional puts that succeed already knew it.
        returned = existing if op in (PUT, PUT_IF_PRESENT) else None
        return WriteResult(True, row.version, returned, read_kb, row.kb)

    def delete(self, table: TableDef, key: dict, match_version: bytes | None) -> WriteResult:
        pk = pk_of(table, check_key(table, key))
        existing = self.read(table, pk)
        if existing is None:
            return WriteResult(False, read_kb=1)
        if match_version is not None and existing.version != match_version:
            return WriteResult(False, existing=existing, read_kb=existing.kb)
        self.stage(table, pk, None)
        returned = existing if match_version is None else None
        return WriteResult(True, existing=returned, read_kb=existing.kb, write_kb=existing.kb)

    def commit(self) -> None:
        for (tname, pk), (table, row) in self.staged.items():
            rows = self.store.rows[tname]
            if row is None:
                rows.pop(pk, None)
            else:
                rows[pk] = row
            self.store._save_row(table, pk, row)
        if self.staged:
            self.store._commit()


def _range_bounds(table: TableDef, position: int, field_range: dict):
    if position >= len(table.primary_key):
        raise illegal("The range field must be the primary key field after the given key fields")
    name = table.primary_key[position]
    path = field_range.get("path")
    if path is not None and path.lower() != name.lower():
        raise illegal(f"The range must be on primary key field {name}, the one after the given key fields")
    column = table.column(name)
    bounds = []
    for side in ("start", "end"):
        spec = field_range.get(side)
        if spec is None:
            bounds.append(None)
        else:
            bounds.append((_norm(check_key_value(column, spec["value"], table)), spec["inclusive"]))
    return bounds[0], bounds[1]


def check_key_value(column: Column, value, table: TableDef):
    return convert_value(column, value, table.name)


def _in_range(value, low, high) -> bool:
    key = _comparable(value)
    if low is not None:
        bound = _comparable(low[0])
        if key < bound or (key == bound and not low[1]):
            return False
    if high is not None:
        bound = _comparable(high[0])
        if key > bound or (key == bound and not high[1]):
            return False
    return True


def _comparable(value):
    return value.nanos if isinstance(value, Timestamp) else value


# --- table definitions on disk ----------------------------------------------------------------------


def _table_to_json(table: TableDef) -> dict:
    return {
        "name": table.name,
        "columns": [
            {
                "name": c.name,
                "kind": c.type.kind,
                "precision": c.type.precision,
                "size": c.type.size,
                "symbols": list(c.type.symbols),
                "nullable": c.nullable,
                "default": dumps_tagged(c.default),
                "has_default": c.has_default,
            }
            for c in table.columns
        ],
        "primary_key": table.primary_key,
        "shard_key": table.shard_key,
        "ttl": [table.ttl.value, table.ttl.unit] if table.ttl else None,
        "parent": table.parent,
        "ddl": table.ddl,
        "limits": table.limits,
        "indexes": [[i.name, [list(f) for f in i.fields]] for i in table.indexes.values()],
        "children": table.children,
    }


def _table_from_json(data: dict) -> TableDef:
    columns = [
        Column(
            c["name"],
            TypeDef(c["kind"], c["precision"], c["size"], tuple(c["symbols"])),
            c["nullable"],
            loads_tagged(c["default"]),
            c["has_default"],
        )
        for c in data["columns"]
    ]
    return TableDef(
        name=data["name"],
        columns=columns,
        primary_key=data["primary_key"],
        shard_key=data["shard_key"],
        ttl=TTL(*data["ttl"]) if data["ttl"] else None,
        parent=data["parent"],
        ddl=data["ddl"],
        limits=data["limits"],
        indexes={name: IndexDef(name, [tuple(f) for f in fields]) for name, fields in data["indexes"]},
        children=data["children"],
    )
