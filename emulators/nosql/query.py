"""The query language: parsing, compilation against a table, and paged execution.

Statements: ``[DECLARE $v TYPE; ...]`` then ``SELECT`` (DISTINCT, expressions, GROUP BY with aggregates,
ORDER BY, LIMIT, OFFSET), ``UPDATE`` (SET, ADD, PUT, REMOVE, SET TTL, RETURNING), ``INSERT``/``UPSERT``
(VALUES, SET TTL, RETURNING) and ``DELETE`` (RETURNING), on one table. Expressions are in
``expressions.py``, functions and aggregates in ``functions.py``, the geo functions in ``geo.py``.

Every query is answered as a "simple" query (no driver-side plan): the emulator sorts, groups, removes
duplicates, offsets and limits itself, so the driver has nothing to merge (one shard). Plain scans page
with continuation keys that hold the sort position of the last row examined (rows inserted behind the
cursor are not returned twice); grouping, DISTINCT and write statements keep their state between batches
in a small server-side cache named by the continuation key.
"""

from __future__ import annotations

import bisect
import copy
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, fields

from . import functions, geo
from .errors import NoSQLError, bad_protocol, illegal, table_not_found, unsupported
from .expressions import (
    Aggregate,
    AnyCompare,
    Arith,
    ArrayCtor,
    ArrayFilterStep,
    ArraySliceStep,
    BoolOp,
    Call,
    Case,
    Cast,
    ColumnRef,
    Compare,
    Concat,
    Const,
    Env,
    Exists,
    Expr,
    FieldStep,
    InList,
    IsNull,
    IsOfType,
    MapCtor,
    MapFilterStep,
    NamePath,
    Negate,
    Not,
    RowItem,
    RowRef,
    VarRef,
    canon,
    plain,
    rank,
    sort_part,
    walk,
)
from .lexer import TokenStream
from .schema import ATOMIC_TYPES, TTL, TableDef, TypeDef, convert_declared, number_literal, parse_type
from .store import PUT, PUT_IF_ABSENT, Row, Store, Txn
from .values import EMPTY, JSON_NULL, Timestamp, WireTimestamp, dumps_tagged, loads_tagged

# A DECLAREd external variable may have any atomic column type but ENUM, or one of the wildcard types.
DECLARABLE = tuple(kind for kind in ATOMIC_TYPES if kind != "ENUM")
WILDCARD_TYPES = ("ANY", "ANYATOMIC", "ANYJSONATOMIC", "ANYRECORD")
COMPARISONS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
CONTEXT_VARIABLES = ("$", "$element", "$pos", "$key", "$value")
CLAUSE_WORDS = (
    "WHERE",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "GROUP",
    "SET",
    "ADD",
    "PUT",
    "REMOVE",
    "RETURNING",
    "LEFT",
    "JOIN",
    "NESTED",
    "UNNEST",
    "INNER",
)
PREPARED_MAGIC = b"EMUPS1:"
CONT_MAGIC = b"EMUCK1:"
STATE_MAGIC = b"EMUCK2:"
DEFAULT_BATCH_ROWS = 100  # the store's default results batch size
# Query operation codes of the prepare answer; drivers only tell SELECT (5) from the writing kinds.
OPERATION_CODES = {"select": 5, "update": 6, "insert": 7, "upsert": 7, "delete": 8}


# --- statements ----------------------------------------


@dataclass
class SelectItem:
    expr: Expr
    alias: str | None  # the AS name, if any
    name: str = ""  # the result field name, settled at compile time


@dataclass
class OrderSpec:
    expr: Expr
    desc: bool
    nulls_first: bool | None


@dataclass
class UpdateClause:
    kind: str  # SET, ADD, PUT, REMOVE
    target: Expr
    value: Expr | None = None
    position: Expr | None = None


@dataclass
class Join:
    """A table of the target's hierarchy joined by LEFT OUTER JOIN or NESTED TABLES."""

    table_name: str
    alias: str | None
    on: Expr | None
    nested: bool  # NESTED TABLES: the key predicates are implied
    table: TableDef | None = None
    inner: bool = False  # FROM a, a.b WHERE ...: the join predicates are in WHERE


@dataclass
class Statement:
    text: str
    variables: OrderedDict[str, TypeDef | None]
    kind: str  # select, update, insert, upsert, delete
    table_name: str
    alias: str | None
    where: Expr | None = None
    order_by: list[OrderSpec] = field(default_factory=list)
    limit: Expr | None = None
    offset: Expr | None = None
    select: list[SelectItem] | None = None  # None for SELECT * (and RETURNING *)
    distinct: bool = False
    group_by: list[Expr] = field(default_factory=list)
    clauses: list[UpdateClause] = field(default_factory=list)
    ttl: object = None  # (Expr, unit) or "default"
    columns: list[str] | None = None
    values: list = field(default_factory=list)  # Expr, or None for DEFAULT
    returning: bool = False
    unnest: list = field(default_factory=list)  # (path Expr, $variable) pairs of UNNEST clauses
    joins: list = field(default_factory=list)  # Join: LEFT OUTER JOIN / NESTED TABLES, in join order


# --- parsing ----------------------------------------


