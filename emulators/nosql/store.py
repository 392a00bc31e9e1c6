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
import uuid
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from . import nson
from .errors import (
    INDEX_EXISTS,
    KEY_SIZE_LIMIT_EXCEEDED,
    OPERATION_NOT_SUPPORTED,
    RESOURCE_EXISTS,
    RESOURCE_NOT_FOUND,
    ROW_SIZE_LIMIT_EXCEEDED,
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
    Identity,
    IndexDef,
    SystemStatement,
    TableDef,
    TypeDef,
    check_key,
    check_row,
    convert_value,
    field_exists,
    index_not_found,
    parse_ddl,
    validate_index,
)
from .values import Timestamp, dumps_tagged, loads_tagged

# Table states, as the protocol numbers them.
ACTIVE = 0
CREATING = 1
DROPPED = 2
DROPPING = 3
UPDATING = 4

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
    generated: object = None  # the IDENTITY or UUID value the put generated, if any


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
        self.namespaces: set[str] = set()
        # Operation ids of finished drops: GetTable with one answers DROPPED, as the proxy does.
        self.dropped_ops: dict[str, str] = {}
        # Units consumed per table and minute, for GetTableUsage: {table: {minute_ms: [ru, wu]}}.
        self.usage: dict[str, dict[int, list[int]]] = {}
        self._local = threading.local()
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

    def next_identity(self, table: TableDef, cache: int = 0):
        """The identity column's next value. Values are handed out in cached blocks (the column's CACHE,
        or the request's identity cache size); the block's end is saved, so after a restart numbering
        resumes past it and unused cached values are skipped, as with Oracle's sequence generator."""
        column = table.identity_column
        spec = column.identity
        with self.lock:
            value = table.seq_next if table.seq_next is not None else spec.start
            if not spec.min <= value <= spec.max:
                if not spec.cycle:
                    bound = "MAXVALUE" if spec.increment > 0 else "MINVALUE"
                    raise illegal(
                        f"The identity column {column.name} of table {table.name} reached its {bound} "
                        f"and its sequence is NO CYCLE: no more values can be generated"
                    )
                value = spec.min if spec.increment > 0 else spec.max
            table.seq_next = value + spec.increment
            reserved = table.seq_reserved if table.seq_reserved is not None else value
            if (spec.increment > 0 and value >= reserved) or (spec.increment < 0 and value <= reserved):
                table.seq_reserved = value + spec.increment * (cache if cache > 0 else spec.cache)
                self._save_table(table)
            return Decimal(value) if column.type.kind == "NUMBER" else value

    # --- catalog ------------------------------------------------------------------------------------

    def qualify(self, name: str) -> str:
        """A table name in the request's namespace (the x-nosql-default-ns header) unless it names one."""
        if ":" in name:
            namespace, rest = name.split(":", 1)
            return rest if namespace.lower() == "sysdefault" else name
        namespace = getattr(self._local, "namespace", None)
        if namespace and namespace.lower() != "sysdefault":
            return f"{namespace}:{name}"
        return name

    def set_request_namespace(self, namespace: str | None) -> None:
        """The default namespace of the requests this thread serves (None: sysdefault)."""
        self._local.namespace = namespace or None

    def table(self, name: str) -> TableDef:
        table = self.tables.get(self.qualify(name).lower())
        if table is None:
            raise table_not_found(self.qualify(name))  # "ns:name", as the proxy names it
        return table

    def find_table(self, name: str) -> TableDef | None:
        return self.tables.get(self.qualify(name).lower())

    def record_usage(self, name: str, read_units: int, write_units: int, throttled: str = "") -> None:
        """Count units (or a throttled read/write) against the top-level table: usage is per table."""
        with self.lock:
            table = self.find_table(name)
            if table is None:
                return
            minute = self.now_ms() // 60_000 * 60_000
            slots = self.usage.setdefault(table.top_level.lower(), {})
            slot = slots.setdefault(minute, [0, 0, 0, 0])
            slot[0] += read_units
            slot[1] += write_units
            if throttled:
                slot[2 if throttled == "read" else 3] += 1

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
        parent = self.find_table(table.parent) if table.parent else None
        if command.ttl is not None:
            # New writes get the new default; rows already written keep their expiration, as in Oracle.
            table.ttl = command.ttl
            table.ddl = table.create_ddl(parent)
        else:
            columns = _evolve(table, command, parent)
            table.set_columns(columns, parent)
            # Oracle rewrites no row: a row written under an older table version reads added fields at
            # their default (or NULL) and no longer shows dropped ones. Versions and times stay.
            rows = self.rows[table.name.lower()]
            for pk, row in rows.items():
                rows[pk] = conform(table, row)
                self._save_row(table, pk, rows[pk])
        self._save_table(table)
        self._commit()
        return TableInfo(table.name, UPDATING, table, self._op_id())

    def _create_table(self, command: CreateTable, limits: dict | None) -> TableInfo:
        table = command.table
        table.name = self.qualify(table.name)
        if table.parent:
            table.parent = self.qualify(table.parent)
        namespace = table.namespace
        if namespace and namespace.lower() not in self.namespaces:
            raise NoSQLError(
                RESOURCE_NOT_FOUND, f"Cannot create table. Namespace does not exist: {namespace}"
            )
        existing = self.find_table(table.name)
        if existing is not None:
            if command.if_not_exists:
                return TableInfo(existing.name, ACTIVE, existing, self._op_id())
            raise NoSQLError(TABLE_EXISTS, f"Table {existing.name} already exists")
        if self.cloud:
            if table.parent is None and limits is None:
                raise illegal(f"Table limits are required to create table {table.name} in the cloud")
            if table.parent is not None and limits is not None:
                raise illegal(f"Child table {table.name} cannot have table limits; it uses its parent's")
            table.limits = limits
        identity = table.identity_column
        if identity is not None:
            table.seq_next = table.seq_reserved = identity.identity.start
        self.tables[table.name.lower()] = table
        self.rows[table.name.lower()] = {}
        if table.parent:
            parent = self.table(table.parent)
            parent.children.append(table.name)
            self._save_table(parent)
        self._save_table(table)
        self._commit()
        return TableInfo(table.name, CREATING, table, self._op_id())

    def _drop_table(self, command: DropTable) -> TableInfo:
        table = self.find_table(command.name)
        if table is None:
            if command.if_exists:
                return TableInfo(self.qualify(command.name), DROPPED, None, self._op_id())
            raise table_not_found(self.qualify(command.name))
        if table.children:
            raise illegal(f"Cannot drop table {table.name}: it has child tables {', '.join(table.children)}")
        self._forget_table(table)
        operation = self._op_id()
        self.dropped_ops[operation] = table.name
        self._commit()
        return TableInfo(table.name, DROPPING, table, operation)

    def _forget_table(self, table: TableDef) -> None:
        del self.tables[table.name.lower()]
        self.rows.pop(table.name.lower(), None)
        self.usage.pop(table.name.lower(), None)
        if table.parent:
            parent = self.find_table(table.parent)
            if parent is not None:
                parent.children = [c for c in parent.children if c.lower() != table.name.lower()]
                self._save_table(parent)
        if self._db is not None:
            self._db.execute("DELETE FROM tables WHERE name = ?", (table.name.lower(),))
            self._db.execute("DELETE FROM rows WHERE tname = ?", (table.name.lower(),))

    def _create_index(self, command: CreateIndex) -> TableInfo:
        table = self.table(command.table)
        index = command.index
        if index.name.lower() in (n.lower() for n in table.indexes):
            if command.if_not_exists:
                return TableInfo(table.name, ACTIVE, table, self._op_id())
            raise NoSQLError(INDEX_EXISTS, f"Index {index.name} already exists in table {table.name}")
        validate_index(table, index)
        table.indexes[index.name] = index
        self._save_table(table)
        self._commit()
        return TableInfo(table.name, UPDATING, table, self._op_id())

    def _drop_index(self, command: DropIndex) -> TableInfo:
        table = self.table(command.table)
        for name in list(table.indexes):
            if name.lower() == command.name.lower():
                del table.indexes[name]
                self._save_table(table)
                self._commit()
                return TableInfo(table.name, UPDATING, table, self._op_id())
        if command.if_exists:
            return TableInfo(table.name, ACTIVE, table, self._op_id())
        raise index_not_found(command.name, table.name)

    # --- namespaces (on-premises SystemRequests) ---------------------------------------------------

    def system(self, statement: SystemStatement) -> str | None:
        """Run a namespace statement; returns the result string SHOW statements answer with."""
        with self.lock:
            name = statement.name
            if statement.action == "CREATE_NAMESPACE":
                if name.lower() == "sysdefault" or name.lower() in self.namespaces:
                    if statement.if_flag:
                        return None
                    raise NoSQLError(
                        RESOURCE_EXISTS, f"Cannot create namespace. Namespace already exists: '{name}' "
                    )
                self.namespaces.add(name.lower())
            elif statement.action == "DROP_NAMESPACE":
                if name.lower() == "sysdefault":
                    raise illegal("Cannot drop the sysdefault namespace")
                if name.lower() not in self.namespaces:
                    if statement.if_flag:
                        return None
                    raise NoSQLError(RESOURCE_NOT_FOUND, f"Namespace '{name}' does not exist.")
                tables = [t for t in self.tables.values() if (t.namespace or "").lower() == name.lower()]
                if tables and not statement.cascade:
                    raise illegal(
                        f"Namespace '{name}' cannot be removed because it is not empty. Remove all tables "
                        "contained in this namespace or use CASCADE option."
                    )
                # Children before parents, as DROP TABLE requires.
                for table in sorted(tables, key=lambda t: -t.name.count(".")):
                    self._forget_table(table)
                self.namespaces.discard(name.lower())
            elif statement.action == "SHOW_NAMESPACES":
                names = ["sysdefault", *sorted(self.namespaces)]
                return json.dumps({"namespaces": names}) if statement.as_json else "\n".join(names)
            elif statement.action == "SHOW_TABLES":
                names = self.list_tables()
                return json.dumps({"tables": names}) if statement.as_json else "\n".join(names)
            self._meta_set("namespaces", json.dumps(sorted(self.namespaces)))
            self._commit()
            return None

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

    def list_tables(self, namespace: str | None = None) -> list[str]:
        """Table names, sorted; with ``namespace``, only that namespace's (``sysdefault``: unqualified)."""
        with self.lock:
            names = [t.name for t in self.tables.values()]
        if namespace is not None:
            wanted = namespace.lower()
            names = [n for n in names if (n.split(":", 1)[0].lower() if ":" in n else "sysdefault") == wanted]
        return sorted(names, key=str.lower)

    def reset(self) -> None:
        with self.lock:
            self.tables.clear()
            self.rows.clear()
            self.namespaces.clear()
            self.dropped_ops.clear()
            self.usage.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM tables")
                self._db.execute("DELETE FROM rows")
                self._meta_set("namespaces", "[]")
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

    def multi_delete(
        self, table_name: str, key: dict, field_range: dict | None, max_write_kb: int = 0
    ) -> tuple[int, int, bool]:
        """Delete the rows under a shard key (and range); with ``max_write_kb``, stop once that much is
        deleted and report more to do (the caller hands out a continuation key; deleted rows are gone,
        so resuming is deleting the matching rows that remain)."""
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
            more = False
            for pk, row in sorted(self.rows[table.name.lower()].items(), key=lambda item: _sort_key(item[0])):
                if not row.live(now) or list(pk[: len(prefix)]) != [_norm(v) for v in prefix]:
                    continue
                if field_range is not None:
                    value = pk[len(prefix)]
                    if not _in_range(value, low, high):
                        continue
                if max_write_kb and write_kb >= max_write_kb:
                    more = True
                    break
                txn.stage(table, pk, None)
                count += 1
                write_kb += row.kb
            txn.commit()
            return count, write_kb, more

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
            elif k == "namespaces":
                self.namespaces = set(json.loads(v))
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
            self.rows[tname][pk_of(table, row.values)] = conform(table, row)
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


