"""Table definitions, the DDL subset that creates them, and the checks a row must pass to be stored."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import (
    INDEX_NOT_FOUND,
    TABLE_NOT_FOUND,
    NoSQLError,
    illegal,
    unsupported,
)
from .lexer import TokenStream
from .nson import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN
from .values import EMPTY, JSON_NULL, Timestamp, WireTimestamp

ATOMIC_TYPES = (
    "STRING",
    "INTEGER",
    "LONG",
    "DOUBLE",
    "FLOAT",
    "NUMBER",
    "BOOLEAN",
    "TIMESTAMP",
    "JSON",
    "BINARY",
    "ENUM",
)
PRIMARY_KEY_TYPES = ("STRING", "INTEGER", "LONG", "DOUBLE", "FLOAT", "NUMBER", "TIMESTAMP", "ENUM")
INDEX_PATH_TYPES = ("STRING", "INTEGER", "LONG", "DOUBLE", "NUMBER", "BOOLEAN", "ANYATOMIC", "POINT")
TTL_UNITS = {"DAYS": "DAYS", "DAY": "DAYS", "D": "DAYS", "HOURS": "HOURS", "HOUR": "HOURS", "H": "HOURS"}


@dataclass(frozen=True)
class TypeDef:
    kind: str
    precision: int = 9  # TIMESTAMP fractional digits
    size: int = 0  # fixed BINARY(n)
    symbols: tuple[str, ...] = ()  # ENUM

    def ddl(self) -> str:
        if self.kind == "TIMESTAMP":
            return f"TIMESTAMP({self.precision})"
        if self.kind == "ENUM":
            return "ENUM(" + ", ".join(self.symbols) + ")"
        if self.kind == "BINARY" and self.size:
            return f"BINARY({self.size})"
        return self.kind

    def enum_index(self, symbol: str) -> int:
        return self.symbols.index(symbol)


@dataclass
class Column:
    name: str
    type: TypeDef
    nullable: bool = True
    default: object = None
    has_default: bool = False

    def ddl(self) -> str:
        text = f"{self.name} {self.type.ddl()}"
        if not self.nullable and self.has_default:  # key columns are not null without saying so
            text += " NOT NULL"
        if self.has_default:
            text += f" DEFAULT {_default_ddl(self.type, self.default)}"
        return text

    def to_json(self) -> dict:
        out: dict = {"name": self.name, "type": "BINARY" if self.type.size else self.type.kind}
        if self.type.size:
            out["type"] = "FIXED_BINARY"
        out["nullable"] = self.nullable
        if self.has_default:
            out["default"] = _default_json(self.default)
        if self.type.kind == "ENUM":
            out["symbols"] = list(self.type.symbols)
        if self.type.size:
            out["size"] = self.type.size
        if self.type.kind == "TIMESTAMP":
            out["precision"] = self.type.precision
        return out


def _default_ddl(typedef: TypeDef, value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if typedef.kind == "ENUM":
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = _default_json(value)
    return "'" + str(text).replace("'", "''") + "'"


def _default_json(value):
    if isinstance(value, Timestamp):
        return value.iso()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


@dataclass(frozen=True)
class TTL:
    value: int
    unit: str  # "DAYS" or "HOURS"

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"

    @property
    def unit_ms(self) -> int:
        return 86_400_000 if self.unit == "DAYS" else 3_600_000

    def expiration(self, now_ms: int) -> int:
        """Oracle's rule: the write time rounded up to the next unit boundary, plus the TTL (0 = never)."""
        if self.value == 0:
            return 0
        unit = self.unit_ms
        return (-(-now_ms // unit) + self.value) * unit

    @classmethod
    def parse(cls, text: str) -> TTL:
        parts = text.strip().split()
        if len(parts) != 2 or parts[1].upper() not in TTL_UNITS:
            raise illegal(f"Invalid TTL value: {text!r}; use '<n> DAYS' or '<n> HOURS'")
        try:
            value = int(parts[0])
        except ValueError:
            raise illegal(f"Invalid TTL value: {text!r}") from None
        if value < 0:
            raise illegal(f"TTL value must not be negative: {text!r}")
        return cls(value, TTL_UNITS[parts[1].upper()])


@dataclass
class IndexDef:
    name: str
    fields: list[tuple[str, str | None]]  # (path as written, declared type for JSON paths)

    def to_json(self) -> dict:
        out_fields = []
        for path, kind in self.fields:
            entry = {"path": path}
            if kind:
                entry["type"] = kind
            out_fields.append(entry)
        return {"name": self.name, "type": "secondary", "fields": out_fields, "withNoNulls": False}


@dataclass
class TableDef:
    name: str
    columns: list[Column]
    primary_key: list[str]
    shard_key: list[str]
    ttl: TTL | None = None
    parent: str | None = None
    ddl: str = ""
    limits: dict | None = None
    indexes: dict[str, IndexDef] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._by_lower = {c.name.lower(): c for c in self.columns}

    def column(self, name: str) -> Column | None:
        return self._by_lower.get(name.lower())

    def add_columns(self, columns: list[Column], parent: TableDef | None) -> None:
        """ALTER TABLE ... (ADD ...): the fields join the end of the table, as Oracle appends them."""
        self.columns.extend(columns)
        self._by_lower = {c.name.lower(): c for c in self.columns}
        self.ddl = self.create_ddl(parent)

    def create_ddl(self, parent: TableDef | None) -> str:
        """The table's CREATE TABLE as it stands now (GetTable's DDL after an ALTER); a child table's
        inherited key columns are left out, as it is written."""
        inherited = len(parent.primary_key) if parent is not None else 0
        own_key = self.primary_key[inherited:]
        parts = [c.ddl() for c in self.columns if c.name not in self.primary_key[:inherited]]
        if parent is None and self.shard_key != self.primary_key:
            rest = "".join(f", {k}" for k in own_key[len(self.shard_key) :])
            parts.append(f"PRIMARY KEY(SHARD({', '.join(self.shard_key)}){rest})")
        else:
            parts.append(f"PRIMARY KEY({', '.join(own_key)})")
        ttl = f" USING TTL {self.ttl}" if self.ttl is not None else ""
        return f"CREATE TABLE {self.name} ({', '.join(parts)}){ttl}"

    @property
    def top_level(self) -> str:
        return self.name.split(".")[0]

    def schema_json(self) -> str:
        out: dict = {"json_version": 1, "type": "table", "name": self.name}
        if self.parent:
            out["parent"] = self.parent
        if self.ttl is not None:
            out["ttl"] = str(self.ttl)
        out["shardKey"] = list(self.shard_key)
        out["primaryKey"] = list(self.primary_key)
        if self.children:
            out["children"] = sorted(self.children)
        out["fields"] = [c.to_json() for c in self.columns]
        if self.indexes:
            out["indexes"] = [i.to_json() for i in self.indexes.values()]
        return json.dumps(out, indent=2)


# --- value checks -----------------------------------------------------------------------------------


def _driver_type_name(value) -> str:
    if value is None:
        return "NULL"
    if value is JSON_NULL:
        return "JSON_NULL"
    if value is EMPTY:
        return "EMPTY"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER" if INT32_MIN <= value <= INT32_MAX else "LONG"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, Decimal):
        return "NUMBER"
    if isinstance(value, WireTimestamp):
        return "TIMESTAMP"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, bytes | bytearray):
        return "BINARY"
    if isinstance(value, dict):
        return "MAP"
    if isinstance(value, list):
        return "ARRAY"
    return type(value).__name__


class _Mismatch(Exception):
    pass


def _integral(value, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise _Mismatch
    if isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise _Mismatch("the value has a fractional part or is not finite")
        result = int(value)
    elif isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise _Mismatch("the value has a fractional part")
        result = int(value)
    elif isinstance(value, str) and not isinstance(value, WireTimestamp):
        try:
            result = int(value.strip())
        except ValueError:
            raise _Mismatch(f"cannot parse {value!r} as an integer") from None
    else:
        raise _Mismatch
    if not low <= result <= high:
        raise _Mismatch(f"{result} is out of range")
    return result


def _convert(typedef: TypeDef, value):
    kind = typedef.kind
    if kind in ("INTEGER", "LONG"):
        bounds = (INT32_MIN, INT32_MAX) if kind == "INTEGER" else (INT64_MIN, INT64_MAX)
        return _integral(value, *bounds)
    if kind in ("DOUBLE", "FLOAT"):
        if isinstance(value, bool):
            raise _Mismatch
        if isinstance(value, int | float | Decimal):
            return float(value)
        if isinstance(value, str) and not isinstance(value, WireTimestamp):
            try:
                return float(value)
            except ValueError:
                raise _Mismatch(f"cannot parse {value!r} as a double") from None
        raise _Mismatch
    if kind == "NUMBER":
        if isinstance(value, bool):
            raise _Mismatch
        try:
            if isinstance(value, float):
                if not math.isfinite(value):
                    raise _Mismatch("NaN and infinity are not numbers")
                return Decimal(repr(value))
            if isinstance(value, int | Decimal):
                result = Decimal(value)
            elif isinstance(value, str) and not isinstance(value, WireTimestamp):
                result = Decimal(value.strip())
            else:
                raise _Mismatch
        except InvalidOperation:
            raise _Mismatch(f"cannot parse {value!r} as a number") from None
        if not result.is_finite():
            raise _Mismatch("NaN and infinity are not numbers")
        return result
    if kind == "STRING":
        if isinstance(value, str) and not isinstance(value, WireTimestamp):
            return str(value)
        raise _Mismatch
    if kind == "BOOLEAN":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and not isinstance(value, WireTimestamp):
            return value.strip().lower() == "true"
        raise _Mismatch
    if kind == "TIMESTAMP":
        if isinstance(value, str):
            return Timestamp.parse(value, typedef.precision)
        if isinstance(value, int) and not isinstance(value, bool):
            return Timestamp.from_millis(value, typedef.precision)
        if isinstance(value, Timestamp):
            return value.with_precision(typedef.precision)
        raise _Mismatch
    if kind == "BINARY":
        if isinstance(value, bytes | bytearray):
            result = bytes(value)
        elif isinstance(value, str) and not isinstance(value, WireTimestamp):
            try:
                result = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise _Mismatch("invalid base64 string for a binary value") from None
        else:
            raise _Mismatch
        if typedef.size and len(result) != typedef.size:
            raise _Mismatch(f"fixed binary needs exactly {typedef.size} bytes, got {len(result)}")
        return result
    if kind == "ENUM":
        if not isinstance(value, str) or isinstance(value, WireTimestamp):
            raise _Mismatch
        if value not in typedef.symbols:
            raise _Mismatch(f"{value!r} is not one of {', '.join(typedef.symbols)}")
        return str(value)
    if kind == "JSON":
        return to_json_value(value)
    raise _Mismatch(f"unsupported column type {kind}")


def to_json_value(value, depth: int = 0):
    """Driver value to a JSON document value: timestamps become strings, binaries base64 strings."""
    if depth > 64:
        raise _Mismatch("JSON nested too deeply")
    if value is None or value is JSON_NULL:
        return JSON_NULL
    if value is EMPTY:
        raise _Mismatch("EMPTY is not a JSON value")
    if isinstance(value, WireTimestamp):
        return str(value)
    if isinstance(value, bool | int | str | Decimal):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Timestamp):
        return value.iso()
    if isinstance(value, dict):
        return {str(k): to_json_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v, depth + 1) for v in value]
    raise _Mismatch


