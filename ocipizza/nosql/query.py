"""The closed query vocabulary that repositories use and every backend compiles.

Repositories never write statements. They describe a query with ``Query``, ``Eq``, ``Range`` and
``IsNull``; ``plan`` checks it against the table schema and turns it, together with the continuation of
the previous page, into a tree of ``Compare``/``And``/``Or`` nodes that a backend compiles into its own
SQL with bind variables. Pagination is by key set (the last row's sort values), so a continuation is a
small opaque string that survives across HTTP requests and stays correct while rows are inserted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

from .exceptions import InvalidQuery, InvalidValue
from .schema import IDENTIFIER, INT64, Column, Table

MAX_PAGE_SIZE = 1000
OPERATORS = ("=", "<", "<=", ">", ">=")
MAX_NUMBER_EXPONENT = 6144  # decimal128's range, ample for any stored NUMBER


@dataclass(frozen=True)
class Eq:
    """``field == value``. A field is a column or a path into a JSON column (``"address.cep"``)."""

    field: str
    value: object


@dataclass(frozen=True)
class Range:
    """``gt``/``gte`` < field < ``lt``/``lte``; give one bound or two."""

    field: str
    gt: object = None
    gte: object = None
    lt: object = None
    lte: object = None


@dataclass(frozen=True)
class IsNull:
    """The field is null or (for JSON paths) missing; ``IsNull(f, False)`` asks for a present value."""

    field: str
    null: bool = True


@dataclass(frozen=True)
class Query:
    """Rows of ``table`` matching every condition, sorted, one page at a time.

    ``order_by`` holds field names, ``"-name"`` for descending. The primary key is always appended as a
    tie-breaker so that pages never overlap or skip rows. Rows whose sort field is null are not returned.
    """

    table: str
    where: tuple = ()
    order_by: tuple[str, ...] = ()
    limit: int = 100
    after: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "where", tuple(self.where))
        object.__setattr__(self, "order_by", tuple(self.order_by))


# --- the compiled form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A checked field: its column, the JSON path below it (empty for plain columns) and its type."""

    column: Column
    path: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return ".".join((self.column.name, *self.path))

    @property
    def type(self) -> str:
        # Values inside JSON are typed by the Python value compared with them.
        return "JSON" if self.path else self.column.type


@dataclass(frozen=True)
class Compare:
    field: Field
    op: str
    value: object


@dataclass(frozen=True)
class Null:
    field: Field
    null: bool


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Plan:
    """What a backend compiles: conditions, sort fields with direction, and the page size."""

    table: Table
    condition: And
    order: tuple[tuple[Field, bool], ...] = field(default=())  # (field, descending)
    limit: int = 100
    fingerprint: str = ""


def plan(query: Query, table: Table) -> Plan:
    """Check ``query`` against ``table`` and return what backends compile, continuation included."""
    if (
        not isinstance(query.limit, int)
        or isinstance(query.limit, bool)
        or not 1 <= query.limit <= MAX_PAGE_SIZE
    ):
        raise InvalidQuery(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}")
    parts: list = []
    for condition in query.where:
        parts.extend(_conditions(condition, table))
    order = []
    seen = set()
    for item in query.order_by:
        if not isinstance(item, str) or not item:
            raise InvalidQuery("order_by takes field names, '-name' for descending")
        descending = item.startswith("-")
        resolved = resolve_field(table, item.lstrip("-"))
        if resolved.name in seen:
            raise InvalidQuery(f"{resolved.name} appears twice in order_by")
        seen.add(resolved.name)
        order.append((resolved, descending))
        parts.append(Null(resolved, False))
    default_descending = order[-1][1] if order else False
    for key in table.primary_key:
        if key not in seen:
            order.append((Field(table.columns[key]), default_descending))
    fingerprint = _fingerprint(table, parts, order)
    if query.after is not None:
        last = decode_continuation(query.after, fingerprint, order)
        parts.append(_after(order, last))
    return Plan(
        table=table,
        condition=And(tuple(parts)),
        order=tuple(order),
        limit=query.limit,
        fingerprint=fingerprint,
    )


def resolve_field(table: Table, name: str) -> Field:
    if not isinstance(name, str):
        raise InvalidQuery("field names must be strings")
    root, *path = name.split(".")
    if root not in table.columns:
        raise InvalidQuery(f"{table.name} has no column {root!r}")
    for part in path:
        if not IDENTIFIER.match(part):
            raise InvalidQuery(f"{name!r} is not a valid JSON path")
    column = table.columns[root]
    if path and column.type != "JSON":
        raise InvalidQuery(f"{table.name}.{root} is not a JSON column, so {name!r} has no path")
    return Field(column, tuple(path))


