"""Query expressions with Oracle NoSQL semantics: every expression yields a *sequence* of items.

An item is a row value as ``values.py`` describes it (an ENUM column value is an ``EnumValue`` while the
query runs). ``[]`` is the empty sequence (a missing JSON field), ``[None]`` an SQL NULL. Conditions are
expressions that yield ``[True]``, ``[False]`` or ``[None]``; WHERE keeps a row when it yields
``[True]``.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import illegal
from .values import EMPTY, JSON_NULL, EnumValue, Timestamp, is_number

# --- evaluation environment ----------------------------------------


@dataclass
class RowItem:
    """What the table's row variable (``$t``) evaluates to: the row itself, for the row functions."""

    row: object  # store.Row
    values: dict


class Env:
    """One evaluation: the current row, the external variables, the context variables ($element, ...)."""

    __slots__ = ("externals", "group", "locals", "now_ms", "row", "table", "values")

    def __init__(self, table, row, values, externals, now_ms=0, group=None, local_vars=None):
        self.table = table
        self.row = row
        self.values = values
        self.externals = externals
        self.locals = local_vars or {}
        self.group = group  # the member environments when aggregates are computed
        self.now_ms = now_ms

    def with_local(self, name: str, value) -> Env:
        local_vars = dict(self.locals)
        local_vars[name] = [value]
        return Env(self.table, self.row, self.values, self.externals, self.now_ms, self.group, local_vars)

    def bind(self, **names) -> Env:
        local_vars = dict(self.locals)
        for name, value in names.items():
            local_vars["$" + name if name != "dollar" else "$"] = value
        return Env(self.table, self.row, self.values, self.externals, self.now_ms, self.group, local_vars)


# --- node types ----------------------------------------


class Expr:
    def eval(self, env: Env) -> list:  # pragma: no cover - every node overrides it
        raise NotImplementedError

    def children(self) -> list:
        return []


@dataclass(eq=True)
class Const(Expr):
    value: object

    def eval(self, env):
        return [self.value]


@dataclass(eq=True)
class VarRef(Expr):
    """An external (``$name``, ``?``) or context (``$element``, ``$key``, ``$value``, ``$pos``, ``$``)
    variable."""

    name: str
    external: bool = True

    def eval(self, env):
        if self.name in env.locals:
            value = env.locals[self.name]
            return value if isinstance(value, list) else [value]
        if self.external:
            return [env.externals[self.name]]
        raise illegal(f"Variable {self.name} is not bound here")


@dataclass(eq=True)
class NamePath(Expr):
    """``a.b.c`` or ``$t.b.c`` as written; the compiler turns it into a row, column and field steps."""

    parts: list[str]

    def eval(self, env):  # pragma: no cover - replaced at compile time
        raise illegal("Unresolved name " + ".".join(self.parts))


@dataclass(eq=True)
class RowRef(Expr):
    def eval(self, env):
        return [RowItem(env.row, env.values)]


@dataclass(eq=True)
class ColumnRef(Expr):
    column: str
    enum_symbols: tuple = ()
    source: str | None = None  # a joined table's alias (lower case); None for the target table

    def eval(self, env):
        if self.source is None:
            value = env.values.get(self.column)
        else:
            entry = env.locals.get("@" + self.source)
            joined = entry[0] if entry else None
            # A left outer join that found no row: every column of that table is NULL.
            value = None if joined is None else joined.get(self.column)
        if value is not None and self.enum_symbols:
            value = EnumValue(value, self.enum_symbols.index(value), self.enum_symbols)
        return [value]


def _field_of(item, name: str, out: list) -> None:
    if isinstance(item, dict):
        if name in item:
            out.append(item[name])
    elif isinstance(item, list):
        for element in item:
            _field_of(element, name, out)
    elif item is None:
        out.append(None)


@dataclass(eq=True)
class FieldStep(Expr):
    input: Expr
    name: object  # str, or an Expr yielding the field name

    def eval(self, env):
        out: list = []
        items = self.input.eval(env)
        if isinstance(self.name, str):
            for item in items:
                _field_of(item, self.name, out)
            return out
        for item in items:
            names = self.name.eval(env.bind(dollar=[item]))
            if len(names) != 1 or not isinstance(names[0], str):
                raise illegal("A field step's name expression must return a single string")
            _field_of(item, names[0], out)
        return out

    def children(self):
        return [self.input] + ([self.name] if isinstance(self.name, Expr) else [])