def convert_value(column: Column, value, table: str):
    """Check and convert one driver value for ``column``; errors name the table and the column."""
    if value is None or (value is JSON_NULL and column.type.kind != "JSON"):
        if not column.nullable:
            raise illegal(f'Field "{column.name}" of table {table} is not nullable and cannot be NULL')
        return None
    if value is EMPTY:
        raise illegal(f'Invalid value for field "{column.name}" of table {table}: EMPTY is not a value')
    try:
        return _convert(column.type, value)
    except _Mismatch as e:
        detail = str(e) or f"expected {column.type.ddl()}, got {_driver_type_name(value)}"
        raise illegal(
            f'Invalid value for field "{column.name}" ({column.type.ddl()}) of table {table}: {detail}'
        ) from None
    except NoSQLError as e:
        raise illegal(f'Invalid value for field "{column.name}" of table {table}: {e.message}') from None


def convert_declared(typedef: TypeDef, value, what: str):
    """Convert a bind variable or a literal to a declared query type."""
    if value is None:
        return None
    try:
        if typedef.kind == "JSON":
            return to_json_value(value)
        return _convert(typedef, value)
    except _Mismatch as e:
        detail = str(e) or f"expected {typedef.ddl()}, got {_driver_type_name(value)}"
        raise illegal(f"Failed to create Field Value for variable '{what}': {detail}") from None