# The cloud service's request limits (the proxy's RequestLimits); the on-premises proxy has none.
KEY_SIZE_LIMIT = 64
ROW_SIZE_LIMIT = 512 * 1024


def _check_sizes(table: TableDef, values: dict) -> None:
    # Sizes are measured on the NSON encoding, close to (not exactly) the store's own serialization.
    key_size = sum(len(nson.encode(values[name])) - 1 for name in table.primary_key)
    if key_size > KEY_SIZE_LIMIT:
        raise NoSQLError(
            KEY_SIZE_LIMIT_EXCEEDED, f"Primary key of {key_size} exceeded the limit of {KEY_SIZE_LIMIT}"
        )
    size = row_size(values)
    if size > ROW_SIZE_LIMIT:
        raise NoSQLError(
            ROW_SIZE_LIMIT_EXCEEDED, f"Value size of {size} exceeded the limit of {ROW_SIZE_LIMIT}"
        )


def conform(table: TableDef, row: Row) -> Row:
    """``row`` read under the table's current version: fields added since it was written at their
    default (or NULL), dropped ones gone, record values likewise at every depth."""
    values = _conform_fields(table.columns, row.values)
    return row if values == row.values else replace(row, values=values)


def _conform_fields(columns, values: dict) -> dict:
    out = {}
    for column in columns:
        if column.name in values:
            out[column.name] = _conform_value(column.type, values[column.name])
        else:
            out[column.name] = column.default if column.has_default else None
    return out


