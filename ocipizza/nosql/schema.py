"""Table schemas parsed from Oracle NoSQL DDL, and the value rules every backend shares.

The DDL in ``ocipizza.nosql.tables`` is the single source of truth: the Oracle backend sends it to the
database as written, and the embedded backend reads the same statements through ``parse_ddl`` to learn
columns, keys, defaults and TTLs. Only the subset of Oracle NoSQL DDL that the project writes is
understood; anything else is a ``SchemaError`` rather than a guess.

Schema evolution: ``compare_table`` sets a declared table beside the columns a database holds (each
backend's ``existing_columns``) and gives the ``ALTER TABLE name (ADD ...)`` that adds what is missing, or
the conflicts no ALTER can fix (Oracle NoSQL cannot change a column's type or an ENUM's values).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from .exceptions import InvalidKey, InvalidValue, SchemaError

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
SCALAR_TYPES = {
    "STRING",
    "INTEGER",
    "LONG",
    "DOUBLE",
    "NUMBER",
    "BOOLEAN",
    "TIMESTAMP",
    "JSON",
    "ENUM",
    "BINARY",
}
MAX_STRING_BYTES = 512 * 1024


@dataclass(frozen=True)
class TimeToLive:
    """A row lifetime in Oracle NoSQL's units: whole hours or whole days (0 means never expires)."""

    value: int
    unit: str  # "HOURS" or "DAYS"

    @classmethod
    def of(cls, ttl: TimeToLive | dt.timedelta) -> TimeToLive:
        if isinstance(ttl, TimeToLive):
            return ttl
        if not isinstance(ttl, dt.timedelta) or ttl < dt.timedelta(0):
            raise InvalidValue("ttl must be a non-negative datetime.timedelta")
        seconds = ttl.total_seconds()
        if seconds % 86400 == 0:
            return cls(int(seconds // 86400), "DAYS")
        # Oracle NoSQL counts TTL in whole hours at the finest; round up so a row never dies early.
        return cls(math.ceil(seconds / 3600), "HOURS")

    @property
    def unit_seconds(self) -> int:
        return 86400 if self.unit == "DAYS" else 3600

    def expiration(self, now: float) -> float | None:
        """Oracle's rule: now + TTL, rounded up to the next whole unit (hour or day, UTC)."""
        if self.value == 0:
            return None
        unit = self.unit_seconds
        return math.ceil((now + self.value * unit) / unit) * unit


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    default: object = None
    enum_values: tuple[str, ...] = ()
    precision: int = 3  # fractional-second digits of a TIMESTAMP

    def coerce(self, value, *, table: str):
        """Return ``value`` checked against the column type, or raise ``InvalidValue`` naming the column."""
        if value is None:
            if not self.nullable:
                raise InvalidValue(f"{table}.{self.name} cannot be null")
            return None
        checker = _COERCERS[self.type]
        try:
            return checker(self, value)
        except (TypeError, ValueError, InvalidOperation, OverflowError) as e:
            raise InvalidValue(
                f"{table}.{self.name} expects {self.type.lower()}, got {type(value).__name__}: {e}"
            ) from e

    @property
    def type_ddl(self) -> str:
        """The type as Oracle NoSQL DDL writes it: ``ENUM(A, B)``, ``TIMESTAMP(3)``, ``STRING``."""
        if self.type == "ENUM":
            return f"ENUM({', '.join(self.enum_values)})"
        if self.type == "TIMESTAMP":
            return f"TIMESTAMP({self.precision})"
        return self.type

    def ddl(self) -> str:
        """The column's definition in Oracle NoSQL DDL, as a CREATE TABLE or an ALTER TABLE ADD takes it."""
        parts = [self.name, self.type_ddl]
        if not self.nullable:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {_default_ddl(self)}")
        return " ".join(parts)


def _default_ddl(column: Column) -> str:
    value = column.default
    if column.type == "BOOLEAN":
        return "TRUE" if value else "FALSE"
    if column.type == "ENUM":
        return value  # a bare symbol, as Oracle writes enum defaults
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise SchemaError(f"column {column.name}: cannot write DEFAULT {value!r} as DDL")


def _coerce_string(column, value):
    if not isinstance(value, str):
        raise TypeError("not a str")
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    if len(value) > MAX_STRING_BYTES // 4 and len(value.encode()) > MAX_STRING_BYTES:
        raise ValueError("longer than 512 KiB")
    return value


def _coerce_int(bounds):
    def coerce(column, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("not an int")
        if not bounds[0] <= value <= bounds[1]:
            raise ValueError("out of range")
        return value

    return coerce


def _coerce_double(column, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a float")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("must be finite")
    return value


def _coerce_number(column, value):
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        # Floats are refused on purpose: money must never pass through binary floating point.
        raise TypeError("use decimal.Decimal or int")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError("must be finite")
    return value


def _coerce_boolean(column, value):
    if not isinstance(value, bool):
        raise TypeError("not a bool")
    return value


def _coerce_timestamp(column, value):
    if not isinstance(value, dt.datetime):
        raise TypeError("not a datetime")
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    value = value.astimezone(dt.UTC)
    # Keep only the declared precision, as the database would, so a read returns what was stored.
    digits = min(column.precision, 6)
    micro = value.microsecond - value.microsecond % (10 ** (6 - digits))
    return value.replace(microsecond=micro)


def _coerce_json(column, value):
    check_json(value, column.name)
    return value


def _coerce_enum(column, value):
    if not isinstance(value, str):
        raise TypeError("not a str")
    if value not in column.enum_values:
        raise ValueError(f"must be one of {', '.join(column.enum_values)}")
    return value


def _coerce_binary(column, value):
    if not isinstance(value, bytes | bytearray):
        raise TypeError("not bytes")
    return bytes(value)


_COERCERS = {
    "STRING": _coerce_string,
    "INTEGER": _coerce_int(INT32),
    "LONG": _coerce_int(INT64),
    "DOUBLE": _coerce_double,
    "NUMBER": _coerce_number,
    "BOOLEAN": _coerce_boolean,
    "TIMESTAMP": _coerce_timestamp,
    "JSON": _coerce_json,
    "ENUM": _coerce_enum,
    "BINARY": _coerce_binary,
}


def check_json(value, where: str, depth: int = 0) -> None:
    """Accept only what both backends store losslessly: dicts with str keys, lists, str, int, float, bool."""
    if depth > 32:
        raise ValueError(f"{where}: nested too deeply")
    if value is None or isinstance(value, str | bool):
        return
    if isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise ValueError(f"{where}: integer out of range")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: floats must be finite")
        return
    if isinstance(value, list | tuple):
        for item in value:
            check_json(item, where, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: JSON object keys must be strings")
            check_json(item, f"{where}.{key}", depth + 1)
        return
    raise TypeError(f"{where}: {type(value).__name__} is not JSON (store money as a string)")


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    fields: tuple[tuple[str, str | None], ...]  # (path, declared type for JSON paths)


@dataclass(frozen=True)
class Table:
    """One table as its DDL declares it. Child tables carry their parents' key columns first."""

    name: str
    columns: Mapping[str, Column]
    primary_key: tuple[str, ...]
    shard_key: tuple[str, ...]
    ttl: TimeToLive | None = None
    parent: str | None = None
    ddl: str = ""
    indexes: tuple[Index, ...] = field(default=())

    def column(self, name: str) -> Column:
        return self.columns[name]

    def key_of(self, row: Mapping) -> tuple:
        return tuple(row[name] for name in self.primary_key)

    def check_key(self, key: Mapping) -> dict:
        """Return the primary key with checked values; every key column, nothing else."""
        if not isinstance(key, Mapping):
            raise InvalidKey(f"the key for {self.name} must be a dict of {', '.join(self.primary_key)}")
        missing = [name for name in self.primary_key if name not in key]
        extra = [name for name in key if name not in self.primary_key]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"not key columns: {', '.join(map(str, extra))}")
            raise InvalidKey(
                f"bad key for {self.name} ({'; '.join(parts)}); the key is ({', '.join(self.primary_key)})"
            )
        checked = {}
        for name in self.primary_key:
            if key[name] is None:
                raise InvalidKey(f"{self.name}.{name} is a key column and cannot be null")
            try:
                checked[name] = self.columns[name].coerce(key[name], table=self.name)
            except InvalidValue as e:
                raise InvalidKey(str(e)) from e
        return checked

    def check_row(self, row: Mapping) -> dict:
        """Return a complete row: checked values, defaults for absent columns; unknown columns refused."""
        if not isinstance(row, Mapping):
            raise InvalidValue(f"a row of {self.name} must be a dict")
        unknown = [name for name in row if name not in self.columns]
        if unknown:
            raise InvalidValue(f"{self.name} has no column {', '.join(map(str, unknown))}")
        self.check_key({name: row.get(name) for name in self.primary_key})
        checked = {}
        for name, column in self.columns.items():
            value = row.get(name, column.default)
            checked[name] = column.coerce(value, table=self.name)
        return checked

    def shard_of(self, key: Mapping) -> tuple:
        return tuple(key[name] for name in self.shard_key)


class Schema:
    """A set of tables and indexes built from DDL statements, in the order they must be created."""

    def __init__(self, statements: Iterable[str]):
        self.statements: tuple[str, ...] = tuple(" ".join(s.split()) for s in statements)
        self.tables: dict[str, Table] = {}
        for statement in self.statements:
            parsed = parse_ddl(statement, self.tables)
            if isinstance(parsed, AlterTable):
                raise SchemaError(
                    f"{statement!r}: declare each table whole in its CREATE TABLE (add the column there); "
                    "nosql_migrate adds it to a table that already exists"
                )
            if isinstance(parsed, Table):
                self.tables[parsed.name] = parsed
            else:
                table = self.tables[parsed.table]
                self.tables[parsed.table] = replace(table, indexes=(*table.indexes, parsed))

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables


# --- a small parser for the DDL subset -------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<punct>[(),.]))"
)


class _Tokens:
    def __init__(self, text: str):
        self.items: list[tuple[str, str]] = []
        position = 0
        text = text.strip().rstrip(";")
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise SchemaError(f"cannot parse DDL near {text[position : position + 20]!r}")
            position = match.end()
            kind = match.lastgroup
            self.items.append((kind, match.group(kind)))
        self.position = 0

    def peek(self, offset: int = 0) -> str | None:
        index = self.position + offset
        return self.items[index][1] if index < len(self.items) else None

    def next(self) -> tuple[str, str]:
        if self.position >= len(self.items):
            raise SchemaError("unexpected end of DDL statement")
        item = self.items[self.position]
        self.position += 1
        return item

    def keyword(self, *words: str) -> bool:
        upcoming = [self.peek(i) for i in range(len(words))]
        if all(u is not None and u.upper() == w for u, w in zip(upcoming, words, strict=True)):
            self.position += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.keyword(*words):
            raise SchemaError(f"expected {' '.join(words)} but found {self.peek()!r}")

    def name(self) -> str:
        kind, value = self.next()
        if kind != "name":
            raise SchemaError(f"expected a name but found {value!r}")
        return value

    def dotted(self) -> str:
        parts = [self.name()]
        while self.peek() == ".":
            self.next()
            parts.append(self.name())
        return ".".join(parts)

    def done(self) -> bool:
        return self.position >= len(self.items)


@dataclass(frozen=True)
class AlterTable:
    """``ALTER TABLE name (ADD column ..., ...)``: the only evolution the project makes (never DROP)."""

    table: str
    added: tuple[Column, ...]

    @property
    def ddl(self) -> str:
        return f"ALTER TABLE {self.table} ({', '.join('ADD ' + c.ddl() for c in self.added)})"


def parse_ddl(statement: str, known: Mapping[str, Table]) -> Table | Index | AlterTable:
    """Parse one CREATE TABLE, CREATE INDEX or ALTER TABLE ... (ADD ...) statement of the supported subset."""
    tokens = _Tokens(statement)
    if tokens.keyword("ALTER", "TABLE"):
        table = _parse_alter(tokens, known)
        if not tokens.done():
            raise SchemaError(f"unexpected {tokens.peek()!r} at the end of the statement")
        return table
    tokens.expect("CREATE")
    if tokens.keyword("TABLE"):
        table = _parse_table(tokens, known, statement)
    elif tokens.keyword("INDEX"):
        table = _parse_index(tokens, known)
    else:
        raise SchemaError("only CREATE TABLE, CREATE INDEX and ALTER TABLE ... (ADD ...) are supported")
    if not tokens.done():
        raise SchemaError(f"unexpected {tokens.peek()!r} at the end of the statement")
    return table


def _parse_table(tokens: _Tokens, known: Mapping[str, Table], statement: str) -> Table:
    tokens.keyword("IF", "NOT", "EXISTS")
    name = tokens.dotted()
    parent = name.rpartition(".")[0] or None
    if parent and parent not in known:
        raise SchemaError(f"child table {name} needs its parent {parent} declared first")
    tokens.expect("(")
    columns: dict[str, Column] = {}
    own_key: list[str] = []
    shard: list[str] = []
    while True:
        if tokens.keyword("PRIMARY", "KEY"):
            tokens.expect("(")
            if tokens.keyword("SHARD"):
                shard = _name_list(tokens)
                own_key.extend(shard)
                if tokens.peek() == ",":
                    tokens.next()
            if tokens.peek() != ")":
                own_key.extend(_names_until_close(tokens))
            else:
                tokens.next()
        else:
            column = _parse_column(tokens)
            if column.name in columns:
                raise SchemaError(f"column {column.name} declared twice")
            columns[column.name] = column
        if tokens.peek() == ",":
            tokens.next()
            continue
        tokens.expect(")")
        break
    if not own_key:
        raise SchemaError(f"table {name} has no PRIMARY KEY")
    for key in own_key:
        if key not in columns:
            raise SchemaError(f"key column {key} of {name} is not declared")
        if columns[key].type in ("JSON", "BOOLEAN", "BINARY"):
            raise SchemaError(f"key column {key} of {name} cannot be {columns[key].type}")
        if columns[key].default is not None or not columns[key].nullable:
            raise SchemaError(f"key column {key} of {name} cannot have NOT NULL or a DEFAULT")
    ttl = None
    if tokens.keyword("USING", "TTL"):
        kind, value = tokens.next()
        unit = tokens.name().upper()
        if kind != "number" or unit not in ("DAYS", "HOURS"):
            raise SchemaError("USING TTL takes a whole number of DAYS or HOURS")
        ttl = TimeToLive(int(value), unit)
    # Key columns are never null; Oracle NoSQL enforces it for them implicitly.
    for key in own_key:
        columns[key] = replace(columns[key], nullable=False)
    if parent:
        parent_table = known[parent]
        inherited = {k: parent_table.columns[k] for k in parent_table.primary_key}
        clash = set(inherited) & set(columns)
        if clash:
            raise SchemaError(f"child table {name} redeclares parent key columns {', '.join(sorted(clash))}")
        return Table(
            name=name,
            columns={**inherited, **columns},
            primary_key=(*parent_table.primary_key, *own_key),
            shard_key=parent_table.shard_key,
            ttl=ttl,
            parent=parent,
            ddl=" ".join(statement.split()),
        )
    return Table(
        name=name,
        columns=columns,
        primary_key=tuple(own_key),
        shard_key=tuple(shard or own_key),
        ttl=ttl,
        ddl=" ".join(statement.split()),
    )


def _parse_alter(tokens: _Tokens, known: Mapping[str, Table]) -> AlterTable:
    name = tokens.dotted()
    if name not in known:
        raise SchemaError(f"ALTER TABLE on an undeclared table {name}")
    tokens.expect("(")
    added: list[Column] = []
    while True:
        if not tokens.keyword("ADD"):
            # DROP and MODIFY would lose or rewrite data; the project only ever adds columns.
            raise SchemaError(f"ALTER TABLE {name}: only ADD is supported, found {tokens.peek()!r}")
        column = _parse_column(tokens)
        if column.name.lower() in (c.name.lower() for c in added):
            raise SchemaError(f"ALTER TABLE {name} adds {column.name} twice")
        added.append(column)
        if tokens.peek() == ",":
            tokens.next()
            continue
        tokens.expect(")")
        return AlterTable(name, tuple(added))


def _name_list(tokens: _Tokens) -> list[str]:
    tokens.expect("(")
    return _names_until_close(tokens)


def _names_until_close(tokens: _Tokens) -> list[str]:
    names = [tokens.name()]
    while tokens.peek() == ",":
        tokens.next()
        names.append(tokens.name())
    tokens.expect(")")
    return names


def _parse_column(tokens: _Tokens) -> Column:
    name = tokens.name()
    type_name = tokens.name().upper()
    if type_name not in SCALAR_TYPES:
        raise SchemaError(f"column {name}: type {type_name} is not supported")
    enum_values: tuple[str, ...] = ()
    precision = 3
    if type_name == "ENUM":
        enum_values = tuple(_name_list(tokens))
    elif type_name == "TIMESTAMP":
        tokens.expect("(")
        kind, value = tokens.next()
        if kind != "number" or not 0 <= int(value) <= 9:
            raise SchemaError(f"column {name}: TIMESTAMP precision must be 0 to 9")
        precision = int(value)
        tokens.expect(")")
    nullable = True
    default = None
    while True:
        if tokens.keyword("NOT", "NULL"):
            nullable = False
        elif tokens.keyword("DEFAULT"):
            default = _parse_default(tokens, type_name, name)
        else:
            break
    # Oracle NoSQL's own rules, enforced here so that DDL the embedded store accepts also runs there.
    if not nullable and default is None:
        raise SchemaError(f"column {name}: NOT NULL needs a DEFAULT in Oracle NoSQL")
    if type_name == "JSON" and (not nullable or default is not None):
        raise SchemaError(f"column {name}: a JSON column can have neither NOT NULL nor a DEFAULT")
    column = Column(
        name=name, type=type_name, nullable=nullable, enum_values=enum_values, precision=precision
    )
    if default is not None:
        column = replace(column, default=column.coerce(default, table="DEFAULT"))
    return column


def _parse_default(tokens: _Tokens, type_name: str, column: str):
    kind, value = tokens.next()
    if kind == "string":
        return value[1:-1].replace("''", "'")
    if kind == "number":
        if type_name == "NUMBER":
            return Decimal(value)
        if type_name == "DOUBLE":
            return float(value)
        return int(value)
    upper = value.upper()
    if upper in ("TRUE", "FALSE") and type_name == "BOOLEAN":
        return upper == "TRUE"
    if type_name == "ENUM":
        return value
    raise SchemaError(f"column {column}: unsupported DEFAULT {value!r}")


def _parse_index(tokens: _Tokens, known: Mapping[str, Table]) -> Index:
    tokens.keyword("IF", "NOT", "EXISTS")
    name = tokens.name()
    tokens.expect("ON")
    table_name = tokens.dotted()
    if table_name not in known:
        raise SchemaError(f"index {name} is on an undeclared table {table_name}")
    table = known[table_name]
    tokens.expect("(")
    fields: list[tuple[str, str | None]] = []
    while True:
        path = tokens.dotted()
        declared = None
        if tokens.keyword("AS"):
            declared = tokens.name().upper()
        root = path.split(".")[0]
        if root not in table.columns:
            raise SchemaError(f"index {name}: {table_name} has no column {root}")
        if "." in path and (table.columns[root].type != "JSON" or declared is None):
            raise SchemaError(f"index {name}: JSON path {path} needs a JSON column and an AS type")
        fields.append((path, declared))
        if tokens.peek() == ",":
            tokens.next()
            continue
        tokens.expect(")")
        break
    return Index(name=name, table=table_name, fields=tuple(fields))


def check_identifier(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise InvalidValue(f"{what} {name!r} is not a valid identifier")
    return name


# --- schema evolution ------------------------------------------------------------------------------


def schema_fields(columns: Iterable[Column]) -> list[dict]:
    """Columns as the ``fields`` of Oracle NoSQL's table schema JSON (what GetTable answers)."""
    fields = []
    for column in columns:
        field_ = {"name": column.name, "type": column.type, "nullable": column.nullable}
        if column.default is not None:
            default = column.default
            field_["default"] = str(default) if isinstance(default, Decimal) else default
        if column.type == "ENUM":
            field_["symbols"] = list(column.enum_values)
        if column.type == "TIMESTAMP":
            field_["precision"] = column.precision
        fields.append(field_)
    return fields


def columns_from_schema(schema: str | Mapping) -> dict[str, Column]:
    """The columns of a table schema JSON (Oracle's GetTable ``schema``, or its ``fields`` list).

    Types the project never declares (FLOAT, FIXED_BINARY, ARRAY...) are kept by name, so comparing them
    with a declaration reports a type change rather than failing here.
    """
    if isinstance(schema, str):
        import json

        try:
            schema = json.loads(schema)
        except ValueError as e:
            raise SchemaError(f"the table schema from the database is not JSON: {e}") from e
    fields = schema.get("fields") if isinstance(schema, Mapping) else schema
    if not isinstance(fields, list):
        raise SchemaError("the table schema from the database has no fields")
    columns: dict[str, Column] = {}
    for item in fields:
        kind = str(item.get("type", "")).upper()
        column = Column(
            name=item["name"],
            type=kind,
            nullable=bool(item.get("nullable", True)),
            enum_values=tuple(item.get("symbols") or ()),
            precision=int(item.get("precision", 9)) if kind == "TIMESTAMP" else 3,
        )
        default = item.get("default")
        if default is not None and kind in _COERCERS:
            column = replace(column, default=_schema_default(column, default))
        columns[column.name] = column
    return columns


def _schema_default(column: Column, value):
    """A default from schema JSON as the column's Python value; as given when it does not convert."""
    try:
        if column.type == "BOOLEAN" and isinstance(value, str):
            return value.strip().lower() == "true"
        if column.type == "NUMBER":
            return Decimal(str(value))
        if column.type in ("INTEGER", "LONG") and isinstance(value, str):
            return int(value)
        if column.type == "DOUBLE":
            return float(value)
    except (ValueError, InvalidOperation):
        pass
    return value


@dataclass(frozen=True)
class TableChanges:
    """How a table in the database differs from its declaration.

    ``added``: declared columns the table lacks, which ``statement`` adds. ``conflicts``: differences no
    ALTER TABLE can make (a changed type or ENUM, a missing key column); nothing may be migrated while
    there are any. ``notes``: differences left as they are (a changed DEFAULT or NOT NULL, an undeclared
    column kept because migrations never drop data).
    """

    table: str
    added: tuple[Column, ...] = ()
    conflicts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def statement(self) -> str | None:
        return AlterTable(self.table, self.added).ddl if self.added else None


def compare_table(declared: Table, existing: Mapping[str, Column]) -> TableChanges:
    """Set ``declared`` (from tables.py) beside the columns the database holds; see ``TableChanges``.

    Names compare case-insensitively, as Oracle NoSQL's field names do.
    """
    remaining = {name.lower(): column for name, column in existing.items()}
    name = declared.name
    added: list[Column] = []
    conflicts: list[str] = []
    notes: list[str] = []
    for column in declared.columns.values():
        found = remaining.pop(column.name.lower(), None)
        where = f"{name}.{column.name}"
        if found is None:
            if column.name in declared.primary_key:
                conflicts.append(
                    f"{where}: tables.py declares a primary key column the table lacks, and Oracle NoSQL "
                    "cannot change an existing table's primary key. Create a table under a new name and "
                    "copy the rows with a command, or put the key back as it was."
                )
            else:
                added.append(column)
            continue
        if found.type == "ENUM" and column.type == "ENUM" and found.enum_values != column.enum_values:
            conflicts.append(
                f"{where}: the database has {found.type_ddl}, tables.py declares {column.type_ddl}. "
                "Oracle NoSQL cannot change ENUM values with ALTER TABLE (not even add one at the end). "
                "Put the ENUM back as the database has it, or declare a new column under another name "
                "(a STRING, or an ENUM with the new values) and move the data with a command."
            )
        elif found.type_ddl != column.type_ddl:
            conflicts.append(
                f"{where}: the database has {found.type_ddl}, tables.py declares {column.type_ddl}. "
                "Oracle NoSQL cannot change a column's type. Put the declaration back as the database has "
                "it, or declare a new column under another name and copy the data with a command."
            )
        elif (found.nullable, found.default) != (column.nullable, column.default):
            notes.append(
                f"{where}: the database has {found.ddl()}, tables.py declares {column.ddl()}. Oracle NoSQL "
                "cannot change a column's DEFAULT or NOT NULL, so the database's stay; rows written "
                "before a column was added keep reading its DEFAULT from the database."
            )
    for column in remaining.values():
        notes.append(
            f"{name}.{column.name} is in the database but not in tables.py; it stays "
            "(nosql_migrate never drops data)."
        )
    return TableChanges(name, tuple(added), tuple(conflicts), tuple(notes))