def check_row(table: TableDef, value, exact: bool) -> dict:
    """A full row for a put: every primary key field present, defaults filled, types converted."""
    if not isinstance(value, dict):
        raise illegal(f"The row for table {table.name} must be a MAP, got {_driver_type_name(value)}")
    given: dict[str, object] = {}
    for key, item in value.items():
        column = table.column(key)
        if column is None:
            if exact:
                raise illegal(f'Field "{key}" does not exist in table {table.name} (exact match requested)')
            continue  # Oracle ignores unknown fields unless an exact match is requested
        given[column.name] = item
    row: dict[str, object] = {}
    pk = set(table.primary_key)
    for column in table.columns:
        if column.name in given:
            if column.name in pk and given[column.name] in (None, JSON_NULL):
                raise illegal(f"Key field can not be null: {column.name}")
            row[column.name] = convert_value(column, given[column.name], table.name)
        elif column.name in pk:
            raise illegal(f'Primary key field "{column.name}" is missing from the row for table {table.name}')
        elif exact:
            raise illegal(
                f'Field "{column.name}" is missing from the row for table {table.name} (exact match)'
            )
        else:
            row[column.name] = column.default if column.has_default else None
    return row


def check_key(table: TableDef, value, *, partial: bool = False) -> dict:
    """A primary key (all key fields, unless ``partial``); other fields are ignored as Oracle does."""
    if not isinstance(value, dict):
        raise illegal(f"The key for table {table.name} must be a MAP, got {_driver_type_name(value)}")
    key: dict[str, object] = {}
    for name, item in value.items():
        column = table.column(name)
        if column is None or column.name not in table.primary_key:
            continue
        if item in (None, JSON_NULL):
            raise illegal(f"Key field can not be null: {column.name}")
        key[column.name] = convert_value(column, item, table.name)
    if not partial:
        for name in table.primary_key:
            if name not in key:
                raise illegal(f'Primary key field "{name}" is missing from the key for table {table.name}')
    return key