def _conform_value(typedef: TypeDef, value):
    if value is None or typedef.kind == "JSON":
        return value
    if typedef.kind == "RECORD" and isinstance(value, dict):
        return _conform_fields(typedef.fields, value)
    if (
        typedef.kind == "ARRAY"
        and isinstance(value, list)
        and typedef.element.kind in ("RECORD", "ARRAY", "MAP")
    ):
        return [_conform_value(typedef.element, v) for v in value]
    if (
        typedef.kind == "MAP"
        and isinstance(value, dict)
        and typedef.element.kind in ("RECORD", "ARRAY", "MAP")
    ):
        return {k: _conform_value(typedef.element, v) for k, v in value.items()}
    return value


def _evolve(table: TableDef, command: AlterTable, parent: TableDef | None) -> list[Column]:
    """The table's fields after ``ALTER TABLE ... (ADD ..., DROP ...)``; the table is left untouched."""
    columns = list(table.columns)
    for action, path, column in command.changes:
        shown = ".".join(path)
        if len(path) == 1:
            existing = next((c for c in columns if c.name.lower() == path[0].lower()), None)
            if action == "ADD":
                if existing is not None:
                    raise field_exists(shown)
                columns.append(column)
                continue
            if existing is None:
                raise NoSQLError(RESOURCE_NOT_FOUND, f"Field does not exist: {shown}")
            if existing.name in table.primary_key:
                raise illegal(f"Cannot remove a primary key field: {existing.name}")
            _check_not_indexed(table, path)
            columns = [c for c in columns if c is not existing]
            continue
        top = next((c for c in columns if c.name.lower() == path[0].lower()), None)
        if top is None:
            raise illegal(f"Invalid field path {shown}: table {table.name} has no field {path[0]}")
        if action == "DROP":
            _check_not_indexed(table, path)
        new_type = _evolve_record(top.type, path, 1, action, column)
        columns = [replace(c, type=new_type) if c is top else c for c in columns]
    return columns