@dataclass(eq=True)
class MapFilterStep(Expr):
    """``.keys(cond)`` / ``.values(cond)`` over maps (JSON objects, MAP and RECORD values)."""

    input: Expr
    kind: str  # keys | values
    cond: Expr | None

    def eval(self, env):
        out: list = []

        def visit(item):
            if isinstance(item, list):
                for element in item:
                    visit(element)
                return
            if item is None:
                out.append(None)
                return
            if not isinstance(item, dict):
                return
            for key, value in item.items():
                if self.cond is not None:
                    result = self.cond.eval(env.bind(key=[key], value=[value], dollar=[item]))
                    if result != [True]:
                        continue
                out.append(key if self.kind == "keys" else value)

        for item in self.input.eval(env):
            visit(item)
        return out

    def children(self):
        return [self.input] + ([self.cond] if self.cond is not None else [])


@dataclass(eq=True)
class ArrayFilterStep(Expr):
    """``[]`` (unbox), ``[i]`` (a position) or ``[cond]`` using ``$element`` and ``$pos``."""

    input: Expr
    cond: Expr | None

    def eval(self, env):
        out: list = []
        for item in self.input.eval(env):
            if item is None:
                out.append(None)
                continue
            elements = item if isinstance(item, list) else [item]
            if self.cond is None:
                out.extend(elements)
                continue
            for pos, element in enumerate(elements):
                result = self.cond.eval(env.bind(element=[element], pos=[pos], dollar=[item]))
                if len(result) != 1:
                    continue
                value = result[0]
                if isinstance(value, bool):
                    if value:
                        out.append(element)
                elif is_number(value):
                    if value == pos:
                        out.append(element)
                elif value is not None:
                    raise illegal("An array filter step's predicate must return a boolean or a position")
        return out

    def children(self):
        return [self.input] + ([self.cond] if self.cond is not None else [])


@dataclass(eq=True)
class ArraySliceStep(Expr):
    input: Expr
    low: Expr | None
    high: Expr | None

    def eval(self, env):
        out: list = []
        for item in self.input.eval(env):
            if item is None:
                out.append(None)
                continue
            elements = item if isinstance(item, list) else [item]
            bound = env.bind(dollar=[item])
            low = _position(self.low, bound, 0)
            high = _position(self.high, bound, len(elements) - 1)
            if low is None or high is None:
                continue
            out.extend(elements[max(low, 0) : high + 1])
        return out

    def children(self):
        return [e for e in (self.input, self.low, self.high) if e is not None]


def _position(expr, env, default):
    if expr is None:
        return default
    items = expr.eval(env)
    if not items or items[0] is None:
        return None
    if len(items) > 1 or not is_number(items[0]):
        raise illegal("An array slice bound must be a single number")
    return int(items[0])


@dataclass(eq=True)
class Arith(Expr):
    op: str  # + - * / div
    left: Expr
    right: Expr

    def eval(self, env):
        a = _at_most_one(self.left.eval(env), self.op)
        b = _at_most_one(self.right.eval(env), self.op)
        if not a or not b:
            return []
        x, y = a[0], b[0]
        if x is None or y is None or x is JSON_NULL or y is JSON_NULL:
            return [None] if (x is None or y is None) else [JSON_NULL]
        if not is_number(x) or not is_number(y):
            raise illegal(f"Arithmetic operator {self.op} applied to a non-numeric item")
        return [arith(self.op, x, y)]

    def children(self):
        return [self.left, self.right]


def arith(op: str, x, y):
    if isinstance(x, Decimal) or isinstance(y, Decimal):
        x, y = (
            Decimal(str(x)) if isinstance(x, float) else Decimal(x),
            (Decimal(str(y)) if isinstance(y, float) else Decimal(y)),
        )
        try:
            if op == "+":
                return x + y
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            return x / y
        except (ZeroDivisionError, InvalidOperation):
            raise illegal("Division by zero") from None
    if isinstance(x, float) or isinstance(y, float) or op == "div":
        x, y = float(x), float(y)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if y == 0:
            return math.copysign(math.inf, x) if x else math.nan
        return x / y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        raise illegal("Division by zero")
    # Java's integer division truncates toward zero.
    quotient = abs(x) // abs(y)
    return quotient if (x >= 0) == (y >= 0) else -quotient


@dataclass(eq=True)
class Negate(Expr):
    operand: Expr

    def eval(self, env):
        items = _at_most_one(self.operand.eval(env), "-")
        if not items or items[0] is None:
            return items
        if not is_number(items[0]):
            raise illegal("Unary minus applied to a non-numeric item")
        return [-items[0]]

    def children(self):
        return [self.operand]