# --- DDL --------------------------------------------------------------------------------------------


@dataclass
class CreateTable:
    table: TableDef
    if_not_exists: bool


@dataclass
class AlterTable:
    """``ALTER TABLE name (ADD field type ..., ...)``: the only table evolution the emulator implements."""

    name: str
    added: list[Column]


@dataclass
class DropTable:
    name: str
    if_exists: bool


@dataclass
class CreateIndex:
    table: str
    index: IndexDef
    if_not_exists: bool


@dataclass
class DropIndex:
    table: str
    name: str
    if_exists: bool


def parse_ddl(statement: str, lookup: Callable[[str], TableDef | None]):
    """Parse one DDL statement. ``lookup`` finds existing tables (needed for child tables)."""
    ts = TokenStream(statement)
    if ts.accept_word("CREATE"):
        if ts.accept_word("TABLE"):
            result = _create_table(ts, statement, lookup)
        elif ts.at_word("INDEX"):
            ts.advance()
            result = _create_index(ts)
        elif ts.at_word("FULLTEXT", "NAMESPACE", "USER", "ROLE", "REGION"):
            raise unsupported(f"CREATE {ts.current.text.upper()}")
        else:
            raise ts.error("expected TABLE or INDEX after CREATE")
    elif ts.accept_word("DROP"):
        if ts.accept_word("TABLE"):
            if_exists = ts.accept_word("IF", "EXISTS")
            name = _table_name(ts)
            result = DropTable(name, if_exists)
        elif ts.accept_word("INDEX"):
            if_exists = ts.accept_word("IF", "EXISTS")
            index = ts.identifier("index name")
            ts.expect_word("ON")
            result = DropIndex(_table_name(ts), index, if_exists)
        else:
            raise unsupported(f"DROP {ts.current.text}")
    elif ts.accept_word("ALTER"):
        if not ts.accept_word("TABLE"):
            raise unsupported(f"ALTER {ts.current.text.upper()}")
        result = _alter_table(ts)
    elif ts.at_word("DESCRIBE", "DESC", "SHOW", "GRANT", "REVOKE"):
        raise unsupported(f"{ts.current.text.upper()} statements")
    elif ts.at_word("SELECT", "DECLARE", "INSERT", "UPSERT", "UPDATE", "DELETE"):
        raise illegal("Table requests accept DDL statements only; use a query for DML")
    else:
        raise ts.error("expected CREATE or DROP")
    ts.accept_op(";")
    if not ts.at_end():
        raise ts.error("unexpected text after the statement")
    return result