def parse(text: str) -> Statement:
    return _Parser(text).statement()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.ts = TokenStream(text)
        self.variables: OrderedDict[str, TypeDef | None] = OrderedDict()
        self.positional = 0

    # statements

    def statement(self) -> Statement:
        ts = self.ts
        if ts.accept_word("DECLARE"):
            while ts.current.kind == "var":
                name = ts.advance().text
                if name in self.variables:
                    raise illegal(f"Variable {name} is declared twice")
                self.variables[name] = self._declared_type()
                ts.expect_op(";")
            if not self.variables:
                raise ts.error("expected a variable declaration after DECLARE")
        if ts.at_word("CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "SHOW", "DESCRIBE", "DESC"):
            raise illegal("DDL and administrative statements must be sent as a TableRequest, not as a query")
        if ts.accept_word("SELECT"):
            statement = self._select()
        elif ts.accept_word("UPDATE"):
            statement = self._update()
        elif ts.at_word("INSERT", "UPSERT"):
            statement = self._insert(ts.advance().text.lower())
        elif ts.accept_word("DELETE"):
            statement = self._delete()
        else:
            raise ts.error("expected SELECT, UPDATE, INSERT, UPSERT or DELETE")
        ts.accept_op(";")
        if not ts.at_end():
            raise ts.error("unexpected text after the statement")
        return statement

    def _declared_type(self) -> TypeDef | None:
        ts = self.ts
        if ts.at_word(*WILDCARD_TYPES):
            ts.advance()
            return None
        typedef = parse_type(ts)
        if typedef.kind not in DECLARABLE and typedef.kind not in ("ARRAY", "MAP", "RECORD"):
            raise unsupported(f"variable type {typedef.kind}")
        return typedef

    def _new(self, kind: str, table_name: str, alias: str | None) -> Statement:
        return Statement(self.text, self.variables, kind, table_name, alias)

    def _table_ref(self, stop_words=CLAUSE_WORDS) -> tuple[str, str | None]:
        ts = self.ts
        table_name = ts.identifier("table name")
        if ts.at_op(":") and ts.peek(1).kind in ("ident", "qident"):
            ts.advance()
            table_name += ":" + ts.advance().text  # namespace:table
        while ts.at_op(".") and ts.peek(1).kind == "ident":
            ts.advance()
            table_name += "." + ts.advance().text
        alias = None
        if (
            ts.accept_word("AS")
            or ts.current.kind == "var"
            or (ts.current.kind in ("ident", "qident") and not ts.at_word(*stop_words))
        ):
            token = ts.advance()
            if token.kind not in ("ident", "var", "qident"):
                raise ts.error("expected a table alias")
            alias = token.text
        return table_name, alias

    def _table_and_alias(self, stop_words=CLAUSE_WORDS, allow_unnest=False) -> tuple[str, str | None]:
        ts = self.ts
        if ts.at_word("NESTED") and ts.peek(1).is_word("TABLES"):
            raise unsupported("NESTED TABLES outside SELECT")
        table_name, alias = self._table_ref(stop_words)
        if ts.at_op(",") and not (allow_unnest and ts.peek(1).is_word("UNNEST")):
            raise unsupported("joins other than LEFT OUTER JOIN and NESTED TABLES (several tables in FROM)")
        if ts.at_word("JOIN", "INNER"):
            raise unsupported("inner joins (use LEFT OUTER JOIN or NESTED TABLES)")
        if ts.at_word("NESTED", "UNNEST") or (ts.at_word("LEFT") and not allow_unnest):
            raise unsupported("this join form (UNNEST is written after a comma)")
        return table_name, alias

    def _from(self) -> tuple[str, str | None, list]:
        """FROM's tables: the target, then LEFT OUTER JOINs, or NESTED TABLES(...)."""
        ts = self.ts
        joins: list[Join] = []
        if ts.accept_word("NESTED", "TABLES"):
            stop = (*CLAUSE_WORDS, "ANCESTORS", "DESCENDANTS", "ON")
            ts.expect_op("(")
            table_name, alias = self._table_ref(stop)
            ancestors, descendants = [], []
            for word, bucket in (("ANCESTORS", ancestors), ("DESCENDANTS", descendants)):
                if ts.accept_word(word):
                    ts.expect_op("(")
                    while True:
                        name, other = self._table_ref(stop)
                        on = self.expr() if ts.accept_word("ON") else None
                        bucket.append(Join(name, other, on, nested=True))
                        if not ts.accept_op(","):
                            break
                    ts.expect_op(")")
            ts.expect_op(")")
            # Ancestors from the root down, then descendants from the target down.
            joins = sorted(ancestors, key=lambda j: j.table_name.count(".")) + sorted(
                descendants, key=lambda j: j.table_name.count(".")
            )
            return table_name, alias, joins
        table_name, alias = self._table_ref()
        while ts.at_op(",") and not ts.peek(1).is_word("UNNEST"):
            ts.advance()
            name, other = self._table_ref()
            joins.append(Join(name, other, None, nested=False, inner=True))
        if ts.at_word("JOIN", "INNER"):
            raise unsupported("JOIN ... ON (write inner joins as FROM a, a.b WHERE ...)")
        if ts.at_word("NESTED", "UNNEST"):
            raise unsupported("this join form (UNNEST is written after a comma)")
        if joins and ts.at_word("LEFT"):
            raise unsupported("inner and left outer joins in one query")
        while ts.accept_word("LEFT"):
            ts.accept_word("OUTER")
            ts.expect_word("JOIN")
            name, other = self._table_ref((*CLAUSE_WORDS, "ON"))
            ts.expect_word("ON")
            joins.append(Join(name, other, self.expr(), nested=False))
        return table_name, alias, joins

    def _unnest(self) -> list[tuple[Expr, str]]:
        """``, UNNEST(path [AS] $var)`` clauses: one result row per item of the path."""
        ts = self.ts
        out = []
        while ts.at_op(",") and ts.peek(1).is_word("UNNEST"):
            ts.advance()
            ts.advance()
            ts.expect_op("(")
            path = self.postfix()
            ts.accept_word("AS")
            token = ts.advance()
            if token.kind != "var" or token.text in CONTEXT_VARIABLES:
                raise illegal(f"Syntax error at position {token.pos}: UNNEST needs a variable name ($name)")
            ts.expect_op(")")
            out.append((path, token.text))
        if ts.at_op(","):
            raise unsupported("joins (more than one table in FROM)")
        return out

    def _select(self) -> Statement:
        ts = self.ts
        distinct = ts.accept_word("DISTINCT")
        select = None if ts.accept_op("*") else self._select_list()
        ts.expect_word("FROM")
        table_name, alias, joins = self._from()
        statement = self._new("select", table_name, alias)
        statement.select, statement.distinct, statement.joins = select, distinct, joins
        statement.unnest = self._unnest()
        if ts.accept_word("WHERE"):
            statement.where = self.expr()
        if ts.accept_word("GROUP", "BY"):
            statement.group_by.append(self.expr())
            while ts.accept_op(","):
                statement.group_by.append(self.expr())
        if ts.at_word("HAVING"):
            raise unsupported("HAVING")
        if ts.accept_word("ORDER", "BY"):
            while True:
                expr = self.expr()
                desc = False
                if ts.accept_word("DESC"):
                    desc = True
                else:
                    ts.accept_word("ASC")
                nulls_first = None
                if ts.accept_word("NULLS", "FIRST"):
                    nulls_first = True
                elif ts.accept_word("NULLS", "LAST"):
                    nulls_first = False
                statement.order_by.append(OrderSpec(expr, desc, nulls_first))
                if not ts.accept_op(","):
                    break
        if ts.accept_word("LIMIT"):
            statement.limit = self.additive()
        if ts.accept_word("OFFSET"):
            statement.offset = self.additive()
        if ts.at_word("UNION", "INTERSECT", "EXCEPT"):
            raise unsupported(ts.current.text.upper())
        return statement

    def _select_list(self) -> list[SelectItem]:
        ts = self.ts
        items = []
        while True:
            expr = self.expr()
            alias = None
            if ts.accept_word("AS"):
                token = ts.advance()
                if token.kind not in ("ident", "qident"):
                    raise illegal(f"Syntax error at position {token.pos}: expected a name after AS")
                alias = token.text
            items.append(SelectItem(expr, alias))
            if not ts.accept_op(","):
                break
        return items

    def _returning(self, statement: Statement) -> None:
        if self.ts.accept_word("RETURNING"):
            statement.returning = True
            statement.select = None if self.ts.accept_op("*") else self._select_list()

    def _ttl_clause(self, statement: Statement) -> None:
        ts = self.ts
        if ts.accept_word("USING", "TABLE", "DEFAULT"):
            statement.ttl = "default"
            return
        amount = self.additive()
        unit = ts.identifier("HOURS or DAYS").upper()
        if unit not in ("HOURS", "DAYS", "HOUR", "DAY"):
            raise illegal(f"Invalid TTL unit {unit}: only DAYS and HOURS are allowed")
        statement.ttl = (amount, "DAYS" if unit.startswith("DAY") else "HOURS")

    def _update(self) -> Statement:
        ts = self.ts
        table_name, alias = self._table_and_alias()
        statement = self._new("update", table_name, alias)
        kind = None
        while True:
            if ts.at_word("JSON") and ts.peek(1).is_word("MERGE"):
                raise unsupported("JSON MERGE update clauses")
            if ts.at_word("SET") and ts.peek(1).is_word("TTL"):
                ts.advance()
                ts.advance()
                self._ttl_clause(statement)
                kind = None
            else:
                if ts.at_word("SET", "ADD", "PUT", "REMOVE"):
                    kind = ts.advance().text.upper()
                elif kind is None:
                    raise ts.error("expected SET, ADD, PUT or REMOVE")
                statement.clauses.append(self._update_clause(kind))
            if not ts.accept_op(","):
                break
        if not statement.clauses and statement.ttl is None:
            raise ts.error("expected an update clause")
        ts.expect_word("WHERE")
        statement.where = self.expr()
        self._returning(statement)
        return statement

    def _update_clause(self, kind: str) -> UpdateClause:
        ts = self.ts
        target = self.postfix()
        if kind == "SET":
            ts.expect_op("=")
            return UpdateClause(kind, target, self.expr())
        if kind == "REMOVE":
            return UpdateClause(kind, target)
        first = self.concat()
        if kind == "ADD" and not ts.at_op(",") and not ts.at_word("WHERE") and not ts.at_end():
            # ADD target position values: two expressions in a row.
            return UpdateClause(kind, target, self.concat(), position=first)
        return UpdateClause(kind, target, first)

    def _insert(self, kind: str) -> Statement:
        ts = self.ts
        ts.expect_word("INTO")
        table_name, alias = self._table_and_alias(stop_words=(*CLAUSE_WORDS, "VALUES"))
        statement = self._new(kind, table_name, alias)
        if ts.accept_op("("):
            statement.columns = [ts.identifier("column name")]
            while ts.accept_op(","):
                statement.columns.append(ts.identifier("column name"))
            ts.expect_op(")")
        ts.expect_word("VALUES")
        ts.expect_op("(")
        while True:
            if ts.accept_word("DEFAULT"):
                statement.values.append(None)
            else:
                statement.values.append(self.expr())
            if not ts.accept_op(","):
                break
        ts.expect_op(")")
        if ts.accept_word("SET", "TTL"):
            self._ttl_clause(statement)
        self._returning(statement)
        return statement

    def _delete(self) -> Statement:
        ts = self.ts
        ts.expect_word("FROM")
        table_name, alias = self._table_and_alias()
        statement = self._new("delete", table_name, alias)
        if ts.accept_word("WHERE"):
            statement.where = self.expr()
        self._returning(statement)
        return statement

    # expressions

    def expr(self) -> Expr:
        parts = [self._and()]
        while self.ts.accept_word("OR"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else BoolOp("OR", parts)

    def _and(self) -> Expr:
        parts = [self._not()]
        while self.ts.accept_word("AND"):
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else BoolOp("AND", parts)

    def _not(self) -> Expr:
        if self.ts.accept_word("NOT"):
            return Not(self._not())
        return self._comparison()

    def _comparison(self) -> Expr:
        ts = self.ts
        if ts.accept_word("EXISTS"):
            return Exists(self.concat())
        left = self.concat()
        if ts.current.kind == "op" and ts.current.text in COMPARISONS:
            op = COMPARISONS[ts.advance().text]
            if ts.at_word("ANY") and ts.peek(1).text != ".":
                ts.advance()
                return AnyCompare(op, left, self.concat())
            return Compare(op, left, self.concat())
        if ts.accept_word("IS"):
            negate = ts.accept_word("NOT")
            if ts.accept_word("NULL"):
                return IsNull(left, negate)
            if ts.accept_word("OF"):
                ts.accept_word("TYPE")
                return IsOfType(left, self._sequence_types(), negate)
            raise ts.error("expected NULL or OF TYPE after IS")
        negate = False
        if ts.at_word("NOT") and ts.peek(1).is_word("IN", "BETWEEN", "LIKE"):
            ts.advance()
            negate = True
        result = None
        if ts.accept_word("IN"):
            result = self._in(left)
        elif ts.accept_word("BETWEEN"):
            low = self.concat()
            ts.expect_word("AND")
            high = self.concat()
            result = BoolOp("AND", [Compare(">=", left, low), Compare("<=", left, high)])
        elif ts.at_word("LIKE"):
            raise unsupported("LIKE (Oracle NoSQL has regex_like(string, pattern))")
        if result is not None:
            return Not(result) if negate else result
        if isinstance(left, _Tuple):
            raise ts.error("a parenthesized list of expressions must be followed by IN")
        return left

    def _in(self, left) -> Expr:
        ts = self.ts
        lefts = left.items if isinstance(left, _Tuple) else [left]
        if not ts.at_op("("):
            return InList(lefts, None, self.concat())
        ts.advance()
        options = []
        while True:
            option = self.concat()
            values = option.items if isinstance(option, _Tuple) else [option]
            if len(values) != len(lefts):
                raise illegal(
                    f"IN: every value list must have {len(lefts)} expressions, one for each on the left"
                )
            options.append(values)
            if not ts.accept_op(","):
                break
        ts.expect_op(")")
        return InList(lefts, options)

    def concat(self) -> Expr:
        parts = [self.additive()]
        while self.ts.accept_op("||"):
            parts.append(self.additive())
        return parts[0] if len(parts) == 1 else Concat(parts)

    def additive(self) -> Expr:
        node = self._multiplicative()
        while self.ts.at_op("+", "-"):
            op = self.ts.advance().text
            node = Arith(op, node, self._multiplicative())
        return node

    def _multiplicative(self) -> Expr:
        node = self._unary()
        while self.ts.at_op("*", "/") or self.ts.at_word("DIV"):
            op = self.ts.advance().text.lower()
            node = Arith(op, node, self._unary())
        return node

    def _unary(self) -> Expr:
        ts = self.ts
        if ts.at_op("-", "+"):
            sign = ts.advance().text
            if ts.current.kind == "number":
                return self._steps(Const(number_literal(ts.advance().text, sign == "-")))
            operand = self._unary()
            return Negate(operand) if sign == "-" else operand
        return self.postfix()

    def postfix(self) -> Expr:
        return self._steps(self._primary())

    def _primary(self) -> Expr:
        ts = self.ts
        token = ts.current
        if token.kind == "number":
            ts.advance()
            return Const(number_literal(token.text))
        if token.kind == "string":
            ts.advance()
            return Const(token.text)
        if token.kind == "var":
            ts.advance()
            if (
                token.text not in CONTEXT_VARIABLES
                and ts.at_op(".")
                and ts.peek(1).kind in ("ident", "qident", "string")
            ):
                # $alias.column...: a table alias written as a variable, as Oracle allows.
                return self._dotted([token.text])
            return VarRef(token.text, token.text not in CONTEXT_VARIABLES)
        if token.kind == "op" and token.text == "?":
            ts.advance()
            self.positional += 1
            name = f"#{self.positional}"
            self.variables.setdefault(name, None)
            return VarRef(name)
        if token.kind == "op" and token.text == "(":
            ts.advance()
            first = self.expr()
            if ts.accept_op(","):
                items = [first, self.expr()]
                while ts.accept_op(","):
                    items.append(self.expr())
                ts.expect_op(")")
                return _Tuple(items)
            ts.expect_op(")")
            return first
        if token.kind == "op" and token.text == "[":
            ts.advance()
            items = []
            if not ts.at_op("]"):
                items.append(self.expr())
                while ts.accept_op(","):
                    items.append(self.expr())
            ts.expect_op("]")
            return ArrayCtor(items)
        if token.kind == "op" and token.text == "{":
            ts.advance()
            entries = []
            if not ts.at_op("}"):
                while True:
                    key = self.concat()
                    ts.expect_op(":")
                    entries.append((key, self.expr()))
                    if not ts.accept_op(","):
                        break
            ts.expect_op("}")
            return MapCtor(entries)
        if token.kind in ("ident", "qident"):
            word = token.text.upper() if token.kind == "ident" else ""
            nxt = ts.peek(1)
            call = nxt.kind == "op" and nxt.text == "("
            if word in ("TRUE", "FALSE") and not call and nxt.text != ".":
                ts.advance()
                return Const(word == "TRUE")
            if word == "NULL" and not call and nxt.text != ".":
                ts.advance()
                return Const(JSON_NULL)
            if word == "CASE":
                return self._case()
            if word == "CAST" and call:
                return self._cast()
            if word == "EXTRACT" and call:
                ts.advance()
                ts.advance()
                unit = ts.identifier("a timestamp field").lower()
                ts.expect_word("FROM")
                operand = self.expr()
                ts.expect_op(")")
                return Call(unit, [operand])
            if call and token.kind == "ident":
                return self._call()
            ts.advance()
            return self._dotted([token.text])
        raise ts.error("expected an expression")

    def _dotted(self, parts: list[str]) -> NamePath:
        """Plain dotted names; the compiler decides where the table alias and the column are."""
        ts = self.ts
        while ts.at_op(".") and ts.peek(1).kind in ("ident", "qident", "string"):
            after = ts.peek(2)
            if ts.peek(1).is_word("KEYS", "VALUES") and after.kind == "op" and after.text == "(":
                break
            ts.advance()
            parts.append(ts.advance().text)
        return NamePath(parts)

    def _steps(self, node: Expr) -> Expr:
        ts = self.ts
        while True:
            if ts.at_op("."):
                nxt = ts.peek(1)
                after = ts.peek(2)
                if nxt.is_word("KEYS", "VALUES") and after.kind == "op" and after.text == "(":
                    ts.advance()
                    kind = ts.advance().text.lower()
                    ts.expect_op("(")
                    cond = None if ts.at_op(")") else self.expr()
                    ts.expect_op(")")
                    node = MapFilterStep(node, kind, cond)
                    continue
                ts.advance()
                token = ts.advance()
                if token.kind in ("ident", "qident", "string"):
                    if isinstance(node, NamePath):
                        node = NamePath([*node.parts, token.text])
                    else:
                        node = FieldStep(node, token.text)
                elif token.kind == "var":
                    node = FieldStep(node, VarRef(token.text, token.text not in CONTEXT_VARIABLES))
                elif token.kind == "op" and token.text == "(":
                    name = self.expr()
                    ts.expect_op(")")
                    node = FieldStep(node, name)
                else:
                    raise illegal(f"Syntax error at position {token.pos}: expected a field name after '.'")
                continue
            if ts.at_op("["):
                ts.advance()
                if ts.accept_op("]"):
                    node = ArrayFilterStep(node, None)
                    continue
                low = None if ts.at_op(":") else self.expr()
                if ts.accept_op(":"):
                    high = None if ts.at_op("]") else self.expr()
                    ts.expect_op("]")
                    node = ArraySliceStep(node, low, high)
                else:
                    ts.expect_op("]")
                    node = ArrayFilterStep(node, low)
                continue
            if ts.at_op("(") and isinstance(node, VarRef):
                raise illegal("A variable cannot be called as a function")
            return node

    def _call(self) -> Expr:
        ts = self.ts
        name = ts.advance().text
        ts.expect_op("(")
        lowered = name.lower()
        if lowered in functions.AGGREGATES:
            if lowered == "count" and ts.accept_op("*"):
                ts.expect_op(")")
                return Aggregate("count", None)
            distinct = ts.accept_word("DISTINCT")
            if distinct and lowered not in ("count", "array_collect"):
                raise illegal(f"DISTINCT is allowed in count and array_collect, not in {name}")
            arg = self.expr()
            if ts.at_op(","):
                raise illegal(f"Could not find function with name {name} and arity 2")
            ts.expect_op(")")
            return Aggregate(lowered, arg, distinct)
        args = []
        if not ts.at_op(")"):
            args.append(self.expr())
            while ts.accept_op(","):
                args.append(self.expr())
        ts.expect_op(")")
        return Call(lowered, args)

    def _sequence_types(self) -> list[tuple]:
        """``(ONLY? type quantifier?, ...)`` of IS OF TYPE: (TypeDef or wildcard name, only, quantifier)."""
        ts = self.ts
        ts.expect_op("(")
        types = []
        while True:
            only = ts.accept_word("ONLY")
            wildcard = ts.at_word(*WILDCARD_TYPES, "JSON")
            kind = ts.advance().text.upper() if wildcard else parse_type(ts)
            quantifier = ts.advance().text if ts.at_op("*", "+", "?") else ""
            types.append((kind, only, quantifier))
            if not ts.accept_op(","):
                break
        ts.expect_op(")")
        return types

    def _case(self) -> Expr:
        ts = self.ts
        ts.advance()
        whens = []
        while ts.accept_word("WHEN"):
            cond = self.expr()
            ts.expect_word("THEN")
            whens.append((cond, self.expr()))
        if not whens:
            raise ts.error("expected WHEN after CASE")
        otherwise = self.expr() if ts.accept_word("ELSE") else None
        ts.expect_word("END")
        return Case(whens, otherwise)

    def _cast(self) -> Expr:
        ts = self.ts
        ts.advance()
        ts.expect_op("(")
        operand = self.expr()
        ts.expect_word("AS")
        if ts.at_word(*WILDCARD_TYPES, "JSON"):
            type_name, typedef = ts.advance().text.upper(), None
        else:
            typedef = parse_type(ts)
            type_name = typedef.kind
            if type_name not in ATOMIC_TYPES or type_name == "ENUM":
                raise unsupported(f"CAST to {typedef.ddl()}")
        quantifier = ""
        if ts.at_op("*", "+", "?"):
            quantifier = ts.advance().text
        ts.expect_op(")")
        return Cast(operand, type_name, typedef, quantifier)


@dataclass(eq=True)
class _Tuple(Expr):
    """``(a, b)`` before IN."""

    items: list

    def eval(self, env):
        raise illegal("A parenthesized list of expressions is only allowed before IN")

    def children(self):
        return list(self.items)


# --- compilation against a table ----------------------------------------


@dataclass
class Compiled:
    statement: Statement
    table: TableDef
    grouping: bool = False
    streaming: bool = True

    @property
    def operation(self) -> int:
        return OPERATION_CODES[self.statement.kind]


def operation_code(compiled: Compiled) -> int:
    return compiled.operation


def compile_statement(statement: Statement, store: Store) -> Compiled:
    table = store.find_table(statement.table_name)
    if table is None:
        raise table_not_found(statement.table_name)
    compiled = Compiled(statement, table)
    resolver = _Resolver(statement, table)
    if any(join.inner for join in statement.joins):
        _resolve_inner_joins(statement, table, store, resolver)
    elif statement.joins:
        _resolve_joins(statement, table, store, resolver)
    resolved_unnest = []
    for path, var in statement.unnest:
        resolved_unnest.append((resolver.resolve(path, aggregates=False), var))
        resolver.locals.add(var)
    statement.unnest = resolved_unnest
    if statement.where is not None:
        statement.where = resolver.resolve(statement.where, aggregates=False)
    if any(join.inner for join in statement.joins):
        _check_inner_join_predicates(statement, table)
    for item in statement.select or ():
        item.expr = resolver.resolve(item.expr, aggregates=statement.kind == "select")
    for spec in statement.order_by:
        spec.expr = resolver.resolve(spec.expr, aggregates=True)
    statement.group_by = [resolver.resolve(e, aggregates=False) for e in statement.group_by]
    for clause in statement.clauses:
        clause.target = resolver.resolve(clause.target, aggregates=False)
        if clause.value is not None:
            clause.value = resolver.resolve(clause.value, aggregates=False)
        if clause.position is not None:
            clause.position = resolver.resolve(clause.position, aggregates=False)
    statement.values = [
        None if v is None else resolver.resolve(v, aggregates=False) for v in statement.values
    ]
    if isinstance(statement.ttl, tuple):
        statement.ttl = (resolver.resolve(statement.ttl[0], aggregates=False), statement.ttl[1])
    for count in (statement.limit, statement.offset):
        if count is not None:
            resolver.resolve(count, aggregates=False)
            if any(isinstance(n, ColumnRef | RowRef) for n in walk(count)):
                raise illegal("LIMIT and OFFSET must not reference the table")
            for var in (n for n in walk(count) if isinstance(n, VarRef) and n.external):
                declared = statement.variables.get(var.name)
                if declared is not None and declared.kind not in ("INTEGER", "LONG"):
                    raise illegal(f"LIMIT and OFFSET variables must be declared INTEGER or LONG: {var.name}")
    for var in resolver.externals:
        if var not in statement.variables:
            raise illegal(f"Variable {var} has not been declared")
    if statement.select is not None:
        _name_columns(statement.select)
    if statement.kind == "select":
        _check_select(compiled, statement)
    elif statement.kind == "update":
        _check_update(table, statement)
    elif statement.kind in ("insert", "upsert"):
        _check_insert(table, statement)
    if (
        statement.kind != "select"
        and statement.returning
        and any(isinstance(n, Aggregate) for item in statement.select or () for n in walk(item.expr))
    ):
        raise illegal("Aggregate functions are not allowed in a RETURNING clause")
    return compiled


def _join_label(name: str, alias: str | None) -> str:
    """The name a joined table's row goes by in SELECT * results: its alias (without $), else its name."""
    return (alias or name).lstrip("$")


def _resolve_joins(statement: Statement, table: TableDef, store: Store, resolver: _Resolver) -> None:
    """Check the hierarchy and order of joined tables, add NESTED TABLES' implied key predicates,
    check LEFT OUTER JOIN's, and resolve each ON clause (which sees the tables joined before it)."""
    target = table.name.lower()
    previous: TableDef | None = None  # the last joined table
    parent_of_next = table  # the table a descendant joins to: the target, then each descendant
    for join in statement.joins:
        joined = store.find_table(join.table_name)
        if joined is None:
            raise table_not_found(join.table_name)
        join.table = joined
        name = joined.name.lower()
        ancestor = target.startswith(name + ".")
        if not ancestor and not name.startswith(target + "."):
            raise illegal(
                f"Table {joined.name} is neither ancestor nor descendant of the target table {table.name}"
            )
        if previous is not None and name.count(".") <= previous.name.count("."):
            if not ancestor and name.count(".") == previous.name.count("."):
                raise unsupported("joins of sibling tables")
            raise illegal(
                f"Table {joined.name} is not descendant of table {previous.name}. Tables in left-outer-joins "
                "must appear in top-down order after the target table"
            )
        if not ancestor and not name.startswith(parent_of_next.name.lower() + "."):
            raise unsupported("joins of sibling tables")
        # The key that links the rows: an ancestor's own key, or the key of the table a descendant joins.
        link = list(joined.primary_key if ancestor else parent_of_next.primary_key)
        left_label = statement.alias or table.name
        if not ancestor and parent_of_next is not table:
            left_label = next(j.alias or j.table.name for j in statement.joins if j.table is parent_of_next)
        label = join.alias or joined.name
        if join.nested:
            implied = [
                Compare("=", NamePath([*left_label.split("."), c]), NamePath([*label.split("."), c]))
                for c in link
            ]
            parts = implied + ([join.on] if join.on is not None else [])
            join.on = parts[0] if len(parts) == 1 else BoolOp("AND", parts)
        resolver.joins[label.lower()] = joined
        join.on = resolver.resolve(join.on, aggregates=False)
        if not join.nested:
            linked = _linked_columns(join.on, label.lower())
            for column in link:
                if column.lower() not in linked:
                    raise illegal(
                        f"A join predicate is missing from ON clause of table {joined.name} : "
                        f"{left_label}.{column} = {label}.{column}"
                    )
        previous = joined
        if not ancestor:
            parent_of_next = joined


def _resolve_inner_joins(statement: Statement, table: TableDef, store: Store, resolver: _Resolver) -> None:
    """``FROM a, a.b, ...``: tables of one hierarchy, combined within a shard and filtered by WHERE."""
    root = table.name.lower().split(".")[0]
    seen = {table.name.lower()}
    for join in statement.joins:
        joined = store.find_table(join.table_name)
        if joined is None:
            raise table_not_found(join.table_name)
        if joined.name.lower().split(".")[0] != root:
            raise illegal(
                f"Table {joined.name} is not in the table hierarchy of {table.name}: it cannot be joined"
            )
        if joined.name.lower() in seen:
            raise unsupported(f"joining table {joined.name} with itself")
        seen.add(joined.name.lower())
        join.table = joined
        resolver.joins[(join.alias or joined.name).lower()] = joined


def _check_inner_join_predicates(statement: Statement, table: TableDef) -> None:
    """Oracle requires WHERE to equate every shard key column of each joined table with another table's."""
    where = statement.where
    target_label = statement.alias or table.name
    for join in statement.joins:
        label = join.alias or join.table.name
        linked = _linked_columns(where, label.lower()) if where is not None else set()
        for column in table.shard_key:
            if column.lower() not in linked:
                raise illegal(
                    f"The WHERE clause of a join must equate the shard key columns of the joined tables: "
                    f"{target_label}.{column} = {label}.{column} is missing"
                )


def _linked_columns(on: Expr, source: str) -> set[str]:
    """Columns of ``source`` equated in ON (top-level AND) with the same column of another table."""
    parts = on.parts if isinstance(on, BoolOp) and on.op == "AND" else [on]
    out = set()
    for part in parts:
        if isinstance(part, Compare) and part.op == "=":
            a, b = part.left, part.right
            if isinstance(a, ColumnRef) and isinstance(b, ColumnRef) and a.column.lower() == b.column.lower():
                sources = {(a.source or "").lower(), (b.source or "").lower()}
                if source in sources and len(sources) == 2:
                    out.add(a.column.lower())
    return out


def _check_select(compiled: Compiled, statement: Statement) -> None:
    has_aggregate = any(
        isinstance(n, Aggregate)
        for expr in [item.expr for item in statement.select or ()] + [s.expr for s in statement.order_by]
        for n in walk(expr)
    )
    compiled.grouping = bool(statement.group_by) or has_aggregate
    if compiled.grouping:
        if statement.select is None:
            raise illegal("SELECT * is not allowed in a grouping query: name the grouping expressions")
        for expr in [item.expr for item in statement.select] + [s.expr for s in statement.order_by]:
            _check_grouped(expr, statement.group_by)
    compiled.streaming = (
        not compiled.grouping and not statement.distinct and not statement.unnest and not statement.joins
    )
    _check_geo(statement)
    if not statement.order_by and statement.where is not None and not compiled.grouping:
        # geo_near orders its results by distance, nearest first, unless the query has an ORDER BY.
        conjuncts = (
            statement.where.parts
            if isinstance(statement.where, BoolOp) and statement.where.op == "AND"
            else [statement.where]
        )
        for part in conjuncts:
            if isinstance(part, Call) and part.name == "geo_near":
                distance = Call(
                    "geo_distance", part.args[:2], functions.lookup("geo_distance", part.args[:2])
                )
                statement.order_by.append(OrderSpec(distance, False, None))
                break


GEO_SEARCHES = ("geo_intersect", "geo_inside", "geo_within_distance", "geo_near")


def _check_geo(statement: Statement) -> None:
    """Oracle's compile-time geo checks: constant geometries must be valid, geo_near only at the top."""
    top = set()
    if statement.where is not None:
        where = statement.where
        conjuncts = where.parts if isinstance(where, BoolOp) and where.op == "AND" else [where]
        top = {id(part) for part in conjuncts}
    roots = [statement.where] + [item.expr for item in statement.select or ()]
    roots += [spec.expr for spec in statement.order_by]
    for root in roots:
        for node in walk(root):
            if not isinstance(node, Call) or node.name not in GEO_SEARCHES:
                continue
            if node.name == "geo_near" and id(node) not in top:
                raise illegal("geo_near can appear in the WHERE clause only, as a top-level condition")
            for arg in node.args[:2]:
                if any(isinstance(n, ColumnRef | RowRef | VarRef) for n in walk(arg)):
                    continue
                items = arg.eval(Env(None, None, {}, {}))
                try:
                    if len(items) != 1:
                        raise geo.NotGeometry("it must be a single item")
                    geo.parse(items[0])
                except geo.NotGeometry as e:
                    raise illegal(f"The argument of {node.name} is not a valid geometry: {e}") from None


def _check_grouped(expr: Expr, group_by: list) -> None:
    if any(expr == g for g in group_by):
        return
    if isinstance(expr, Aggregate):
        if expr.arg is not None and any(isinstance(n, Aggregate) for n in walk(expr.arg)):
            raise illegal("Aggregate functions cannot be nested")
        return
    if isinstance(expr, VarRef) and not expr.external and expr.name not in CONTEXT_VARIABLES:
        raise illegal(
            "A select or order-by expression of a grouping query must be a grouping expression or an "
            f"aggregate function: {expr.name} is neither"
        )
    if isinstance(expr, ColumnRef | RowRef):
        raise illegal(
            "A select or order-by expression of a grouping query must be a grouping expression or an "
            f"aggregate function: {expr.column if isinstance(expr, ColumnRef) else 'the row'} is neither"
        )
    for child in expr.children():
        _check_grouped(child, group_by)


def _check_update(table: TableDef, statement: Statement) -> None:
    for clause in statement.clauses:
        if isinstance(clause.target, ColumnRef) and clause.target.column in table.primary_key:
            raise illegal(f"Cannot update a primary key column: {clause.target.column}")
        if clause.kind == "REMOVE" and isinstance(clause.target, ColumnRef):
            raise illegal(f"Cannot remove a top-level column: {clause.target.column} (SET it to NULL)")
        if not _is_target(clause.target):
            raise illegal(f"The target of {clause.kind} must be a path into the row")
    keyed = _equality_columns(statement.where)
    missing = [name for name in table.shard_key if name not in keyed]
    if missing:
        raise illegal(
            "The WHERE clause of an UPDATE must give the complete shard key with equality conditions "
            f"(missing {', '.join(missing)})"
        )
    if statement.returning and any(name not in keyed for name in table.primary_key):
        raise illegal(
            "An UPDATE with a RETURNING clause must give the complete primary key in its WHERE clause "
            "(a multi-row update returns the number of rows updated)"
        )


def _is_target(node) -> bool:
    while isinstance(node, FieldStep | MapFilterStep | ArrayFilterStep | ArraySliceStep):
        node = node.input
    return isinstance(node, ColumnRef)


def _equality_columns(where) -> set[str]:
    parts = where.parts if isinstance(where, BoolOp) and where.op == "AND" else [where]
    out = set()
    for part in parts:
        if isinstance(part, Compare) and part.op == "=":
            for a, b in ((part.left, part.right), (part.right, part.left)):
                if isinstance(a, ColumnRef) and isinstance(b, Const | VarRef):
                    out.add(a.column)
    return out


def _check_insert(table: TableDef, statement: Statement) -> None:
    columns = statement.columns or [c.name for c in table.columns]
    for name in columns:
        if table.column(name) is None:
            raise illegal(f"Table {table.name} does not have a field named {name}")
    if len(statement.values) != len(columns):
        raise illegal(
            f"INSERT into {table.name}: {len(columns)} columns but {len(statement.values)} values were given"
        )
    statement.columns = [table.column(name).name for name in columns]


def _name_columns(items: list[SelectItem]) -> None:
    """An AS name (which must be unique), else the last field step's name, else ``Column_<position>``."""
    seen: set[str] = set()
    for item in items:
        if item.alias is not None:
            if item.alias in seen:
                raise illegal(f"Duplicate column name in SELECT clause: {item.alias}")
            seen.add(item.alias)
    taken: set[str] = set()
    for position, item in enumerate(items, start=1):
        name = item.alias
        if name is None:
            if isinstance(item.expr, ColumnRef):
                name = item.expr.column
            elif isinstance(item.expr, FieldStep) and isinstance(item.expr.name, str):
                name = item.expr.name
        if name is None or name in taken:
            name = f"Column_{position}"
        taken.add(name)
        item.name = name


class _Resolver:
    def __init__(self, statement: Statement, table: TableDef):
        self.statement = statement
        self.table = table
        self.externals: set[str] = set()
        self.locals: set[str] = set()  # UNNEST variables
        self.joins: dict[str, TableDef] = {}  # lower-case alias (or table name) -> joined table

    def resolve(self, node: Expr, *, aggregates: bool) -> Expr:
        return self._visit(node, aggregates, inside_aggregate=False)

    def _visit(self, node, aggregates: bool, inside_aggregate: bool):
        if isinstance(node, Call) and node.name in functions.ROW_FUNCTIONS:
            if len(node.args) != 1:
                raise illegal(f"Function {node.name} takes one argument, a row variable")
            node.args = [self._row_argument(node.name, node.args[0])]
            node.impl = functions.lookup(node.name, node.args)
            return node
        if isinstance(node, Aggregate):
            if not aggregates:
                raise illegal(f"Aggregate function {node.name} is only allowed in SELECT and ORDER BY")
            if inside_aggregate:
                raise illegal("Aggregate functions cannot be nested")
            inside_aggregate = True
        for f in fields(node):
            value = getattr(node, f.name)
            setattr(node, f.name, self._visit_value(value, aggregates, inside_aggregate))
        if isinstance(node, NamePath):
            return self._name_path(node.parts)
        if isinstance(node, VarRef):
            alias = self.statement.alias
            if alias is not None and alias.startswith("$") and node.name.lower() == alias.lower():
                return RowRef()
            if node.name in self.locals:
                return VarRef(node.name, external=False)
            if node.external:
                self.externals.add(node.name)
            return node
        if isinstance(node, Call) and node.impl is None:
            node.impl = functions.lookup(node.name, node.args)
        return node

    def _visit_value(self, value, aggregates, inside_aggregate):
        if isinstance(value, Expr):
            return self._visit(value, aggregates, inside_aggregate)
        if isinstance(value, list):
            return [self._visit_value(v, aggregates, inside_aggregate) for v in value]
        if isinstance(value, tuple):
            return tuple(self._visit_value(v, aggregates, inside_aggregate) for v in value)
        return value

    def _row_argument(self, name: str, argument):
        """The argument must be the table's row variable: a ``$alias`` declared in FROM, as Oracle requires.

        A plain alias (``FROM t x`` then ``row_version(x)``) is parsed by Oracle as a column reference, so
        it fails the way the real compiler fails: as an unknown column, or as a column that is not a row.
        """
        label = "version" if name in ("row_version", "version") else name
        alias = self.statement.alias
        if isinstance(argument, VarRef):
            if alias is not None and alias.startswith("$") and argument.name.lower() == alias.lower():
                return RowRef()
            raise illegal(f"The argument to the {label} function must be a row variable")
        if (
            isinstance(argument, NamePath)
            and len(argument.parts) == 1
            and self.table.column(argument.parts[0]) is None
        ):
            raise illegal(f"No table in the FROM clause has a column named {argument.parts[0]}")
        raise illegal(f"The argument to the {label} function must be a row variable")

    def _joined_path(self, parts: list[str]) -> Expr | None:
        """``alias.column...`` of a joined table (its name may be dotted: ``parent.child.column``)."""
        lowered = [p.lower() for p in parts]
        for label, table in self.joins.items():
            label_parts = label.split(".")
            if lowered[: len(label_parts)] == label_parts and len(parts) > len(label_parts):
                rest = parts[len(label_parts) :]
                column = table.column(rest[0])
                if column is None:
                    raise illegal(f"Table {table.name} does not have a field named {rest[0]}")
                kind = column.type.kind
                node: Expr = ColumnRef(column.name, column.type.symbols if kind == "ENUM" else (), label)
                for step in rest[1:]:
                    node = FieldStep(node, step)
                return node
        return None

    def _variable_path(self, parts: list[str]) -> Expr:
        """``$v.a.b``: field steps into an UNNEST or declared external variable (else an unknown alias)."""
        if parts[0] in self.locals:
            node: Expr = VarRef(parts[0], external=False)
        elif parts[0] in self.statement.variables:
            self.externals.add(parts[0])
            node = VarRef(parts[0])
        else:
            raise illegal(f"Unknown table alias {parts[0]}")
        for step in parts[1:]:
            node = FieldStep(node, step)
        return node

    def _name_path(self, parts: list[str]) -> Expr:
        """Turn the written root (alias, table name or bare column) into a column and field steps."""
        table = self.table
        alias = self.statement.alias
        qualified = True
        joined = self._joined_path(parts)
        if joined is not None:
            return joined
        if alias is not None and parts[0].lower() == alias.lower():
            parts = parts[1:]
        elif alias is None:
            # A path may start with the table's name, without its namespace.
            name_parts = table.name.lower().split(":")[-1].split(".")
            lowered = [p.lower() for p in parts]
            if lowered[: len(name_parts)] == name_parts and len(parts) > len(name_parts):
                parts = parts[len(name_parts) :]
            elif parts[0].startswith("$"):
                return self._variable_path(parts)
            else:
                qualified = False
        elif parts[0].startswith("$"):
            return self._variable_path(parts)
        else:
            qualified = False
        if not qualified and len(parts) > 1:
            # Oracle's grammar reads "doc.city" as column city of a table aliased doc: a JSON path must
            # start at the table alias (or, without one, the table name).
            raise illegal(f"No table in the FROM clause has an alias named {parts[0]}")
        if not parts:
            return RowRef()
        column = table.column(parts[0])
        if column is None:
            raise illegal(f"Table {table.name} does not have a field named {parts[0]}")
        kind = column.type.kind
        if len(parts) > 1 and kind not in ("JSON", "MAP", "RECORD", "ARRAY"):
            raise illegal(
                f"Field {column.name} of table {table.name} is not JSON, so it has no field {parts[1]}"
            )
        node: Expr = ColumnRef(column.name, column.type.symbols if kind == "ENUM" else ())
        for step in parts[1:]:
            node = FieldStep(node, step)
        return node


# --- execution ----------------------------------------


@dataclass
class Page:
    results: list[dict]
    continuation: bytes | None
    read_kb: int
    write_kb: int = 0


def bind_variables(statement: Statement, raw: dict) -> dict:
    names = list(statement.variables)
    bound: dict = {}
    for name, value in raw.items():
        if name.startswith("#"):
            try:
                position = int(name[1:])
            except ValueError:
                raise illegal(f"Invalid variable position: {name}") from None
            if not 1 <= position <= len(names):
                raise illegal(f"There is no external variable at position {position}")
            name = names[position - 1]
        if name not in statement.variables:
            raise illegal(f"The query doesn't contain the variable: {name}")
        typedef = statement.variables[name]
        bound[name] = _wildcard(value) if typedef is None else convert_declared(typedef, value, name)
    for name in names:
        if name not in bound:
            raise illegal(f"Variable {name} has not been bound")
    return bound


def _wildcard(value):
    """A value bound to an ANY variable (or a ``?``): driver timestamps become TIMESTAMPs."""
    if isinstance(value, WireTimestamp):
        return Timestamp.parse(str(value))
    if isinstance(value, dict):
        return {k: _wildcard(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wildcard(v) for v in value]
    return value


def _count_value(node, env: Env) -> int | None:
    if node is None:
        return None
    items = node.eval(env)
    value = items[0] if len(items) == 1 else None
    if value is None or not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise illegal("LIMIT and OFFSET must be non-negative integers")
    return value


def run(
    compiled: Compiled,
    store: Store,
    variables: dict,
    *,
    batch_limit: int,
    max_read_kb: int | None,
    continuation: bytes | None,
) -> Page:
    if continuation and continuation.startswith(STATE_MAGIC):
        return _resume(compiled, store, variables, batch_limit, max_read_kb, continuation)
    if compiled.statement.kind != "select":
        state = _State(compiled, variables, store.now_ms())
        read_kb, write_kb = _run_write(state, store)
        return _emit(state, batch_limit, read_kb, write_kb)
    if not compiled.streaming:
        state = _State(compiled, variables, store.now_ms())
        return _scan_into(state, store, batch_limit, max_read_kb)
    return _run_streaming(compiled, store, variables, batch_limit, max_read_kb, continuation)


def _env(compiled: Compiled, row: Row | None, values: dict, variables: dict, now_ms: int) -> Env:
    return Env(compiled.table, row, values, variables, now_ms)


def _pk_ranks(table: TableDef, values: dict) -> tuple:
    return tuple(rank(values.get(name)) for name in table.primary_key)


def _sorted_rows(store: Store, table: TableDef) -> list[tuple[tuple, Row]]:
    rows = [(_pk_ranks(table, row.values), row) for row in store.snapshot(table)]
    rows.sort(key=lambda entry: entry[0])
    return rows


# plain scans (no grouping, no DISTINCT): stable cursors in the continuation key


def _run_streaming(compiled, store, variables, batch_limit, max_read_kb, continuation) -> Page:
    statement, table = compiled.statement, compiled.table
    now = store.now_ms()
    base_env = _env(compiled, None, {}, variables, now)
    total_limit = _count_value(statement.limit, base_env)
    offset = _count_value(statement.offset, base_env) or 0
    matched = returned = 0
    resume = None
    if continuation:
        matched, returned, resume = _decode_continuation(continuation)
    order = statement.order_by

    def raw_key(env: Env) -> list:
        raw = []
        for spec in order:
            items = spec.expr.eval(env)
            if len(items) > 1:
                raise illegal("An ORDER BY expression returned more than one item for a row")
            raw.append(items[0] if items else EMPTY)
        raw.extend(env.values.get(name) for name in table.primary_key)
        return raw

    def make_key(raw: list) -> tuple:
        parts = [sort_part(v, spec.desc, spec.nulls_first) for v, spec in zip(raw, order, strict=False)]
        parts.extend(rank(v) for v in raw[len(order) :])
        return tuple(parts)

    entries = []
    for row in store.snapshot(table):
        env = _env(compiled, row, row.values, variables, now)
        raw = raw_key(env)
        entries.append((make_key(raw), raw, row, env))
    entries.sort(key=lambda entry: entry[0])
    start = 0
    if resume is not None:
        start = bisect.bisect_right([e[0] for e in entries], make_key(resume))
    results: list[dict] = []
    read_kb = 0
    index = start
    done = total_limit is not None and returned >= total_limit
    last_raw = None
    while index < len(entries) and not done:
        if results and len(results) >= batch_limit:
            break
        if index > start and max_read_kb is not None and read_kb >= max_read_kb:
            break
        _key, raw, row, env = entries[index]
        index += 1
        read_kb += row.kb
        last_raw = raw
        if statement.where is None or statement.where.eval(env) == [True]:
            matched += 1
            if matched > offset:
                results.append(_project(compiled, env))
                returned += 1
                if total_limit is not None and returned >= total_limit:
                    done = True
    more = not done and index < len(entries)
    cont = _encode_continuation(matched, returned, last_raw) if more and last_raw is not None else None
    return Page(results, cont, read_kb)


def project(table: TableDef, values: dict) -> dict:
    return OrderedDict((column.name, values.get(column.name)) for column in table.columns)


def _project(compiled: Compiled, env: Env) -> dict:
    """The result record: the whole row for ``SELECT *``, else one field per select item."""
    statement = compiled.statement
    select = statement.select
    if select is None and statement.joins:
        # One field per table, named by its alias, holding its row (NULL when the join found none).
        out: OrderedDict = OrderedDict()
        out[_join_label(compiled.table.name, statement.alias)] = project(compiled.table, env.values)
        for join in statement.joins:
            entry = env.locals.get("@" + (join.alias or join.table.name).lower())
            values = entry[0] if entry else None
            label = _join_label(join.table.name, join.alias)
            out[label] = None if values is None else project(join.table, values)
        return out
    if select is None:
        return project(compiled.table, env.values)
    out = OrderedDict()
    for item in select:
        items = item.expr.eval(env)
        if any(isinstance(v, RowItem) for v in items):
            raise illegal("A row variable cannot be selected: use SELECT * or name its columns")
        items = [plain(v) for v in items]
        # Oracle: an empty result becomes NULL, several items are boxed into an array.
        out[item.name] = None if not items else items[0] if len(items) == 1 else items
    return out


def _encode_continuation(matched: int, returned: int, raw: list) -> bytes:
    return CONT_MAGIC + dumps_tagged([matched, returned, raw]).encode()


def _decode_continuation(data: bytes):
    if not data.startswith(CONT_MAGIC):
        raise bad_protocol("Invalid continuation key")
    try:
        matched, returned, raw = loads_tagged(data[len(CONT_MAGIC) :].decode())
        return int(matched), int(returned), raw
    except (ValueError, TypeError) as e:
        raise bad_protocol(f"Invalid continuation key: {e}") from None


# grouping, DISTINCT and writes: state kept between batches


class _State:
    """A query that cannot stream: its scan position, its groups and, once scanned, its results."""

    def __init__(self, compiled: Compiled, variables: dict, now_ms: int):
        self.token = secrets.token_hex(8)
        self.compiled = compiled
        self.variables = variables
        self.now_ms = now_ms
        self.last_pk: tuple | None = None
        self.groups: OrderedDict = OrderedDict()  # canon key -> list of Env
        self.matches: list[Env] = []
        self.results: list[dict] | None = None
        self.emitted = 0


_STATES: OrderedDict[str, _State] = OrderedDict()
_STATES_LOCK = threading.Lock()
_STATES_MAX = 256


def _remember(state: _State) -> None:
    with _STATES_LOCK:
        _STATES[state.token] = state
        _STATES.move_to_end(state.token)
        while len(_STATES) > _STATES_MAX:
            _STATES.popitem(last=False)


def _forget(state: _State) -> None:
    with _STATES_LOCK:
        _STATES.pop(state.token, None)


def _emit(state: _State, batch_limit: int, read_kb: int, write_kb: int = 0) -> Page:
    batch = state.results[state.emitted : state.emitted + batch_limit]
    state.emitted += len(batch)
    if state.emitted < len(state.results):
        _remember(state)
        cont = STATE_MAGIC + f"{state.token}:{state.emitted}".encode()
    else:
        _forget(state)
        cont = None
    return Page(batch, cont, read_kb, write_kb)


def _resume(compiled, store, variables, batch_limit, max_read_kb, continuation) -> Page:
    try:
        token, emitted = continuation[len(STATE_MAGIC) :].decode().split(":")
        emitted = int(emitted)
    except ValueError:
        raise bad_protocol("Invalid continuation key") from None
    with _STATES_LOCK:
        state = _STATES.get(token)
    if state is None:
        if compiled.statement.kind != "select":
            # The writes are done; only the rest of the RETURNING rows is lost with the state.
            return Page([], None, 1)
        # Evicted (or the emulator restarted): compute again and skip what was already returned.
        state = _State(compiled, variables, store.now_ms())
        _scan_into(state, store, 0, None)
        state.emitted = emitted
    if state.results is None:
        return _scan_into(state, store, batch_limit, max_read_kb)
    return _emit(state, batch_limit, 1)


def _scan_into(state: _State, store: Store, batch_limit: int, max_read_kb: int | None) -> Page:
    """Scan the next rows (up to ``max_read_kb``), then, once the table is done, produce the results."""
    compiled = state.compiled
    statement, table = compiled.statement, compiled.table
    rows = _sorted_rows(store, table)
    start = 0 if state.last_pk is None else bisect.bisect_right([pk for pk, _ in rows], state.last_pk)
    read_kb = 0
    joined_rows: dict = {}  # table -> shard key -> rows in primary key order
    for join in statement.joins:
        by_shard = joined_rows.setdefault(join.table.name.lower(), {})
        if by_shard:
            continue
        for _pk, row in _sorted_rows(store, join.table):
            key = tuple(row.values.get(name) for name in join.table.shard_key)
            by_shard.setdefault(key, []).append(row)
            read_kb += row.kb if state.last_pk is None else 0
    index = start
    while index < len(rows):
        if index > start and max_read_kb is not None and read_kb >= max_read_kb:
            break
        pk, row = rows[index]
        index += 1
        read_kb += row.kb
        state.last_pk = pk
        base = _env(compiled, row, row.values, state.variables, state.now_ms)
        for env in _expand(statement, base, joined_rows):
            _collect(state, env)
    if index < len(rows):
        _remember(state)
        return Page([], STATE_MAGIC + f"{state.token}:0".encode(), read_kb)
    state.results = _finish(state)
    if batch_limit <= 0:
        return Page([], None, read_kb)
    return _emit(state, batch_limit, max(read_kb, 1))


def _expand(statement: Statement, env: Env, joined_rows: dict | None = None) -> list[Env]:
    """The row's environments: itself, or one per combination of its joined rows (a left outer join:
    NULL when none matches) and of its UNNEST items (none if empty)."""
    envs = [env]
    for join in statement.joins:
        label = (join.alias or join.table.name).lower()
        expanded = []
        for current in envs:
            shard = tuple(current.values.get(name) for name in join.table.shard_key)
            matches = []
            for row in joined_rows.get(join.table.name.lower(), {}).get(shard, ()):
                candidate = current.with_local("@" + label, row.values)
                if join.inner or join.on.eval(candidate) == [True]:
                    matches.append(candidate)
            if join.inner:
                expanded.extend(matches)  # WHERE does the rest
            else:
                expanded.extend(matches or [current.with_local("@" + label, None)])
        envs = expanded
    for path, var in statement.unnest:
        envs = [e.with_local(var, item) for e in envs for item in path.eval(e)]
    return envs


def _collect(state: _State, env: Env) -> None:
    """Filter one row environment into the query's groups (or its matches)."""
    compiled = state.compiled
    statement = compiled.statement
    if statement.where is not None and statement.where.eval(env) != [True]:
        return
    if not compiled.grouping:
        state.matches.append(env)
        return
    key = []
    for expr in statement.group_by:
        items = expr.eval(env)
        if len(items) > 1:
            raise illegal("A GROUP BY expression returned more than one item for a row")
        if not items:
            return  # Oracle skips rows whose grouping expression is empty
        key.append(canon(items[0]))
    state.groups.setdefault(tuple(key), []).append(env)


def _finish(state: _State) -> list[dict]:
    compiled = state.compiled
    statement = compiled.statement
    if compiled.grouping:
        groups = list(state.groups.values())
        if not groups and not statement.group_by:
            # Aggregates without GROUP BY always give one row (count(*) is 0 over no rows).
            groups = [[]]
        envs = []
        for members in groups:
            first = members[0] if members else _env(compiled, None, {}, state.variables, state.now_ms)
            envs.append(
                Env(
                    first.table, first.row, first.values, state.variables, state.now_ms, members, first.locals
                )
            )
    else:
        envs = state.matches
    records = [(_project(compiled, env), env) for env in envs]
    if statement.order_by:

        def key(entry):
            parts = []
            for spec in statement.order_by:
                items = spec.expr.eval(entry[1])
                if len(items) > 1:
                    raise illegal("An ORDER BY expression returned more than one item")
                parts.append(sort_part(items[0] if items else EMPTY, spec.desc, spec.nulls_first))
            return tuple(parts)

        records.sort(key=key)
    results = [record for record, _ in records]
    if statement.distinct:
        seen = set()
        unique = []
        for record in results:
            marker = canon(dict(record))
            if marker not in seen:
                seen.add(marker)
                unique.append(record)
        results = unique
    base_env = _env(compiled, None, {}, state.variables, state.now_ms)
    offset = _count_value(statement.offset, base_env) or 0
    limit = _count_value(statement.limit, base_env)
    results = results[offset:]
    if limit is not None:
        results = results[:limit]
    return results


# --- writes: UPDATE, INSERT/UPSERT, DELETE ----------------------------------------


def _ttl_value(statement: Statement, env: Env):
    """(ttl, update_ttl) for the store from a SET TTL clause."""
    if statement.ttl is None:
        return None, False
    if statement.ttl == "default":
        return None, True
    expr, unit = statement.ttl
    items = expr.eval(env)
    if len(items) != 1 or not isinstance(items[0], int) or isinstance(items[0], bool):
        raise illegal("SET TTL needs an integer number of HOURS or DAYS")
    value = items[0]
    # A negative or zero TTL means the row never expires, as Oracle documents.
    return TTL(max(value, 0), unit), True


def _run_write(state: _State, store: Store) -> tuple[int, int]:
    compiled = state.compiled
    statement, table = compiled.statement, compiled.table
    read_kb = write_kb = 0
    out: list[dict] = []
    with store.lock:
        txn = Txn(store)
        if statement.kind in ("insert", "upsert"):
            env = _env(compiled, None, {}, state.variables, state.now_ms)
            values = {}
            for name, expr in zip(statement.columns, statement.values, strict=True):
                if expr is None:
                    continue  # DEFAULT: the column's default, identity or generated value
                items = [plain(v) for v in expr.eval(env)]
                if not items:
                    continue
                values[name] = items[0] if len(items) == 1 else items
            ttl, _ = _ttl_value(statement, env)
            op = PUT_IF_ABSENT if statement.kind == "insert" else PUT
            result = txn.put(table, op, values, ttl=ttl, update_ttl=ttl is not None)
            read_kb += result.read_kb
            write_kb += result.write_kb
            if result.success:
                staged = _staged_row(txn, table, result.version)
                if statement.returning and staged is not None:
                    out.append(
                        _project(
                            compiled, _env(compiled, staged, staged.values, state.variables, state.now_ms)
                        )
                    )
            if not statement.returning:
                out.append({"NumRowsInserted": 1 if result.success else 0})
        else:
            count = 0
            for _pk, row in _sorted_rows(store, table):
                read_kb += row.kb
                env = _env(compiled, row, row.values, state.variables, state.now_ms)
                if statement.where is not None and statement.where.eval(env) != [True]:
                    continue
                if statement.kind == "delete":
                    result = txn.delete(table, {k: row.values[k] for k in table.primary_key}, None)
                    if result.success:
                        count += 1
                        write_kb += result.write_kb
                        if statement.returning:
                            out.append(_project(compiled, env))
                    continue
                new_values = _apply_update(statement, env, copy.deepcopy(dict(row.values)))
                ttl, update_ttl = _ttl_value(statement, env)
                if new_values == dict(row.values) and not update_ttl:
                    continue  # the clauses changed nothing: Oracle counts (and writes) no update
                result = txn.put(table, PUT, new_values, ttl=ttl, update_ttl=update_ttl, generate=False)
                count += 1
                write_kb += result.write_kb
                if statement.returning:
                    staged = _staged_row(txn, table, result.version)
                    out.append(
                        _project(
                            compiled, _env(compiled, staged, staged.values, state.variables, state.now_ms)
                        )
                    )
            if not statement.returning:
                name = "numRowsDeleted" if statement.kind == "delete" else "NumRowsUpdated"
                out.append({name: count})
        txn.commit()
    state.results = out
    return max(read_kb, 1), write_kb


def _staged_row(txn: Txn, table: TableDef, version: bytes) -> Row | None:
    for (_tname, _pk), (staged_table, row) in txn.staged.items():
        if staged_table is table and row is not None and row.version == version:
            return row
    return None


def _apply_update(statement: Statement, env: Env, values: dict) -> dict:
    table = env.table
    row_env = Env(table, env.row, values, env.externals, env.now_ms)
    for clause in statement.clauses:
        targets = _targets(clause.target, row_env, values)
        if clause.kind == "SET":
            for container, key in targets:
                old = container[key] if _has(container, key) else None
                new = [plain(v) for v in clause.value.eval(row_env.bind(dollar=[old]))]
                if not new:
                    continue
                container[key] = new[0] if len(new) == 1 else new
        elif clause.kind == "REMOVE":
            for container, key in sorted(targets, key=lambda t: -t[1] if isinstance(t[1], int) else 0):
                if isinstance(container, dict):
                    container.pop(key, None)
                elif 0 <= key < len(container):
                    del container[key]
        elif clause.kind in ("ADD", "PUT"):
            for container, key in targets:
                target = container[key] if _has(container, key) else None
                bound = row_env.bind(dollar=[target])
                new = [plain(v) for v in clause.value.eval(bound)]
                if clause.kind == "ADD":
                    if not isinstance(target, list):
                        continue  # ADD applies to arrays only; other items are skipped, as in Oracle
                    if clause.position is not None:
                        pos = clause.position.eval(bound)
                        if len(pos) != 1 or not isinstance(pos[0], int):
                            raise illegal("The position of an ADD clause must be an integer")
                        at = min(max(pos[0], 0), len(target))
                        target[at:at] = new
                    else:
                        target.extend(new)
                else:
                    if not isinstance(target, dict):
                        continue  # PUT applies to maps only
                    for item in new:
                        if not isinstance(item, dict):
                            raise illegal("The new value of a PUT clause must be a map")
                        target.update(item)
    return values


def _has(container, key) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and 0 <= key < len(container)


def _targets(node: Expr, env: Env, values: dict) -> list[tuple]:
    """(container, key) pairs of the items a target path selects, inside the row being updated."""
    if isinstance(node, ColumnRef):
        return [(values, node.column)]
    parents = node.input.eval(env) if not isinstance(node.input, ColumnRef) else [values[node.input.column]]
    out = []
    if isinstance(node, FieldStep):
        name = node.name
        for parent in parents:
            for container in parent if isinstance(parent, list) else [parent]:
                if isinstance(container, dict):
                    key = name if isinstance(name, str) else node.name.eval(env)[0]
                    if key in container:  # a missing field selects nothing: there is nothing to update
                        out.append((container, key))
        return out
    if isinstance(node, ArrayFilterStep | ArraySliceStep):
        for parent in parents:
            if not isinstance(parent, list):
                continue
            if isinstance(node, ArraySliceStep):
                bound = env.bind(dollar=[parent])
                low = node.low.eval(bound)[0] if node.low is not None else 0
                high = node.high.eval(bound)[0] if node.high is not None else len(parent) - 1
                out.extend((parent, i) for i in range(max(int(low), 0), min(int(high), len(parent) - 1) + 1))
                continue
            for pos, element in enumerate(parent):
                if node.cond is None:
                    out.append((parent, pos))
                    continue
                result = node.cond.eval(env.bind(element=[element], pos=[pos], dollar=[parent]))
                if result == [True] or (
                    len(result) == 1 and not isinstance(result[0], bool) and result[0] == pos
                ):
                    out.append((parent, pos))
        return out
    if isinstance(node, MapFilterStep) and node.kind == "values":
        for parent in parents:
            if not isinstance(parent, dict):
                continue
            for key, value in list(parent.items()):
                if node.cond is None or node.cond.eval(
                    env.bind(key=[key], value=[value], dollar=[parent])
                ) == [True]:
                    out.append((parent, key))
        return out
    raise illegal("The target of an update clause must end with a field, array or .values() step")


# --- prepared statements and plans ----------------------------------------


def encode_prepared(text: str) -> bytes:
    return PREPARED_MAGIC + text.encode("utf-8")


def decode_prepared(data: bytes) -> str:
    if not data.startswith(PREPARED_MAGIC):
        raise NoSQLError(4, "Invalid prepared query: it was not prepared by this emulator")
    return data[len(PREPARED_MAGIC) :].decode("utf-8")


def describe(compiled: Compiled) -> str:
    """A plan string for PrepareRequest.set_get_query_plan: what the emulator will actually do."""
    statement = compiled.statement
    kind = statement.kind.upper()
    lines = [
        f"SIMPLE QUERY on {compiled.table.name} (single shard, evaluated by the emulator)"
        if kind == "SELECT"
        else f"{kind} on {compiled.table.name} (single shard, evaluated by the emulator)"
    ]
    lines.append("  scan: all live rows in primary key order")
    for join in statement.joins:
        kind = "inner join" if join.inner else "left outer join"
        lines.append(f"  {kind}: {join.table.name} (rows of the same shard key)")
    for _path, var in statement.unnest:
        lines.append(f"  unnest: one row per item of {var}")
    if statement.where is not None:
        lines.append("  filter: WHERE condition")
    if statement.group_by or compiled.grouping:
        lines.append(f"  group: {len(statement.group_by)} grouping expression(s), aggregates")
    if statement.order_by:
        lines.append(f"  sort: {len(statement.order_by)} expression(s), then primary key")
    if statement.distinct:
        lines.append("  distinct")
    if statement.select is not None:
        lines.append("  project: " + ", ".join(item.name for item in statement.select))
    if statement.offset is not None:
        lines.append("  offset")
    if statement.limit is not None:
        lines.append("  limit")
    return "\n".join(lines)


def result_schema(compiled: Compiled) -> str:
    statement = compiled.statement
    if statement.kind != "select" and not statement.returning:
        name = {"update": "NumRowsUpdated", "delete": "numRowsDeleted"}.get(statement.kind, "NumRowsInserted")
        return f"RECORD({name} LONG)"
    select = statement.select
    if select is None:
        fields_ddl = ", ".join(f"{c.name} {c.type.ddl()}" for c in compiled.table.columns)
        return f"RECORD({fields_ddl})"
    parts = []
    for item in select:
        expr = item.expr
        if isinstance(expr, Call) and expr.name in ("row_version", "version"):
            kind = "BINARY"
        elif isinstance(expr, Call) and expr.name in ("expiration_time_millis", "creation_time_millis"):
            kind = "LONG"
        elif isinstance(expr, ColumnRef):
            kind = compiled.table.column(expr.column).type.ddl()
        elif isinstance(expr, Aggregate) and expr.name == "count":
            kind = "LONG"
        else:
            kind = "JSON" if isinstance(expr, FieldStep) else "ANY"
        parts.append(f"{item.name} {kind}")
    return f"RECORD({', '.join(parts)})"


__all__ = [
    "DEFAULT_BATCH_ROWS",
    "Compiled",
    "Page",
    "Statement",
    "bind_variables",
    "compile_statement",
    "decode_prepared",
    "describe",
    "encode_prepared",
    "operation_code",
    "parse",
    "project",
    "result_schema",
    "run",
]