def _evolve_record(typedef: TypeDef, path: list[str], depth: int, action: str, column: Column | None):
    shown = ".".join(path)
    if typedef.kind != "RECORD":
        raise illegal(f"Invalid field path {shown}: {'.'.join(path[:depth])} is not a RECORD field")
    name = path[depth]
    existing = typedef.field(name)
    fields = list(typedef.fields)
    if depth < len(path) - 1:
        if existing is None:
            raise illegal(f"Invalid field path {shown}: {'.'.join(path[: depth + 1])} does not exist")
        inner = _evolve_record(existing.type, path, depth + 1, action, column)
        fields = [replace(f, type=inner) if f is existing else f for f in fields]
    elif action == "ADD":
        if existing is not None:
            raise field_exists(shown)
        fields.append(column)
    else:
        if existing is None:
            raise NoSQLError(RESOURCE_NOT_FOUND, f"Field does not exist: {shown}")
        if len(fields) == 1:
            raise illegal(f"Cannot remove the last field of a record: {shown}")
        fields = [f for f in fields if f is not existing]
    return replace(typedef, fields=tuple(fields))


def _check_not_indexed(table: TableDef, path: list[str]) -> None:
    dropped = [p.lower() for p in path]
    for index in table.indexes.values():
        for field_path, _ in index.fields:
            steps = [s.strip('"').lower() for s in field_path.replace("[]", "").split(".")]
            if steps[: len(dropped)] == dropped:
                raise illegal(f"Cannot remove an index key field: {'.'.join(path)} (index {index.name})")


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
        identity_cache: int = 0,
        generate: bool = True,
    ) -> WriteResult:
        """``generate=False``: the row keeps the identity/UUID values it has (a query's UPDATE)."""
        generated: list = []

        def generate_value(column: Column):
            value = (
                self.store.next_identity(table, identity_cache)
                if column.identity is not None
                else str(uuid.uuid4())
            )
            generated.append(value)
            return value

        values = check_row(
            table, value, exact, generate_value if generate else None, update=op == PUT_IF_PRESENT
        )
        made = generated[0] if generated else None
        pk = pk_of(table, values)
        if self.store.cloud:
            _check_sizes(table, values)
        existing = self.read(table, pk)
        read_kb = existing.kb if existing is not None and op != PUT else 0
        if op == PUT_IF_ABSENT and existing is not None:
            return WriteResult(False, existing=existing, read_kb=read_kb, generated=made)
        if op == PUT_IF_PRESENT and existing is None:
            return WriteResult(False, read_kb=1, generated=made)
        if op == PUT_IF_VERSION and (existing is None or existing.version != match_version):
            return WriteResult(False, existing=existing, read_kb=max(read_kb, 1), generated=made)
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
        return WriteResult(True, row.version, returned, read_kb, row.kb, made)

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