def _alter_table(ts: TokenStream) -> AlterTable:
    name = _table_name(ts)
    if ts.at_word("USING", "ADD", "DROP"):
        raise unsupported(f"ALTER TABLE ... {ts.current.text.upper()} without parentheses")
    ts.expect_op("(")
    added: list[Column] = []
    while True:
        if ts.accept_word("ADD"):
            column = _column(ts)
            if any(c.name.lower() == column.name.lower() for c in added):
                raise illegal(f"Column already exists: {column.name}")
            added.append(column)
        elif ts.at_word("DROP", "MODIFY", "ADD_REGIONS", "DROP_REGIONS"):
            raise unsupported(f"ALTER TABLE ... ({ts.current.text.upper()} ...)")
        else:
            raise ts.error("expected ADD")
        if ts.accept_op(","):
            continue
        ts.expect_op(")")
        return AlterTable(name, added)


def _table_name(ts: TokenStream) -> str:
    name = ts.identifier("table name")
    if ts.at_op(":"):
        raise unsupported("namespaces in table names")
    while ts.accept_op("."):
        name += "." + ts.identifier("table name")
    return name


def _create_table(ts: TokenStream, statement: str, lookup) -> CreateTable:
    if_not_exists = ts.accept_word("IF", "NOT", "EXISTS")
    name = _table_name(ts)
    parent = None
    if "." in name:
        parent_name = name.rsplit(".", 1)[0]
        parent = lookup(parent_name)
        if parent is None:
            raise NoSQLError(TABLE_NOT_FOUND, f"Parent table does not exist: {parent_name}")
    ts.expect_op("(")
    columns: list[Column] = []
    pk: list[str] | None = None
    shard: list[str] | None = None
    while True:
        if ts.at_word("PRIMARY") and ts.peek(1).is_word("KEY"):
            if pk is not None:
                raise illegal("The primary key is declared twice")
            ts.advance()
            ts.advance()
            pk, shard = _primary_key(ts)
        else:
            columns.append(_column(ts))
        if ts.accept_op(","):
            continue
        ts.expect_op(")")
        break
    ttl = None
    while not ts.at_end() and not ts.at_op(";"):
        if ts.accept_word("USING", "TTL"):
            ttl = _ttl(ts)
        elif ts.at_word("COMMENT"):
            ts.advance()
            if ts.current.kind != "string":
                raise ts.error("expected a comment string")
            ts.advance()
        elif ts.at_word("WITH", "AS", "ENABLE", "IN"):
            raise unsupported(f"table option {ts.current.text.upper()} ...")
        else:
            raise ts.error("unexpected text after the column list")
    return CreateTable(_build_table(name, parent, columns, pk, shard, ttl, statement.strip()), if_not_exists)


def _primary_key(ts: TokenStream) -> tuple[list[str], list[str] | None]:
    ts.expect_op("(")
    pk: list[str] = []
    shard: list[str] | None = None
    if ts.at_op(")"):
        ts.advance()
        return pk, shard
    while True:
        if ts.at_word("SHARD") and ts.peek(1).kind == "op" and ts.peek(1).text == "(":
            if shard is not None or pk:
                raise illegal("SHARD(...) must come first in the primary key, once")
            ts.advance()
            ts.expect_op("(")
            shard = [ts.identifier("column name")]
            while ts.accept_op(","):
                shard.append(ts.identifier("column name"))
            ts.expect_op(")")
            pk.extend(shard)
        else:
            pk.append(ts.identifier("column name"))
            if ts.at_op("("):
                raise unsupported("primary key column size constraints")
        if ts.accept_op(","):
            continue
        ts.expect_op(")")
        return pk, shard


def _ttl(ts: TokenStream) -> TTL:
    token = ts.advance()
    if token.kind != "number" or not token.text.isdigit():
        raise illegal("USING TTL takes a whole number followed by DAYS or HOURS")
    unit = ts.identifier("DAYS or HOURS").upper()
    if unit not in TTL_UNITS:
        raise illegal(f"Invalid TTL unit {unit}: only DAYS and HOURS are allowed")
    return TTL(int(token.text), TTL_UNITS[unit])