def _conditions(condition, table: Table) -> list:
    if isinstance(condition, Eq):
        resolved = resolve_field(table, condition.field)
        if condition.value is None:
            raise InvalidQuery(f"use IsNull({condition.field!r}) to look for nulls")
        return [Compare(resolved, "=", check_value(resolved, condition.value, table))]
    if isinstance(condition, Range):
        resolved = resolve_field(table, condition.field)
        if condition.gt is not None and condition.gte is not None:
            raise InvalidQuery("give gt or gte, not both")
        if condition.lt is not None and condition.lte is not None:
            raise InvalidQuery("give lt or lte, not both")
        bounds = [
            (op, value)
            for op, value in (
                (">", condition.gt),
                (">=", condition.gte),
                ("<", condition.lt),
                ("<=", condition.lte),
            )
            if value is not None
        ]
        if not bounds:
            raise InvalidQuery(f"Range({condition.field!r}) needs at least one bound")
        return [Compare(resolved, op, check_value(resolved, value, table)) for op, value in bounds]
    if isinstance(condition, IsNull):
        return [Null(resolve_field(table, condition.field), bool(condition.null))]
    raise InvalidQuery(f"unsupported condition {condition!r}; use Eq, Range or IsNull")


def check_value(resolved: Field, value, table: Table):
    if resolved.path:
        if isinstance(value, bool | str | int | float) and value == value:
            return value
        raise InvalidQuery(f"{resolved.name}: JSON fields compare with str, int, float or bool values")
    if resolved.column.type == "JSON":
        raise InvalidQuery(f"{resolved.name} is a whole JSON column; compare one of its fields instead")
    try:
        return resolved.column.coerce(value, table=table.name)
    except InvalidValue as e:
        raise InvalidQuery(str(e)) from e


def _after(order, last) -> Or:
    """Rows strictly after ``last`` in sort order: a > x, or a = x and b > y, and so on."""
    branches = []
    for index, (resolved, descending) in enumerate(order):
        equal = [Compare(order[i][0], "=", last[i]) for i in range(index)]
        branches.append(And((*equal, Compare(resolved, "<" if descending else ">", last[index]))))
    return Or(tuple(branches))


# --- continuations ----------------------------------------------------------------------------------


def _fingerprint(table: Table, parts, order) -> str:
    # Ties a continuation to the query that made it, so a token pasted into another query is refused.
    description = repr((table.name, parts, [(f.name, d) for f, d in order]))
    return hashlib.blake2s(description.encode(), digest_size=6).hexdigest()


def _encode_value(value):
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode()}
    return value


def _decode_value(value, resolved: Field):
    if isinstance(value, dict) and not resolved.path:
        if len(value) != 1 or not isinstance(next(iter(value.values())), str):
            raise ValueError("unknown value tag")
        if "n" in value:
            number = Decimal(value["n"])
            # Finite and of a size a row can hold: a crafted 1E+999999999 would overflow a backend.
            if not number.is_finite() or abs(number.adjusted()) > MAX_NUMBER_EXPONENT:
                raise ValueError("number out of range")
            return number
        if "t" in value:
            return dt.datetime.fromisoformat(value["t"])
        if "b" in value:
            return base64.b64decode(value["b"], validate=True)
        raise ValueError("unknown value tag")
    if resolved.path:
        # JSON values in rows are plain scalars (both backends read them so); anything else was forged.
        if isinstance(value, bool | str):
            return value
        if isinstance(value, int) and INT64[0] <= value <= INT64[1]:
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        raise ValueError("not a JSON scalar")
    return value


def encode_continuation(plan_: Plan, row: dict) -> str:
    values = [_encode_value(field_value(row, resolved)) for resolved, _ in plan_.order]
    payload = json.dumps([plan_.fingerprint, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_continuation(token: str, fingerprint: str, order) -> list:
    # Any garbage is InvalidQuery, never a driver error: continuations come back from URLs.
    try:
        if not isinstance(token, str) or len(token) > 4096:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, list) or len(payload) != 2:
            raise ValueError("not a continuation")
        stamp, values = payload
        if not isinstance(stamp, str) or not isinstance(values, list):
            raise ValueError("not a continuation")
        if stamp != fingerprint or len(values) != len(order):
            raise ValueError("belongs to another query")
        decoded = []
        for value, (resolved, _) in zip(values, order, strict=True):
            value = _decode_value(value, resolved)
            if not resolved.path:
                value = resolved.column.coerce(value, table="continuation")
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, ArithmeticError, RecursionError, binascii.Error, InvalidValue) as e:
        raise InvalidQuery("the continuation token is invalid or belongs to another query") from e


def field_value(row: dict, resolved: Field):
    value = row.get(resolved.column.name)
    for part in resolved.path:
        value = value.get(part) if isinstance(value, dict) else None
    return value