def _sort_key(pk: tuple) -> tuple:
    return tuple(_comparable(v) for v in pk)


# --- table definitions on disk ----------------------------------------------------------------------


def _column_to_json(c: Column) -> dict:
    out = {
        "name": c.name,
        "type": _type_to_json(c.type),
        "nullable": c.nullable,
        "default": dumps_tagged(c.default),
        "has_default": c.has_default,
    }
    if c.identity is not None:
        out["identity"] = asdict(c.identity)
    return out


def _type_to_json(t: TypeDef) -> dict:
    return {
        "kind": t.kind,
        "precision": t.precision,
        "size": t.size,
        "symbols": list(t.symbols),
        "element": _type_to_json(t.element) if t.element is not None else None,
        "fields": [_column_to_json(f) for f in t.fields],
        "as_uuid": t.as_uuid,
        "generated": t.generated,
    }


def _type_from_json(t: dict) -> TypeDef:
    return TypeDef(
        t["kind"],
        t["precision"],
        t["size"],
        tuple(t["symbols"]),
        _type_from_json(t["element"]) if t.get("element") else None,
        tuple(_column_from_json(f) for f in t.get("fields", ())),
        t.get("as_uuid", False),
        t.get("generated", False),
    )


def _column_from_json(c: dict) -> Column:
    # Files written before nested types kept the type's attributes on the column itself.
    typedef = _type_from_json(c.get("type", c))
    identity = Identity(**c["identity"]) if c.get("identity") else None
    return Column(c["name"], typedef, c["nullable"], loads_tagged(c["default"]), c["has_default"], identity)


def _table_to_json(table: TableDef) -> dict:
    return {
        "name": table.name,
        "columns": [_column_to_json(c) for c in table.columns],
        "primary_key": table.primary_key,
        "shard_key": table.shard_key,
        "ttl": [table.ttl.value, table.ttl.unit] if table.ttl else None,
        "parent": table.parent,
        "ddl": table.ddl,
        "limits": table.limits,
        "indexes": [[i.name, [list(f) for f in i.fields]] for i in table.indexes.values()],
        "children": table.children,
        "seq_reserved": table.seq_reserved,
    }


def _table_from_json(data: dict) -> TableDef:
    return TableDef(
        name=data["name"],
        columns=[_column_from_json(c) for c in data["columns"]],
        primary_key=data["primary_key"],
        shard_key=data["shard_key"],
        ttl=TTL(*data["ttl"]) if data["ttl"] else None,
        parent=data["parent"],
        ddl=data["ddl"],
        limits=data["limits"],
        indexes={name: IndexDef(name, [tuple(f) for f in fields]) for name, fields in data["indexes"]},
        children=data["children"],
        # A restarted emulator resumes after the last cached block, skipping its unused values.
        seq_next=data.get("seq_reserved"),
        seq_reserved=data.get("seq_reserved"),
    )