def parse_type(ts: TokenStream) -> TypeDef:
    word = ts.identifier("type").upper()
    if word in ("ARRAY", "MAP", "RECORD"):
        raise unsupported(f"{word} columns (use JSON)")
    if word in ("GEOMETRY", "POINT", "ANY", "ANYATOMIC", "ANYJSONATOMIC", "ANYRECORD"):
        raise unsupported(f"{word} type")
    if word not in ATOMIC_TYPES:
        raise illegal(f"Unknown type: {word}")
    if word == "TIMESTAMP":
        precision = 9
        if ts.accept_op("("):
            token = ts.advance()
            if token.kind != "number" or not token.text.isdigit() or int(token.text) > 9:
                raise illegal("TIMESTAMP precision must be a number from 0 to 9")
            precision = int(token.text)
            ts.expect_op(")")
        return TypeDef("TIMESTAMP", precision=precision)
    if word == "ENUM":
        ts.expect_op("(")
        symbols = [ts.identifier("enum symbol")]
        while ts.accept_op(","):
            symbols.append(ts.identifier("enum symbol"))
        ts.expect_op(")")
        if len(set(symbols)) != len(symbols):
            raise illegal("ENUM symbols must be unique")
        return TypeDef("ENUM", symbols=tuple(symbols))
    if word == "BINARY" and ts.accept_op("("):
        token = ts.advance()
        if token.kind != "number" or not token.text.isdigit() or int(token.text) <= 0:
            raise illegal("BINARY size must be a positive number")
        ts.expect_op(")")
        return TypeDef("BINARY", size=int(token.text))
    return TypeDef(word)


def _default_literal(ts: TokenStream, typedef: TypeDef, name: str):
    """A DEFAULT value, with the literal kinds Oracle accepts for each column type."""
    token = ts.advance()
    negative = False
    if token.kind == "op" and token.text in ("-", "+"):
        negative = token.text == "-"
        token = ts.advance()
    kind = typedef.kind
    if kind == "JSON":
        raise illegal(f"Fields of type: JSON cannot have default values (field {name})")
    if token.kind == "string":
        if kind not in ("STRING", "TIMESTAMP", "BINARY"):
            raise illegal(
                f"Quoted default value for a non-string field. Field = {name} Value = {token.text!r}"
            )
        return token.text
    if token.kind == "number":
        if kind not in ("INTEGER", "LONG", "FLOAT", "DOUBLE", "NUMBER", "TIMESTAMP"):
            raise illegal(
                f"Numeric default value for a non-numeric field. Field = {name} Value = {token.text}"
            )
        return number_literal(token.text, negative)
    if token.is_word("TRUE", "FALSE") and kind == "BOOLEAN":
        return token.text.upper() == "TRUE"
    if token.kind == "ident" and kind == "ENUM":
        return token.text  # enum defaults are written as bare symbols
    raise illegal(f"Invalid default value for field {name} ({typedef.ddl()}): {token.text!r}")


def number_literal(text: str, negative: bool = False):
    sign = "-" if negative else ""
    if text[-1] in "nN":
        return Decimal(sign + text[:-1])
    if any(c in text for c in ".eE"):
        return float(sign + text)
    return int(sign + text)


def _column(ts: TokenStream) -> Column:
    name = ts.identifier("column name")
    typedef = parse_type(ts)
    nullable = True
    default = None
    has_default = False
    while True:
        if ts.accept_word("NOT", "NULL"):
            if typedef.kind == "JSON":
                raise illegal(f"Fields of type: JSON cannot be created as not-nullable (field {name})")
            nullable = False
        elif ts.accept_word("DEFAULT"):
            default = _default_literal(ts, typedef, name)
            has_default = True
        elif ts.at_word("COMMENT"):
            ts.advance()
            if ts.current.kind != "string":
                raise ts.error("expected a comment string")
            ts.advance()
        elif ts.at_word("GENERATED", "IDENTITY", "AS"):
            raise unsupported(f"column {name}: identity and UUID columns")
        elif ts.at_word("MR_COUNTER", "CHECK", "UNIQUE", "PRIMARY", "REFERENCES"):
            raise unsupported(f"column {name}: {ts.current.text.upper()}")
        else:
            break
    # Oracle checks this per column, primary key columns included.
    if not nullable and not has_default:
        raise illegal(f"Non-nullable field without a default value. Field = {name}")
    column = Column(name, typedef, nullable, None, has_default)
    if has_default:
        column.default = convert_value(Column(name, typedef), default, "(DEFAULT)")
    return column