@dataclass(eq=True)
class Concat(Expr):
    """``a || b``: the same as ``concat(a, b)``."""

    parts: list

    def eval(self, env):
        return concat([part.eval(env) for part in self.parts])

    def children(self):
        return list(self.parts)


def concat(sequences: list[list]) -> list:
    """Oracle's concat: every item of every argument joined as strings; NULL counts as an empty string
    unless every argument is NULL (then NULL); only empty arguments give the empty sequence."""
    if all(not items for items in sequences):
        return []
    items = [item for sequence in sequences for item in sequence]
    if items and all(item is None for item in items):
        return [None]
    return ["".join(to_string(item) for item in items if item is not None)]


def to_string(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, EnumValue):
        return value.symbol
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Timestamp):
        return value.iso()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if value is JSON_NULL:
        return "null"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        import json

        return json.dumps(plain(value), default=str, separators=(",", ":"))
    return str(value)


def _at_most_one(items: list, op: str) -> list:
    if len(items) > 1:
        raise illegal(
            f"An operand of operator {op} is a sequence with more than one items. "
            "Use a sequence comparison operator (=any, >any, ...) or an aggregate function."
        )
    return items


@dataclass(eq=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    def eval(self, env):
        return [
            compare(self.op, _single(self.left.eval(env), self.op), _single(self.right.eval(env), self.op))
        ]

    def children(self):
        return [self.left, self.right]


@dataclass(eq=True)
class AnyCompare(Expr):
    """Sequence comparison ``=any``, ``>any``, ...: true if some pair of items compares true."""

    op: str
    left: Expr
    right: Expr

    def eval(self, env):
        left = self.left.eval(env)
        right = self.right.eval(env)
        saw_null = False
        for a in left:
            for b in right:
                result = compare(self.op, [a], [b])
                if result is True:
                    return [True]
                if result is None:
                    saw_null = True
        return [None] if saw_null else [False]

    def children(self):
        return [self.left, self.right]


@dataclass(eq=True)
class BoolOp(Expr):
    op: str  # AND / OR
    parts: list

    def eval(self, env):
        results = [truth(part.eval(env)) for part in self.parts]
        if self.op == "AND":
            if any(r is False for r in results):
                return [False]
            return [None] if any(r is None for r in results) else [True]
        if any(r is True for r in results):
            return [True]
        return [None] if any(r is None for r in results) else [False]

    def children(self):
        return list(self.parts)


def truth(items: list):
    """A condition's operand: empty is false, NULL unknown, else a single boolean."""
    if not items:
        return False
    if len(items) > 1:
        raise illegal("A condition must return at most one boolean item")
    value = items[0]
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value is JSON_NULL:
        return False
    raise illegal("A condition must be a boolean expression")


@dataclass(eq=True)
class Not(Expr):
    operand: Expr

    def eval(self, env):
        result = truth(self.operand.eval(env))
        return [None if result is None else not result]

    def children(self):
        return [self.operand]


@dataclass(eq=True)
class IsNull(Expr):
    operand: Expr
    negate: bool

    def eval(self, env):
        items = self.operand.eval(env)
        if not items:
            return [self.negate]
        is_null = items[0] is None
        return [not is_null if self.negate else is_null]

    def children(self):
        return [self.operand]


@dataclass(eq=True)
class IsOfType(Expr):
    """``expr IS [NOT] OF TYPE (type [*|+|?], ...)``: does the whole sequence match one of the types?"""

    operand: Expr
    types: list  # (TypeDef or wildcard name, only, quantifier)
    negate: bool

    def eval(self, env):
        items = self.operand.eval(env)
        if len(items) == 1 and items[0] is None:
            return [None]
        matched = any(
            _sequence_matches(items, kind, only, quantifier) for kind, only, quantifier in self.types
        )
        return [matched != self.negate]

    def children(self):
        return [self.operand]


_NUMERIC_RANK = {"INTEGER": 0, "LONG": 1, "FLOAT": 2, "DOUBLE": 3, "NUMBER": 4}


def _sequence_matches(items: list, kind, only: bool, quantifier: str) -> bool:
    count_ok = {"": len(items) == 1, "?": len(items) <= 1, "+": len(items) >= 1, "*": True}[quantifier]
    return count_ok and all(item_is_of_type(item, kind, only) for item in items)


def _item_kind(item) -> str:
    if isinstance(item, bool):
        return "BOOLEAN"
    if isinstance(item, int):
        return "INTEGER" if -(2**31) <= item < 2**31 else "LONG"
    if isinstance(item, float):
        return "DOUBLE"
    if isinstance(item, Decimal):
        return "NUMBER"
    if isinstance(item, str):
        return "STRING"
    if isinstance(item, EnumValue):
        return "ENUM"
    if isinstance(item, Timestamp):
        return "TIMESTAMP"
    if isinstance(item, bytes):
        return "BINARY"
    if item is JSON_NULL:
        return "JSON_NULL"
    if isinstance(item, dict):
        return "MAP"
    if isinstance(item, list):
        return "ARRAY"
    return "ANY"


def item_is_of_type(item, kind, only: bool = False) -> bool:
    actual = _item_kind(item)
    if isinstance(kind, str):  # a wildcard or JSON
        if kind == "ANY":
            return True
        if kind == "ANYATOMIC":
            return actual not in ("MAP", "ARRAY")
        if kind == "ANYJSONATOMIC":
            return actual in ("INTEGER", "LONG", "DOUBLE", "NUMBER", "STRING", "BOOLEAN", "JSON_NULL")
        if kind == "ANYRECORD":
            return actual == "MAP"
        if kind == "JSON":
            if actual in ("MAP", "ARRAY"):
                values = item.values() if isinstance(item, dict) else item
                return all(item_is_of_type(v, "JSON") for v in values)
            return actual in ("INTEGER", "LONG", "DOUBLE", "NUMBER", "STRING", "BOOLEAN", "JSON_NULL")
        return False
    wanted = kind.kind
    if wanted in _NUMERIC_RANK and actual in _NUMERIC_RANK:
        # INTEGER is a subtype of LONG and NUMBER, FLOAT of DOUBLE: ONLY asks for the exact type.
        if only:
            return actual == wanted
        if wanted in ("FLOAT", "DOUBLE"):
            return actual in ("FLOAT", "DOUBLE") and _NUMERIC_RANK[actual] <= _NUMERIC_RANK[wanted]
        if wanted == "NUMBER":
            return True
        return actual in ("INTEGER", "LONG") and _NUMERIC_RANK[actual] <= _NUMERIC_RANK[wanted]
    if wanted == "ENUM":
        return actual == "ENUM" and item.symbols == kind.symbols
    if wanted in ("ARRAY", "MAP"):
        if actual != wanted:
            return False
        values = item.values() if isinstance(item, dict) else item
        return all(item_is_of_type(v, kind.element) for v in values)
    if wanted == "RECORD":
        return actual == "MAP" and set(item) == {f.name for f in kind.fields}
    return actual == wanted


@dataclass(eq=True)
class Exists(Expr):
    operand: Expr

    def eval(self, env):
        items = self.operand.eval(env)
        if not items:
            return [False]
        return [None] if items[0] is None and len(items) == 1 else [True]

    def children(self):
        return [self.operand]


@dataclass(eq=True)
class InList(Expr):
    """``expr IN (a, b, ...)``, ``(x, y) IN ((1, 2), ...)`` and ``expr IN $array[]``."""

    left: list  # one Expr, or several for the tuple form
    options: list  # list of lists of Expr (same width as left), or None with ``sequence``
    sequence: Expr | None = None

    def eval(self, env):
        lefts = [_single(e.eval(env), "IN") for e in self.left]
        if any(not items for items in lefts):
            return [False]
        if any(items[0] is None for items in lefts):
            return [None]
        if self.sequence is not None:
            candidates = [[[item]] for item in self.sequence.eval(env)]
        else:
            candidates = [[_single(e.eval(env), "IN") for e in option] for option in self.options]
        saw_null = False
        for option in candidates:
            results = [compare("=", a, b) for a, b in zip(lefts, option, strict=True)]
            if all(r is True for r in results):
                return [True]
            if any(r is None for r in results):
                saw_null = True
        return [None] if saw_null else [False]

    def children(self):
        out = list(self.left)
        for option in self.options or ():
            out.extend(option)
        if self.sequence is not None:
            out.append(self.sequence)
        return out


@dataclass(eq=True)
class Case(Expr):
    whens: list  # [(cond, expr)]
    otherwise: Expr | None

    def eval(self, env):
        for cond, expr in self.whens:
            if truth(cond.eval(env)) is True:
                return expr.eval(env)
        return self.otherwise.eval(env) if self.otherwise is not None else []

    def children(self):
        out = []
        for cond, expr in self.whens:
            out.extend([cond, expr])
        if self.otherwise is not None:
            out.append(self.otherwise)
        return out


@dataclass(eq=True)
class ArrayCtor(Expr):
    items: list

    def eval(self, env):
        out = []
        for item in self.items:
            out.extend(item.eval(env))
        return [out]

    def children(self):
        return list(self.items)


@dataclass(eq=True)
class MapCtor(Expr):
    entries: list  # [(key Expr, value Expr)]

    def eval(self, env):
        out = {}
        for key_expr, value_expr in self.entries:
            keys = key_expr.eval(env)
            if len(keys) != 1 or not isinstance(keys[0], str):
                raise illegal("A map constructor's keys must be strings")
            values = value_expr.eval(env)
            if not values:
                continue
            out[keys[0]] = values[0] if len(values) == 1 else values
        return [out]

    def children(self):
        out = []
        for key, value in self.entries:
            out.extend([key, value])
        return out


@dataclass(eq=True)
class Call(Expr):
    """A built-in function; ``impl`` is looked up by the compiler (functions.py)."""

    name: str
    args: list
    impl: object = field(default=None, compare=False, repr=False)

    def eval(self, env):
        return self.impl(env, self.args)

    def children(self):
        return list(self.args)


@dataclass(eq=True)
class Aggregate(Expr):
    """count/sum/avg/min/max/array_collect over the rows of a group; ``arg`` None for count(*)."""

    name: str
    arg: Expr | None
    distinct: bool = False

    def eval(self, env):
        if env.group is None:
            raise illegal(f"Aggregate function {self.name} used outside a grouping query")
        from .functions import aggregate

        return aggregate(self, env.group)

    def children(self):
        return [self.arg] if self.arg is not None else []


@dataclass(eq=True)
class Cast(Expr):
    operand: Expr
    type_name: str
    typedef: object = field(default=None, compare=False)
    quantifier: str = ""

    def eval(self, env):
        from .functions import cast

        return cast(self, env)

    def children(self):
        return [self.operand]


def walk(node):
    """Every node under ``node`` (depth first), including itself."""
    if node is None:
        return
    yield node
    for child in node.children():
        yield from walk(child)


# --- comparison (value comparison operators) ----------------------------------------


def _single(items: list, op: str) -> list:
    if len(items) > 1:
        raise illegal(
            f"An operand of comparison operator {op} is a sequence with more than one items. "
            "Comparison operators cannot operate on sequences of more than one items."
        )
    return items


_INCOMPATIBLE = object()


def _order_result(op: str, comp) -> bool:
    if comp is _INCOMPATIBLE:
        return False
    return {
        "=": comp == 0,
        "!=": comp != 0,
        "<": comp < 0,
        "<=": comp <= 0,
        ">": comp > 0,
        ">=": comp >= 0,
    }[op]


def compare(op: str, left: list, right: list):
    """Oracle NoSQL value comparison of two (at most single-item) sequences: True, False or None."""
    if not left and not right:
        return _order_result(op, 0)
    if not left or not right:
        # Exactly one side missing: only != holds.
        return op == "!="
    comp = compare_items(left[0], right[0], op)
    if comp is None:
        return None
    return _order_result(op, comp)


def _sign(a, b) -> int:
    return (a > b) - (a < b)


def _num_cmp(a, b) -> int:
    a_nan = isinstance(a, float) and math.isnan(a)
    b_nan = isinstance(b, float) and math.isnan(b)
    if a_nan or b_nan:
        return _sign(a_nan, b_nan)
    return _sign(a, b)


def compare_items(a, b, op: str = "="):
    if a is None or b is None:
        return None
    if a is JSON_NULL or b is JSON_NULL:
        if a is JSON_NULL and b is JSON_NULL:
            return 0
        return 1 if op == "!=" else _INCOMPATIBLE
    if is_number(a):
        return _num_cmp(a, b) if is_number(b) else _INCOMPATIBLE
    if isinstance(a, bool):
        return _sign(a, b) if isinstance(b, bool) else _INCOMPATIBLE
    if isinstance(a, str):
        if isinstance(b, str):
            return _sign(a, b)
        if isinstance(b, Timestamp):
            try:
                return _sign(Timestamp.parse(a).nanos, b.nanos)
            except Exception:
                return _INCOMPATIBLE
        if isinstance(b, EnumValue):
            # A string compares with an ENUM when it names one of its symbols (Oracle promotes it).
            return _sign(b.symbols.index(a), b.index) if a in b.symbols else _INCOMPATIBLE
        return _INCOMPATIBLE
    if isinstance(a, EnumValue):
        if isinstance(b, EnumValue):
            return _sign(a.index, b.index)
        if isinstance(b, str):
            return _sign(a.index, a.symbols.index(b)) if b in a.symbols else _INCOMPATIBLE
        return _INCOMPATIBLE
    if isinstance(a, Timestamp):
        if isinstance(b, Timestamp):
            return _sign(a.nanos, b.nanos)
        if isinstance(b, str):
            try:
                return _sign(a.nanos, Timestamp.parse(b).nanos)
            except Exception:
                return _INCOMPATIBLE
        return _INCOMPATIBLE
    if isinstance(a, bytes):
        if isinstance(b, bytes) and op in ("=", "!="):
            return 0 if a == b else 1
        return _INCOMPATIBLE
    if isinstance(a, dict):
        if not isinstance(b, dict) or op not in ("=", "!="):
            return _INCOMPATIBLE
        if a.keys() != b.keys():
            return 1
        for key, value in a.items():
            comp = compare_items(value, b[key], op)
            if comp is None or comp is _INCOMPATIBLE or comp != 0:
                return comp
        return 0
    if isinstance(a, list):
        if not isinstance(b, list):
            return _INCOMPATIBLE
        if op in ("=", "!=") and len(a) != len(b):
            return 1
        for x, y in zip(a, b, strict=False):
            comp = compare_items(x, y, op)
            if comp is None or comp is _INCOMPATIBLE or comp != 0:
                return comp
        return _sign(len(a), len(b))
    return _INCOMPATIBLE


# --- total order (ORDER BY, min/max) and canonical keys (GROUP BY, DISTINCT) ---------------------


class Desc:
    """Reverses the order of the key it wraps (for DESC sort specs)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __eq__(self, other) -> bool:
        return self.key == other.key

    def __lt__(self, other) -> bool:
        return other.key < self.key

    def __hash__(self) -> int:
        return hash(self.key)


def is_special(value) -> bool:
    return value is None or value is EMPTY or value is JSON_NULL


def rank(value) -> tuple:
    """Ascending total order: numbers < timestamps < strings < enums < booleans < binaries
    < EMPTY < JSON null < maps < arrays < SQL NULL (Oracle's NULLS LAST default)."""
    if value is None:
        return (9,)
    if value is EMPTY:
        return (6, 0)
    if value is JSON_NULL:
        return (6, 1)
    if isinstance(value, bool):
        return (4, value)
    if is_number(value):
        if isinstance(value, float) and math.isnan(value):
            return (0, 1, 0)
        return (0, 0, value)
    if isinstance(value, Timestamp):
        return (1, value.nanos)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, EnumValue):
        return (3, value.index)
    if isinstance(value, bytes):
        return (5, base64.b64encode(value).decode())
    if isinstance(value, dict):
        return (7, tuple((k, rank(value[k])) for k in sorted(value)))
    if isinstance(value, list):
        return (8, tuple(rank(v) for v in value))
    if isinstance(value, RowItem):
        raise illegal("A row variable cannot be sorted or compared")
    raise illegal(f"Cannot sort on a value of type {type(value).__name__}")


def sort_part(value, desc: bool, nulls_first: bool | None):
    key = rank(value)
    directional = Desc(key) if desc else key
    if nulls_first is None:
        return directional
    special = is_special(value)
    return (0 if special == nulls_first else 1, directional)


def canon(value):
    """A hashable key under which equal values (1 and 1.0, two equal maps) fall together."""
    if value is None or value is EMPTY or value is JSON_NULL:
        return ("null", repr(value))
    if isinstance(value, bool):
        return ("b", value)
    if is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            return ("f", repr(value))
        return ("n", Decimal(str(value)).normalize() if value else Decimal(0))
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, EnumValue):
        return ("s", value.symbol)
    if isinstance(value, Timestamp):
        return ("t", value.nanos)
    if isinstance(value, bytes):
        return ("x", value)
    if isinstance(value, dict):
        return ("m", tuple(sorted((k, canon(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("a", tuple(canon(v) for v in value))
    return ("o", repr(value))


def plain(value):
    """A value as the driver receives it: ENUMs as their symbols, inside containers too."""
    if isinstance(value, EnumValue):
        return value.symbol
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is EMPTY:
        return None
    return value
