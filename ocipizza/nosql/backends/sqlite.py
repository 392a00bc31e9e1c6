"""The embedded store: each NoSQL table is a SQLite table in one file.

Safe for several processes and threads at once: WAL journal, a busy timeout, one connection per thread
(reopened after a fork) and every conditional write inside ``BEGIN IMMEDIATE``, which serialises
writers across processes so a version check and its write can never interleave with another writer.

SQLite's own column types (TEXT, INTEGER...) cannot tell a STRING from an ENUM or a TIMESTAMP, so each
table's columns as created or altered are also recorded, in Oracle's schema JSON shape, in the
``_nosql_schema`` table: that is what ``existing_columns`` reports. A file made before that record
existed is described from ``PRAGMA table_info``: a declared column whose SQL type matches is taken as
declared.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

from ..exceptions import ConditionFailed, DoesNotExist, SchemaError, StoreUnavailable, TableMissing
from ..query import And, Compare, Field, Null, Or, Plan, encode_continuation
from ..schema import AlterTable, Column, Table, columns_from_schema, parse_ddl, schema_fields
from .base import BaseStore, CheckedDelete, CheckedPut, Page, Row, Version, expires_at

SQL_TYPES = {
    "STRING": "TEXT",
    "INTEGER": "INTEGER",
    "LONG": "INTEGER",
    "DOUBLE": "REAL",
    "NUMBER": "TEXT",
    "BOOLEAN": "INTEGER",
    "TIMESTAMP": "TEXT",
    "JSON": "TEXT",
    "ENUM": "TEXT",
    "BINARY": "BLOB",
}


logger = logging.getLogger(__name__)

META_TABLE = "_nosql_schema"
# What an unrecorded SQLite column holds, at best, when tables.py no longer says (see existing_columns).
SQL_GUESS = {"TEXT": "STRING", "INTEGER": "LONG", "REAL": "DOUBLE", "BLOB": "BINARY"}


def quote(name: str) -> str:
    # Names come from the parsed DDL (identifiers, dots), never from user input; quoting keeps
    # reserved words such as "order" and dotted child-table names valid SQL.
    return '"' + name.replace('"', '""') + '"'


def _number_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _encoder(column_type: str):
    if column_type == "NUMBER":
        return _number_text
    if column_type == "BOOLEAN":
        return int
    if column_type == "TIMESTAMP":
        # Fixed-width ISO text in UTC sorts chronologically as plain text.
        return lambda value: value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if column_type == "JSON":
        return lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return None


def _decoder(column_type: str):
    if column_type == "NUMBER":
        return Decimal
    if column_type == "BOOLEAN":
        return bool
    if column_type == "TIMESTAMP":
        return lambda text: dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    if column_type == "JSON":
        return json.loads
    return None


class _TableCodec:
    """Precomputed SQL and converters for one table, so the hot paths only bind and fetch."""

    def __init__(self, table: Table):
        self.table = table
        self.names = tuple(table.columns)
        self.encoders = tuple(_encoder(c.type) for c in table.columns.values())
        self.decoders = tuple(_decoder(c.type) for c in table.columns.values())
        self.key_encoders = tuple(_encoder(table.columns[k].type) for k in table.primary_key)
        name = quote(table.name)
        columns = ", ".join(quote(n) for n in self.names)
        key_match = " AND ".join(f"{quote(k)} = ?" for k in table.primary_key)
        live = '("_expires" IS NULL OR "_expires" > ?)'
        self.select_columns = f'{columns}, "_version", "_expires"'
        self.get_sql = f"SELECT {self.select_columns} FROM {name} WHERE {key_match} AND {live}"
        self.state_sql = f'SELECT "_version", "_expires" FROM {name} WHERE {key_match}'
        self.insert_sql = (
            f'INSERT OR REPLACE INTO {name} ({columns}, "_version", "_expires") '
            f"VALUES ({', '.join('?' * (len(self.names) + 2))})"
        )
        self.delete_sql = f"DELETE FROM {name} WHERE {key_match}"

    def encode_key(self, key: dict) -> list:
        return [
            value if encode is None else encode(value)
            for value, encode in zip(key.values(), self.key_encoders, strict=True)
        ]

    def encode_row(self, row: dict) -> list:
        return [
            value if value is None or encode is None else encode(value)
            for value, encode in zip((row[n] for n in self.names), self.encoders, strict=True)
        ]

    def decode(self, record) -> Row:
        value = {}
        for name, raw, decode in zip(self.names, record, self.decoders, strict=False):
            value[name] = raw if raw is None or decode is None else decode(raw)
        return Row(value, record[-2], expires_at(record[-1]))


class SQLiteStore(BaseStore):
    """Options: ``PATH`` (the database file) and ``TIMEOUT`` (seconds to wait for a lock, default 5)."""

    def __init__(self, alias, schema, options=None):
        super().__init__(alias, schema, options)
        path = self.options.get("PATH") or "var/nosql.sqlite3"
        self.path = str(path)
        self.timeout = float(self.options.get("TIMEOUT", 5))
        self._local = threading.local()
        self._codecs = {name: _TableCodec(table) for name, table in schema.tables.items()}
        self._clock_skew = 0.0

    # --- connections ------------------------------------------------------------------------------

    def _connection(self, *, create: bool = False) -> sqlite3.Connection:
        """This thread's connection to the file at ``path``, opened on first use and after a fork.

        Only DDL (``nosql_migrate``) may create the file: a missing store is an operator's matter, and
        an empty file made in its place would answer every page with "no such table". A connection whose
        file was replaced or removed since it was opened is dropped, so a file put back is used at once
        and no write lands in a file that is no longer the store (one stat per call, a few µs).
        """
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            if _identity(self.path) == local.identity:
                return conn
            logger.warning("the embedded store file %s was replaced or removed: reopening it", self.path)
            conn.close()
            local.conn = None
        try:
            if create:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
            else:
                if os.path.getsize(self.path) == 0:
                    # Not a store: opening it would make it an empty database (WAL mode writes a header).
                    raise StoreUnavailable(
                        f"the embedded store {self.path} is an empty file: put the real file back, or "
                        "run `python manage.py nosql_migrate` to make an empty store there"
                    )
                # mode=rw: open an existing file, never create one.
                conn = sqlite3.connect(
                    Path(self.path).absolute().as_uri() + "?mode=rw",
                    uri=True,
                    timeout=self.timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
        except (sqlite3.Error, OSError) as e:
            if not create and not os.path.exists(self.path):
                logger.error(
                    "The embedded store %s does not exist. Put the file back, or create an empty store "
                    "with `python manage.py nosql_migrate`; pages answer 503 until then.",
                    self.path,
                )
                raise StoreUnavailable(
                    f"the embedded store {self.path} does not exist; run `python manage.py nosql_migrate`"
                ) from e
            raise StoreUnavailable(f"cannot open the embedded store at {self.path}: {e}") from e
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            conn.close()
            raise StoreUnavailable(f"cannot open the embedded store at {self.path}: {e}") from e
        local.conn, local.pid, local.identity = conn, os.getpid(), _identity(self.path)
        return conn

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def now(self) -> float:
        return super().now() + self._clock_skew

    def advance_clock(self, seconds: float) -> None:
        """Move this store's clock forward (tests of TTL expiry only)."""
        self._clock_skew += seconds

    def _fail(self, error: sqlite3.Error, table: Table | None = None):
        message = str(error)
        # A connection that failed may hold a state that outlives its cause: opened read-only before the
        # file's permissions were fixed, or on a file since replaced. The next call opens a fresh one.
        self.close()
        if "no such table" in message and table is not None:
            raise TableMissing(
                f"table {table.name} does not exist yet; run `python manage.py nosql_migrate`"
            ) from error
        if ("has no column named" in message or "no such column" in message) and table is not None:
            # A store file older than tables.py: still a store failure for the caller (a 503, not a
            # 500), but one that says how to fix it.
            raise StoreUnavailable(
                f"table {table.name} lacks a column tables.py declares ({message}); "
                "run `python manage.py nosql_migrate`"
            ) from error
        raise StoreUnavailable(f"embedded store error: {message}") from error

    # --- reads ------------------------------------------------------------------------------------

    def _get(self, table: Table, key: dict) -> Row:
        codec = self._codecs[table.name]
        try:
            record = (
                self._connection().execute(codec.get_sql, (*codec.encode_key(key), self.now())).fetchone()
            )
        except sqlite3.Error as e:
            self._fail(e, table)
        if record is None:
            raise DoesNotExist(f"no {table.name} row with key {key}")
        return codec.decode(record)

    def _query(self, compiled: Plan) -> Page:
        codec = self._codecs[compiled.table.name]
        params: list = []
        where = _compile(compiled.condition, params)
        order = ", ".join(
            f"{term} {'DESC' if d else 'ASC'}" for f, d in compiled.order for term in _order_terms(f)
        )
        sql = (
            f"SELECT {codec.select_columns} FROM {quote(compiled.table.name)} "
            f'WHERE {where} AND ("_expires" IS NULL OR "_expires" > ?) ORDER BY {order} LIMIT ?'
        )
        params += [self.now(), compiled.limit + 1]
        try:
            records = self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as e:
            self._fail(e, compiled.table)
        rows = tuple(codec.decode(r) for r in records[: compiled.limit])
        more = len(records) > compiled.limit
        return Page(rows, encode_continuation(compiled, rows[-1].value) if more else None)

    # --- writes -----------------------------------------------------------------------------------

    def _put(self, op: CheckedPut) -> Version:
        return self._transaction([op])[0]

    def _delete(self, op: CheckedDelete) -> bool:
        return self._transaction([op])[0]

    def _write_many(self, ops) -> list:
        return self._transaction(ops)

    def _transaction(self, ops, *, reopened: bool = False) -> list:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            self._fail(e)
        try:
            now = self.now()
            results = [
                self._apply(conn, op, now, index if len(ops) > 1 else None) for index, op in enumerate(ops)
            ]
            conn.execute("COMMIT")
            return results
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error) and "readonly" in str(e) and not reopened:
                # A connection keeps the read-only mode it was opened in: opened while the file was
                # read-only, it refuses writes after the file was made writable again. Nothing was
                # written (rolled back): once more on a fresh connection, which sees the file as it is.
                self.close()
                return self._transaction(ops, reopened=True)
            if isinstance(e, sqlite3.Error):
                self._fail(e, ops[0].table)
            raise

    def _apply(self, conn, op, now: float, index):
        codec = self._codecs[op.table.name]
        key = codec.encode_key(op.key)
        state = conn.execute(codec.state_sql, key).fetchone()
        live = state is not None and (state[1] is None or state[1] > now)
        current_version = state[0] if live else None
        if op.if_version is not None and current_version != op.if_version:
            raise ConditionFailed(
                f"{op.table.name} {op.key}: the row changed since it was read",
                index=index,
                current=self._current(conn, codec, key, now),
            )
        if isinstance(op, CheckedDelete):
            if not live and op.must_exist:
                raise ConditionFailed(f"{op.table.name} {op.key} does not exist", index=index)
            if state is not None:
                conn.execute(codec.delete_sql, key)
            return live
        if op.if_absent and live:
            raise ConditionFailed(
                f"{op.table.name} {op.key} already exists",
                index=index,
                current=self._current(conn, codec, key, now),
            )
        if op.ttl is not None:
            expires = op.ttl.expiration(now)
        elif live:
            expires = state[1]
        else:
            expires = op.table.ttl.expiration(now) if op.table.ttl else None
        version = os.urandom(12)
        conn.execute(codec.insert_sql, (*codec.encode_row(op.row), version, expires))
        return version

    def _current(self, conn, codec, key, now) -> Row | None:
        record = conn.execute(codec.get_sql, (*key, now)).fetchone()
        return codec.decode(record) if record else None

    # --- tables -----------------------------------------------------------------------------------

    def existing_tables(self) -> set[str]:
        if not os.path.exists(self.path) or os.path.getsize(self.path) == 0:
            return set()  # no store yet, no tables: nosql_migrate creates both
        try:
            rows = (
                self._connection().execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            )
        except sqlite3.Error as e:
            self._fail(e)
        return {name for (name,) in rows if name in self.schema.tables}

    def existing_indexes(self, table: str) -> set[str]:
        try:
            rows = (
                self._connection()
                .execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,))
                .fetchall()
            )
        except sqlite3.Error as e:
            self._fail(e)
        prefix = f"{table}$"
        return {name[len(prefix) :] for (name,) in rows if name.startswith(prefix)}

    def existing_columns(self, table: str) -> dict[str, Column]:
        try:
            return self._existing_columns(self._connection(), table)
        except sqlite3.Error as e:
            self._fail(e)

    def _existing_columns(self, conn: sqlite3.Connection, table: str) -> dict[str, Column]:
        physical = conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
        if not physical:
            raise TableMissing(f"table {table} does not exist yet; run `python manage.py nosql_migrate`")
        recorded = {name.lower(): column for name, column in self._recorded(conn, table).items()}
        declared = self.schema.tables.get(table)
        columns: dict[str, Column] = {}
        # The physical columns are the truth about names; the record adds what SQL types cannot say.
        for _cid, name, sql_type, notnull, _default, key in physical:
            if name in ("_version", "_expires"):
                continue
            column = recorded.get(name.lower())
            if column is None:
                column = declared.columns.get(name) if declared else None
                if column is None or SQL_TYPES[column.type] != sql_type.upper():
                    kind = SQL_GUESS.get(sql_type.upper(), sql_type.upper())
                    column = Column(name, kind, nullable=not (notnull or key))
            columns[name] = column
        return columns

    @staticmethod
    def _recorded(conn: sqlite3.Connection, table: str) -> dict[str, Column]:
        try:
            row = conn.execute(f"SELECT fields FROM {quote(META_TABLE)} WHERE name = ?", (table,)).fetchone()
        except sqlite3.OperationalError:  # a file from before the record: no such table
            return {}
        return columns_from_schema(json.loads(row[0])) if row else {}

    @staticmethod
    def _record(conn: sqlite3.Connection, table: str, columns) -> None:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {quote(META_TABLE)} (name TEXT PRIMARY KEY, fields TEXT)")
        fields = json.dumps(schema_fields(columns), default=str)
        conn.execute(
            f"INSERT OR REPLACE INTO {quote(META_TABLE)} (name, fields) VALUES (?, ?)", (table, fields)
        )

    def _alter(self, conn: sqlite3.Connection, parsed: AlterTable, statement: str) -> None:
        existing = self._existing_columns(conn, parsed.table)
        names = {name.lower() for name in existing}
        for column in parsed.added:
            if column.name.lower() in names:
                raise SchemaError(f"cannot apply {statement!r}: Column already exists: {column.name}")
        for column in parsed.added:
            # The SQL DEFAULT is what rows written before the ALTER read, as Oracle NoSQL fills a new
            # field in when it reads a row of an older table version; new rows always carry every column.
            definition = f"{quote(column.name)} {SQL_TYPES[column.type]}"
            if column.default is not None:
                encode = _encoder(column.type)
                definition += (
                    f" DEFAULT {_sql_literal(column.default if encode is None else encode(column.default))}"
                )
            if not column.nullable:
                definition += " NOT NULL"
            conn.execute(f"ALTER TABLE {quote(parsed.table)} ADD COLUMN {definition}")
        self._record(conn, parsed.table, [*existing.values(), *parsed.added])

    def execute_ddl(self, statement: str) -> None:
        parsed = parse_ddl(statement, self.schema.tables)
        conn = self._connection(create=True)
        if isinstance(parsed, AlterTable):
            self._in_transaction(conn, statement, lambda: self._alter(conn, parsed, statement))
            return
        if isinstance(parsed, Table):
            table = self.schema.tables.get(parsed.name, parsed)
            columns = [
                f"{quote(c.name)} {SQL_TYPES[c.type]}{'' if c.nullable else ' NOT NULL'}"
                for c in table.columns.values()
            ]
            keys = ", ".join(quote(k) for k in table.primary_key)
            sql = (
                f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({', '.join(columns)}, "
                f'"_version" BLOB NOT NULL, "_expires" REAL, PRIMARY KEY ({keys})) WITHOUT ROWID'
            )
        else:
            table = self.schema.tables[parsed.table]
            fields = ", ".join(
                _expression(Field(table.columns[p.split(".")[0]], tuple(p.split(".")[1:])))
                for p, _ in parsed.fields
            )
            sql = (
                f"CREATE INDEX IF NOT EXISTS {quote(parsed.table + '$' + parsed.name)} "
                f"ON {quote(parsed.table)} ({fields})"
            )
        if not isinstance(parsed, Table):
            self._in_transaction(conn, statement, lambda: conn.execute(sql))
            return

        def create():
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table.name,)
            ).fetchone()
            conn.execute(sql)
            if not exists:
                self._record(conn, table.name, table.columns.values())

        self._in_transaction(conn, statement, create)

    def _in_transaction(self, conn: sqlite3.Connection, statement: str, work) -> None:
        """Run DDL and its record in one write transaction, so other processes see both or neither."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            self._fail(e)
        try:
            work()
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise SchemaError(f"cannot apply {statement!r}: {e}") from e
            raise

    def drop_all(self) -> None:
        conn = self._connection()
        # Children first: Oracle NoSQL refuses to drop a parent that still has child tables.
        for name in sorted(self.schema.tables, key=lambda n: -n.count(".")):
            conn.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        conn.execute(f"DROP TABLE IF EXISTS {quote(META_TABLE)}")

    def ping(self) -> None:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error as e:
            self._fail(e)

    def ready(self) -> None:
        """The file exists, holds every declared table and takes writes.

        The write check takes the write lock and sets the header's user_version to its own value inside
        a transaction that is rolled back: a read-only file or folder fails there ("attempt to write a
        readonly database"), and nothing is ever written.
        """
        conn = self._connection()
        try:
            names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = sorted(set(self.schema.tables) - names)
            if missing:
                raise TableMissing(
                    f"tables {', '.join(missing)} do not exist in the embedded store {self.path}; "
                    "run `python manage.py nosql_migrate` (or put the migrated file back)"
                )
            conn.execute("BEGIN IMMEDIATE")
            try:
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                conn.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        except sqlite3.Error as e:
            self.close()
            raise StoreUnavailable(f"the embedded store {self.path} cannot take writes: {e}") from e


def _identity(path: str) -> tuple[int, int] | None:
    """Which file ``path`` names now (device, inode), or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _sql_literal(value) -> str:
    """A constant for an SQL DEFAULT (SQLite cannot bind parameters in DDL); values come from tables.py."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "'" + str(value).replace("'", "''") + "'"


# --- query compilation ----------------------------------------------------------------------------


def _expression(resolved: Field, ordering: bool = False) -> str:
    column = quote(resolved.column.name)
    if resolved.path:
        # Path parts are checked identifiers, so the JSON path literal cannot carry anything else;
        # writing it inline (not bound) lets SQLite use expression indexes on it.
        return f"json_extract({column}, '$.{'.'.join(resolved.path)}')"
    if ordering and resolved.column.type == "NUMBER":
        return f"CAST({column} AS REAL)"
    if ordering and resolved.column.type == "ENUM":
        # Oracle NoSQL orders ENUM values by their position in the declaration, not alphabetically.
        # The symbols come from the parsed DDL (identifiers), never from user input.
        cases = " ".join(
            f"WHEN '{symbol}' THEN {index}" for index, symbol in enumerate(resolved.column.enum_values)
        )
        return f"(CASE {column} {cases} END)"
    return column


def _json_type(resolved: Field) -> str:
    return f"json_type({quote(resolved.column.name)}, '$.{'.'.join(resolved.path)}')"


def _json_kinds(value) -> str:
    """The json_type() answers a JSON value must have to be comparable with ``value`` in Oracle NoSQL,
    where numbers, strings and booleans never compare with one another (SQLite would: true is 1)."""
    if isinstance(value, bool):
        return "('true', 'false')"
    if isinstance(value, int | float):
        return "('integer', 'real')"
    return "('text')"


def _order_terms(resolved: Field) -> list[str]:
    if resolved.path:
        # Oracle's order between kinds: numbers, strings, booleans, then maps and arrays.
        rank = (
            f"(CASE {_json_type(resolved)} WHEN 'integer' THEN 0 WHEN 'real' THEN 0 WHEN 'text' THEN 2 "
            "WHEN 'true' THEN 4 WHEN 'false' THEN 4 WHEN 'object' THEN 7 WHEN 'array' THEN 8 ELSE 6 END)"
        )
        return [rank, _expression(resolved)]
    return [_expression(resolved, ordering=True)]


def _bind(resolved: Field, op: str, value):
    if resolved.path:
        return int(value) if isinstance(value, bool) else value
    kind = resolved.column.type
    if kind == "NUMBER":
        return _number_text(value) if op == "=" else float(value)
    if kind == "ENUM" and op != "=":
        return resolved.column.enum_values.index(value)
    encode = _encoder(kind)
    return value if encode is None else encode(value)


def _compile(node, params: list) -> str:
    if isinstance(node, Compare):
        params.append(_bind(node.field, node.op, node.value))
        if node.field.path:
            kinds = _json_kinds(node.value)
            return f"({_json_type(node.field)} IN {kinds} AND {_expression(node.field)} {node.op} ?)"
        ordered = node.field.column.type in ("NUMBER", "ENUM") and node.op != "="
        return f"{_expression(node.field, ordering=ordered)} {node.op} ?"
    if isinstance(node, Null):
        return f"{_expression(node.field)} IS {'' if node.null else 'NOT '}NULL"
    if isinstance(node, And):
        return "(" + " AND ".join(_compile(p, params) for p in node.parts) + ")" if node.parts else "1"
    if isinstance(node, Or):
        return "(" + " OR ".join(_compile(p, params) for p in node.parts) + ")" if node.parts else "0"
    raise TypeError(f"cannot compile {node!r}")