def _build_table(name, parent: TableDef | None, columns, pk, shard, ttl, ddl) -> TableDef:
    seen: set[str] = set()
    for column in columns:
        if column.name.lower() in seen:
            raise illegal(f"Duplicate field name: {column.name}")
        seen.add(column.name.lower())
    if pk is None or not pk:
        raise illegal(f"Table {name} needs a primary key")
    by_name = {c.name.lower(): c for c in columns}
    resolved_pk = []
    for key in pk:
        column = by_name.get(key.lower())
        if column is None:
            raise illegal(f"Primary key field does not exist: {key}")
        if column.name in resolved_pk:
            raise illegal(f"The primary key field already exists: {key}")
        if column.type.kind not in PRIMARY_KEY_TYPES:
            raise illegal(f"Invalid primary key field {column.name}: type {column.type.kind} cannot be a key")
        if column.has_default:
            raise illegal("Primary key fields can not have default values")
        column.nullable = False
        resolved_pk.append(column.name)
    shard_key = [by_name[s.lower()].name for s in shard] if shard else None
    for column in columns:
        if column.name not in resolved_pk and not column.nullable and not column.has_default:
            raise illegal(f"Not nullable field {column.name} must have a default value")
    if parent is not None:
        if shard is not None:
            raise illegal("Child tables cannot have a shard key.")
        for inherited in parent.primary_key:
            if inherited.lower() in by_name:
                raise illegal(
                    f"Field {inherited} is inherited from the parent table and cannot be redeclared"
                )
        inherited_columns = [_copy_column(parent.column(n)) for n in parent.primary_key]
        return TableDef(
            name=name,
            columns=inherited_columns + columns,
            primary_key=list(parent.primary_key) + resolved_pk,
            shard_key=list(parent.shard_key),
            ttl=ttl,
            parent=parent.name,
            ddl=ddl,
        )
    return TableDef(
        name=name,
        columns=columns,
        primary_key=resolved_pk,
        shard_key=shard_key or list(resolved_pk),
        ttl=ttl,
        ddl=ddl,
    )


def _copy_column(column: Column) -> Column:
    return Column(column.name, column.type, False, None, False)


def _create_index(ts: TokenStream) -> CreateIndex:
    if_not_exists = ts.accept_word("IF", "NOT", "EXISTS")
    name = ts.identifier("index name")
    ts.expect_word("ON")
    table = _table_name(ts)
    ts.expect_op("(")
    fields: list[tuple[str, str | None]] = []
    while True:
        path = [ts.identifier("field path")]
        while ts.accept_op("."):
            if ts.current.kind == "string":
                path.append('"' + ts.advance().text + '"')
            else:
                path.append(ts.identifier("field name"))
        if ts.at_op("[", "("):
            raise unsupported("index on arrays, maps or functions")
        kind = None
        if ts.accept_word("AS"):
            kind = ts.identifier("type").upper()
            if kind not in INDEX_PATH_TYPES:
                raise illegal(f"Invalid type for a JSON index path: {kind}")
        fields.append((".".join(path), kind))
        if ts.accept_op(","):
            continue
        ts.expect_op(")")
        break
    if ts.at_word("WITH", "COMMENT"):
        raise unsupported("index options")
    return CreateIndex(table, IndexDef(name, fields), if_not_exists)


def validate_index(table: TableDef, index: IndexDef) -> None:
    seen = set()
    for path, kind in index.fields:
        root, *rest = path.split(".")
        column = table.column(root)
        if column is None:
            raise illegal(
                f"Invalid index field definition: {path}: field does not exist in table {table.name}"
            )
        if rest and column.type.kind != "JSON":
            raise illegal(f"Invalid index field definition: {path}: {column.name} is not a JSON field")
        if column.type.kind == "JSON" and kind is None:
            raise illegal(f"Invalid index field definition: {path}: JSON index paths need 'AS <type>'")
        if column.type.kind != "JSON" and kind is not None:
            raise illegal(f"Invalid index field definition: {path}: only JSON paths take a type")
        if path.lower() in seen:
            raise illegal(f"Index {index.name} lists {path} twice")
        seen.add(path.lower())


def index_not_found(name: str, table: str) -> NoSQLError:
    return NoSQLError(INDEX_NOT_FOUND, f"Index does not exist: {name} on table {table}")
