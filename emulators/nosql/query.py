"""The SELECT subset: parsing, Oracle NoSQL comparison and sort semantics, and paged execution.

Supported: ``[DECLARE $v TYPE; ...] SELECT * | item [AS name], ... FROM table [[AS] alias] [WHERE cond]
[ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n|$v] [OFFSET n|$v]`` where a select item is a
column or JSON field path, ``row_version($alias)`` or ``expiration_time_millis($alias)``. Conditions
combine ``AND``/``OR``/``NOT``/parentheses over comparisons (``= != <> < <= > >=``) between column or JSON
paths, bind variables and literals, plus ``IS [NOT] NULL`` and ``[NOT] EXISTS``. Anything else is refused
as "not supported by the emulator".

Every query runs as a "simple" query on one shard: the emulator sorts and limits itself and pages with
continuation keys that hold the sort position of the last row examined (so concurrent inserts neither
duplicate nor skip the rows already behind the cursor).
"""

from __future__ import annotations

import base64
import bisect
import math
from collections import OrderedDict
from dataclasses import dataclass, field

from .errors import NoSQLError, bad_protocol, illegal, table_not_found, unsupported
from .lexer import TokenStream
from .schema import ATOMIC_TYPES, TableDef, TypeDef, convert_declared, number_literal, parse_type
from .store import Row, Store
from .values import EMPTY, JSON_NULL, EnumValue, NLong, Timestamp, dumps_tagged, is_number, loads_tagged

# A DECLAREd external variable may have any atomic column type but ENUM.
DECLARABLE = tuple(kind for kind in ATOMIC_TYPES if kind != "ENUM")
COMPARISONS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
UNSUPPORTED_WORDS = {
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "JOIN": "joins",
    "NESTED": "NESTED TABLES joins",
    "LEFT": "joins",
    "UNNEST": "UNNEST",
    "UNION": "UNION",
    "CASE": "CASE expressions",
    "IN": "IN conditions",
    "BETWEEN": "BETWEEN conditions",
    "LIKE": "LIKE conditions",
    "ANY": "quantified comparisons",
}
PREPARED_MAGIC = b"EMUPS1:"
CONT_MAGIC = b"EMUCK1:"
DEFAULT_BATCH_ROWS = 100  # the store's default results batch size


# --- AST ----------------------------------------------------------------------------------------------


@dataclass
class Path:
    column: str  # as written; resolved against the table when the query is compiled
    steps: list[str]


@dataclass
class Var:
    name: str


@dataclass
class Literal:
    value: object


@dataclass
class Compare:
    op: str
    left: object
    right: object


@dataclass
class IsNull:
    operand: object
    negate: bool


@dataclass
class Exists:
    operand: object


@dataclass
class Not:
    operand: object


@dataclass
class BoolOp:
    op: str  # AND / OR
    parts: list


@dataclass
class Truth:
    operand: object  # a bare boolean operand used as a condition


@dataclass
class RowFunction:
    """``row_version($t)`` / ``expiration_time_millis($t)``: a property of the row, not of a column."""

    name: str  # lower case, as looked up
    argument: object  # the parsed argument: a Var naming the row variable, or anything else (an error)


@dataclass
class SelectItem:
    expr: object  # Path or RowFunction
    alias: str | None  # the AS name, if any
    name: str = ""  # the result field name, settled when the statement is parsed


@dataclass
class OrderSpec:
    path: Path
    desc: bool
    nulls_first: bool | None


@dataclass
class Statement:
    text: str
    variables: OrderedDict[str, TypeDef]
    table_name: str
    alias: str | None
    where: object | None
    order_by: list[OrderSpec] = field(default_factory=list)
    limit: object | None = None
    offset: object | None = None
    select: list[SelectItem] | None = None  # None for SELECT *


# --- parsing --------------------------------------------------------------------------------------------


def parse(text: str) -> Statement:
    ts = TokenStream(text)
    variables: OrderedDict[str, TypeDef] = OrderedDict()
    if ts.accept_word("DECLARE"):
        while ts.current.kind == "var":
            name = ts.advance().text
            if name in variables:
                raise illegal(f"Variable {name} is declared twice")
            if ts.at_word("ARRAY", "MAP", "RECORD", "ANY", "ANYATOMIC", "ANYJSONATOMIC"):
                raise unsupported(f"variable type {ts.current.text.upper()}")
            typedef = parse_type(ts)
            if typedef.kind not in DECLARABLE:
                raise unsupported(f"variable type {typedef.kind}")
            variables[name] = typedef
            ts.expect_op(";")
        if not variables:
            raise ts.error("expected a variable declaration after DECLARE")
    if ts.at_word("UPDATE", "INSERT", "UPSERT", "DELETE"):
        raise unsupported(f"{ts.current.text.upper()} statements (only SELECT queries are implemented)")
    if ts.at_word("CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "SHOW", "DESCRIBE", "DESC"):
        raise illegal("DDL and administrative statements must be sent as a TableRequest, not as a query")
    ts.expect_word("SELECT")
    select = None if ts.accept_op("*") else _select_list(ts)
    ts.expect_word("FROM")
    table_name = ts.identifier("table name")
    while ts.at_op(".") and ts.peek(1).kind == "ident":
        ts.advance()
        table_name += "." + ts.advance().text
    alias = None
    if (
        ts.accept_word("AS")
        or ts.current.kind == "var"
        or (ts.current.kind == "ident" and not ts.at_word("WHERE", "ORDER", "LIMIT", "OFFSET", "GROUP"))
    ):
        token = ts.advance()
        if token.kind not in ("ident", "var", "qident"):
            raise ts.error("expected a table alias")
        alias = token.text
    if ts.at_op(","):
        raise unsupported("joins (more than one table in FROM)")
    _refuse_unsupported(ts)
    where = None
    if ts.accept_word("WHERE"):
        where = _or_expr(ts)
    _refuse_unsupported(ts)
    order_by: list[OrderSpec] = []
    if ts.accept_word("ORDER", "BY"):
        while True:
            operand = _operand(ts)
            if not isinstance(operand, Path):
                raise unsupported("ORDER BY expressions other than column or JSON field paths")
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
            order_by.append(OrderSpec(operand, desc, nulls_first))
            if not ts.accept_op(","):
                break
    _refuse_unsupported(ts)
    limit = offset = None
    if ts.accept_word("LIMIT"):
        limit = _count_operand(ts, "LIMIT")
    if ts.accept_word("OFFSET"):
        offset = _count_operand(ts, "OFFSET")
    ts.accept_op(";")
    _refuse_unsupported(ts)
    if not ts.at_end():
        raise ts.error("unexpected text after the query")
    return Statement(text, variables, table_name, alias, where, order_by, limit, offset, select)


ROW_FUNCTIONS = ("row_version", "expiration_time_millis")


def _select_list(ts: TokenStream) -> list[SelectItem]:
    """``item [AS name], ...`` up to FROM; names follow Oracle's translator (see ``_name_columns``)."""
    if ts.at_word("DISTINCT"):
        raise unsupported("SELECT DISTINCT")
    items = []
    while True:
        token = ts.current
        if token.kind == "ident" and ts.peek(1).kind == "op" and ts.peek(1).text == "(":
            name = token.text.lower()
            if name not in ROW_FUNCTIONS:
                raise unsupported(
                    f"functions and aggregates in the select list ({token.text}(...)); only "
                    "row_version($alias) and expiration_time_millis($alias) are implemented"
                )
            ts.advance()
            ts.advance()
            argument = _operand(ts) if not ts.at_op(")") else None
            if ts.at_op(","):
                raise illegal(f"Function {name} takes one argument, a row variable")
            ts.expect_op(")")
            expr = RowFunction(name, argument)
            if ts.current.kind == "op" and ts.current.text in ("+", "-", "*", "/", "%", "||"):
                raise unsupported(f"arithmetic and concatenation ({ts.current.text})")
        else:
            expr = _operand(ts)
            if not isinstance(expr, Path):
                raise unsupported(
                    "select expressions other than column or JSON field paths, row_version($alias) and "
                    "expiration_time_millis($alias)"
                )
            if ts.current.kind == "op" and ts.current.text in COMPARISONS:
                raise unsupported("conditions in the select list")
        alias = None
        if ts.accept_word("AS"):
            alias_token = ts.advance()
            if alias_token.kind not in ("ident", "qident"):
                raise illegal(f"Syntax error at position {alias_token.pos}: expected a name after AS")
            alias = alias_token.text
        items.append(SelectItem(expr, alias))
        if not ts.accept_op(","):
            break
    _name_columns(items)
    return items


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
        if name is None and isinstance(item.expr, Path):
            name = item.expr.steps[-1] if item.expr.steps else item.expr.column
        if name is None or name in taken:
            name = f"Column_{position}"
        taken.add(name)
        item.name = name


def _refuse_unsupported(ts: TokenStream) -> None:
    token = ts.current
    if token.kind == "ident" and token.text.upper() in UNSUPPORTED_WORDS:
        raise unsupported(UNSUPPORTED_WORDS[token.text.upper()])


def _count_operand(ts: TokenStream, what: str):
    token = ts.advance()
    if token.kind == "var":
        return Var(token.text)
    if token.kind == "number" and token.text.isdigit():
        return Literal(int(token.text))
    raise illegal(f"{what} takes a non-negative integer or an INTEGER/LONG variable")


def _or_expr(ts: TokenStream):
    parts = [_and_expr(ts)]
    while ts.accept_word("OR"):
        parts.append(_and_expr(ts))
    return parts[0] if len(parts) == 1 else BoolOp("OR", parts)


def _and_expr(ts: TokenStream):
    parts = [_not_expr(ts)]
    while ts.accept_word("AND"):
        parts.append(_not_expr(ts))
    return parts[0] if len(parts) == 1 else BoolOp("AND", parts)


def _not_expr(ts: TokenStream):
    if ts.accept_word("NOT"):
        return Not(_not_expr(ts))
    return _predicate(ts)


def _predicate(ts: TokenStream):
    if ts.accept_word("EXISTS"):
        operand = _operand(ts)
        if not isinstance(operand, Path):
            raise unsupported("EXISTS on anything but a column or JSON field path")
        return Exists(operand)
    if ts.at_op("("):
        ts.advance()
        inner = _or_expr(ts)
        ts.expect_op(")")
        return inner
    left = _operand(ts)
    _refuse_unsupported(ts)
    if ts.current.kind == "op" and ts.current.text in COMPARISONS:
        op = COMPARISONS[ts.advance().text]
        if ts.at_word("ANY"):
            raise unsupported("quantified comparisons (=any, <any, ...)")
        right = _operand(ts)
        return Compare(op, left, right)
    if ts.accept_word("IS"):
        negate = ts.accept_word("NOT")
        if ts.accept_word("NULL"):
            return IsNull(left, negate)
        if ts.at_word("OF"):
            raise unsupported("IS OF TYPE")
        raise ts.error("expected NULL after IS")
    if ts.at_word("NOT") and ts.peek(1).is_word("IN", "BETWEEN", "LIKE"):
        raise unsupported(f"NOT {ts.peek(1).text.upper()} conditions")
    if ts.at_op("=~") or ts.at_word("REGEX_LIKE"):
        raise unsupported("regular expressions")
    return Truth(left)


def _operand(ts: TokenStream):
    token = ts.current
    if token.kind == "op" and token.text in ("-", "+") and ts.peek(1).kind == "number":
        ts.advance()
        number = ts.advance()
        return _after_operand(ts, Literal(number_literal(number.text, token.text == "-")))
    if token.kind == "number":
        ts.advance()
        return _after_operand(ts, Literal(number_literal(token.text)))
    if token.kind == "string":
        ts.advance()
        return _after_operand(ts, Literal(token.text))
    if token.kind == "var":
        ts.advance()
        if ts.at_op("."):
            # $alias.column: a table alias written as a variable, as Oracle allows.
            steps = _steps(ts)
            return _after_operand(ts, Path(token.text, steps))
        return _after_operand(ts, Var(token.text))
    if token.kind in ("ident", "qident"):
        word = token.text.upper()
        if token.kind == "ident" and word in ("TRUE", "FALSE") and ts.peek(1).text != ".":
            ts.advance()
            return _after_operand(ts, Literal(word == "TRUE"))
        if token.kind == "ident" and word == "NULL" and ts.peek(1).text != ".":
            ts.advance()
            return _after_operand(ts, Literal(JSON_NULL))
        if token.kind == "ident" and word in UNSUPPORTED_WORDS:
            raise unsupported(UNSUPPORTED_WORDS[word])
        if ts.peek(1).kind == "op" and ts.peek(1).text == "(":
            raise unsupported(f"functions ({token.text}(...))")
        ts.advance()
        return _after_operand(ts, Path(token.text, _steps(ts)))
    if token.kind == "op" and token.text in ("[", "{"):
        raise unsupported("array and map constructors")
    if token.kind == "op" and token.text == "(":
        raise unsupported("parenthesized or arithmetic operands")
    raise ts.error("expected a field path, a variable or a literal")


def _steps(ts: TokenStream) -> list[str]:
    steps = []
    while ts.accept_op("."):
        token = ts.advance()
        if token.kind in ("ident", "qident", "string"):
            steps.append(token.text)
        elif token.kind == "var":
            raise unsupported("variables as field names")
        elif token.kind == "op" and token.text == "(":
            raise unsupported("path expressions with functions")
        else:
            raise illegal(f"Syntax error at position {token.pos}: expected a field name after '.'")
        if ts.at_op("["):
            raise unsupported("array slice and filter steps ([...])")
        if ts.at_op("("):
            raise unsupported(f"functions ({token.text}(...))")
    if ts.at_op("["):
        raise unsupported("array slice and filter steps ([...])")
    return steps


def _after_operand(ts: TokenStream, operand):
    if ts.current.kind == "op" and ts.current.text in ("+", "-", "*", "/", "%", "||"):
        raise unsupported(f"arithmetic and concatenation ({ts.current.text})")
    return operand


# --- compilation against a table ---------------------------------------------------------------------


@dataclass
class Compiled:
    statement: Statement
    table: TableDef


def compile_statement(statement: Statement, store: Store) -> Compiled:
    table = store.find_table(statement.table_name)
    if table is None:
        raise table_not_found(statement.table_name)
    compiled = Compiled(statement, table)
    for path in _paths(statement):
        _resolve(path, compiled)
    for item in statement.select or ():
        if isinstance(item.expr, RowFunction):
            _check_row_variable(item.expr, compiled)
    for var in _vars(statement):
        if var.name not in statement.variables:
            raise illegal(f"Variable {var.name} has not been declared")
    for count in (statement.limit, statement.offset):
        if isinstance(count, Var):
            declared = statement.variables.get(count.name)
            if declared is None or declared.kind not in ("INTEGER", "LONG"):
                raise illegal(f"LIMIT and OFFSET variables must be declared INTEGER or LONG: {count.name}")
    return compiled


def _walk(node):
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
        return
    yield node
    if isinstance(node, Compare):
        yield from _walk([node.left, node.right])
    elif isinstance(node, IsNull | Exists | Not | Truth):
        yield from _walk(node.operand)
    elif isinstance(node, BoolOp):
        yield from _walk(node.parts)


def _paths(statement: Statement):
    nodes = list(_walk(statement.where)) if statement.where is not None else []
    yield from (n for n in nodes if isinstance(n, Path))
    yield from (spec.path for spec in statement.order_by)
    yield from (item.expr for item in statement.select or () if isinstance(item.expr, Path))


def _check_row_variable(function: RowFunction, compiled: Compiled) -> None:
    """The argument must be the table's row variable: a ``$alias`` declared in FROM, as Oracle requires.

    A plain alias (``FROM t x`` then ``row_version(x)``) is parsed by Oracle as a column reference, so it
    fails the way the real compiler fails: as an unknown column, or as a column that is not a row.
    """
    # Oracle's FuncVersion reports itself as "version" whichever of its names was used.
    label = "version" if function.name == "row_version" else function.name
    argument = function.argument
    alias = compiled.statement.alias
    if isinstance(argument, Var):
        if alias is not None and alias.startswith("$") and argument.name.lower() == alias.lower():
            return
        raise illegal(f"The argument to the {label} function must be a row variable")
    if isinstance(argument, Path) and not argument.steps and compiled.table.column(argument.column) is None:
        raise illegal(f"No table in the FROM clause has a column named {argument.column}")
    raise illegal(f"The argument to the {label} function must be a row variable")


def _vars(statement: Statement):
    nodes = list(_walk(statement.where)) if statement.where is not None else []
    yield from (n for n in nodes if isinstance(n, Var))
    yield from (n for n in (statement.limit, statement.offset) if isinstance(n, Var))


def _resolve(path: Path, compiled: Compiled) -> None:
    """Turn the written root (alias, table name or bare column) into ``path.column`` + JSON steps."""
    statement, table = compiled.statement, compiled.table
    parts = [path.column, *path.steps]
    alias = statement.alias
    qualified = True
    if alias is not None and parts[0].lower() == alias.lower():
        parts = parts[1:]
    elif alias is None:
        name_parts = table.name.lower().split(".")
        lowered = [p.lower() for p in parts]
        if lowered[: len(name_parts)] == name_parts and len(parts) > len(name_parts):
            parts = parts[len(name_parts) :]
        elif parts[0].startswith("$"):
            raise illegal(f"Unknown table alias {parts[0]}")
        else:
            qualified = False
    elif parts[0].startswith("$"):
        raise illegal(f"Unknown table alias {parts[0]}")
    else:
        qualified = False
    if not qualified and len(parts) > 1:
        # Oracle's grammar reads "doc.city" as column city of a table aliased doc: a JSON path must
        # start at the table alias (or, without one, the table name).
        raise illegal(f"No table in the FROM clause has an alias named {parts[0]}")
    if not parts:
        raise unsupported("references to the whole row (use SELECT *)")
    column = table.column(parts[0])
    if column is None:
        raise illegal(f"Table {table.name} does not have a field named {parts[0]}")
    if len(parts) > 1 and column.type.kind != "JSON":
        raise illegal(f"Field {column.name} of table {table.name} is not JSON, so it has no field {parts[1]}")
    path.column = column.name
    path.steps = parts[1:]


# --- evaluation -------------------------------------------------------------------------------------------


def _unnest(item, step: str, out: list) -> None:
    if isinstance(item, dict):
        if step in item:
            out.append(item[step])
    elif isinstance(item, list):
        for element in item:
            _unnest(element, step, out)


def eval_path(table: TableDef, values: dict, path: Path) -> list:
    """A path yields a sequence: [] when a JSON field is missing, [None] for SQL NULL."""
    column = table.column(path.column)
    value = values.get(column.name)
    if value is not None and column.type.kind == "ENUM":
        value = EnumValue(value, column.type.enum_index(value), column.type.symbols)
    items = [value]
    for step in path.steps:
        nxt: list = []
        for item in items:
            if item is None:
                nxt.append(None)
            else:
                _unnest(item, step, nxt)
        items = nxt
    return items


class Context:
    def __init__(self, table: TableDef, variables: dict):
        self.table = table
        self.variables = variables

    def operand(self, node, values: dict) -> list:
        if isinstance(node, Path):
            return eval_path(self.table, values, node)
        if isinstance(node, Var):
            return [self.variables[node.name]]
        if isinstance(node, Literal):
            return [node.value]
        raise illegal("Invalid operand")

    def condition(self, node, values: dict):
        """Three-valued: True, False or None (SQL NULL, which WHERE treats as false)."""
        if isinstance(node, BoolOp):
            results = [self.condition(part, values) for part in node.parts]
            if node.op == "AND":
                if any(r is False for r in results):
                    return False
                return None if any(r is None for r in results) else True
            if any(r is True for r in results):
                return True
            return None if any(r is None for r in results) else False
        if isinstance(node, Not):
            result = self.condition(node.operand, values)
            return None if result is None else not result
        if isinstance(node, Compare):
            return compare(
                node.op,
                _single(self.operand(node.left, values), node.op),
                _single(self.operand(node.right, values), node.op),
            )
        if isinstance(node, IsNull):
            items = self.operand(node.operand, values)
            is_null = bool(items) and items[0] is None
            if not items:
                return node.negate
            return not is_null if node.negate else is_null
        if isinstance(node, Exists):
            items = self.operand(node.operand, values)
            if not items:
                return False
            return None if items[0] is None else True
        if isinstance(node, Truth):
            items = self.operand(node.operand, values)
            if not items or items[0] is None:
                return None if items else False
            if isinstance(items[0], bool):
                return items[0]
            raise illegal("A WHERE condition must be a boolean expression")
        raise illegal("Invalid condition")


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
    """Oracle NoSQL value comparison of two (at most single-item) sequences."""
    if not left and not right:
        return _order_result(op, 0)
    if not left or not right:
        # Exactly one side missing: only != holds.
        return op == "!="
    comp = _compare_items(left[0], right[0], op)
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


def _compare_items(a, b, op: str):
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
            return _sign(Timestamp.parse(a).nanos, b.nanos)
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
            return _sign(a.nanos, Timestamp.parse(b).nanos)
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
            comp = _compare_items(value, b[key], op)
            if comp is None or comp is _INCOMPATIBLE or comp != 0:
                return comp
        return 0
    if isinstance(a, list):
        if not isinstance(b, list):
            return _INCOMPATIBLE
        if op in ("=", "!=") and len(a) != len(b):
            return 1
        for x, y in zip(a, b, strict=False):
            comp = _compare_items(x, y, op)
            if comp is None or comp is _INCOMPATIBLE or comp != 0:
                return comp
        return _sign(len(a), len(b))
    return _INCOMPATIBLE


# --- total order for sorting -----------------------------------------------------------------------------


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


def _is_special(value) -> bool:
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
    raise illegal(f"Cannot sort on a value of type {type(value).__name__}")


def sort_part(value, desc: bool, nulls_first: bool | None):
    key = rank(value)
    directional = Desc(key) if desc else key
    if nulls_first is None:
        return directional
    special = _is_special(value)
    return (0 if special == nulls_first else 1, directional)


@dataclass
class Page:
    results: list[dict]
    continuation: bytes | None
    read_kb: int


def _count_value(node, variables: dict) -> int | None:
    if node is None:
        return None
    value = variables[node.name] if isinstance(node, Var) else node.value
    if value is None or not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise illegal("LIMIT and OFFSET must be non-negative integers")
    return value


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
        typedef = statement.variables.get(name)
        if typedef is None:
            raise illegal(f"The query doesn't contain the variable: {name}")
        bound[name] = convert_declared(typedef, value, name)
    for name in names:
        if name not in bound:
            raise illegal(f"Variable {name} has not been bound")
    return bound


def run(
    compiled: Compiled,
    store: Store,
    variables: dict,
    *,
    batch_limit: int,
    max_read_kb: int | None,
    continuation: bytes | None,
) -> Page:
    statement, table = compiled.statement, compiled.table
    context = Context(table, variables)
    total_limit = _count_value(statement.limit, variables)
    offset = _count_value(statement.offset, variables) or 0
    matched = returned = 0
    resume = None
    if continuation:
        matched, returned, resume = _decode_continuation(continuation)
    pk_paths = [Path(name, []) for name in table.primary_key]
    order = statement.order_by

    def raw_key(row: Row) -> list:
        raw = []
        for spec in order:
            items = eval_path(table, row.values, spec.path)
            if len(items) > 1:
                raise illegal(
                    f"ORDER BY {'.'.join([spec.path.column, *spec.path.steps])} yields more than one item"
                )
            raw.append(items[0] if items else EMPTY)
        raw.extend(eval_path(table, row.values, p)[0] for p in pk_paths)
        return raw

    def make_key(raw: list) -> tuple:
        parts = [sort_part(v, spec.desc, spec.nulls_first) for v, spec in zip(raw, order, strict=False)]
        parts.extend(rank(v) for v in raw[len(order) :])
        return tuple(parts)

    entries = []
    for row in store.snapshot(table):
        raw = raw_key(row)
        entries.append((make_key(raw), raw, row))
    entries.sort(key=lambda entry: entry[0])
    start = 0
    if resume is not None:
        resume_key = make_key(resume)
        start = bisect.bisect_right([e[0] for e in entries], resume_key)
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
        _key, raw, row = entries[index]
        index += 1
        read_kb += row.kb
        last_raw = raw
        if context.condition(statement.where, row.values) if statement.where is not None else True:
            matched += 1
            if matched > offset:
                results.append(project_row(compiled, row))
                returned += 1
                if total_limit is not None and returned >= total_limit:
                    done = True
    more = not done and index < len(entries)
    cont = _encode_continuation(matched, returned, last_raw) if more and last_raw is not None else None
    return Page(results, cont, read_kb)


def project(table: TableDef, values: dict) -> dict:
    return OrderedDict((column.name, values.get(column.name)) for column in table.columns)


def project_row(compiled: Compiled, row: Row) -> dict:
    """The result record: the whole row for ``SELECT *``, else one field per select item."""
    select = compiled.statement.select
    if select is None:
        return project(compiled.table, row.values)
    out: OrderedDict = OrderedDict()
    for item in select:
        expr = item.expr
        if isinstance(expr, RowFunction):
            # expiration_time_millis is 0 for a row that never expires, as RowImpl reports it.
            out[item.name] = row.version if expr.name == "row_version" else NLong(row.expiration)
            continue
        items = [_plain(v) for v in eval_path(compiled.table, row.values, expr)]
        # Oracle: an empty result becomes NULL, several items are boxed into an array.
        out[item.name] = None if not items else items[0] if len(items) == 1 else items
    return out


def _plain(value):
    return value.symbol if isinstance(value, EnumValue) else value


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


def encode_prepared(text: str) -> bytes:
    return PREPARED_MAGIC + text.encode("utf-8")


def decode_prepared(data: bytes) -> str:
    if not data.startswith(PREPARED_MAGIC):
        raise NoSQLError(4, "Invalid prepared query: it was not prepared by this emulator")
    return data[len(PREPARED_MAGIC) :].decode("utf-8")


def describe(compiled: Compiled) -> str:
    """A plan string for PrepareRequest.set_get_query_plan: what the emulator will actually do."""
    statement = compiled.statement
    lines = [f"SIMPLE QUERY on {compiled.table.name} (single shard, evaluated by the emulator)"]
    lines.append("  scan: all live rows in primary key order")
    if statement.where is not None:
        lines.append("  filter: WHERE condition")
    if statement.order_by:
        specs = ", ".join(
            ".".join([s.path.column, *s.path.steps]) + (" DESC" if s.desc else " ASC")
            for s in statement.order_by
        )
        lines.append(f"  sort: {specs}, then primary key")
    if statement.select is not None:
        lines.append("  project: " + ", ".join(item.name for item in statement.select))
    if statement.offset is not None:
        lines.append("  offset")
    if statement.limit is not None:
        lines.append("  limit")
    return "\n".join(lines)


def result_schema(compiled: Compiled) -> str:
    select = compiled.statement.select
    if select is None:
        fields = ", ".join(f"{c.name} {c.type.ddl()}" for c in compiled.table.columns)
        return f"RECORD({fields})"
    parts = []
    for item in select:
        if isinstance(item.expr, RowFunction):
            kind = "BINARY" if item.expr.name == "row_version" else "LONG"
        else:
            column = compiled.table.column(item.expr.column)
            kind = "JSON" if item.expr.steps else column.type.ddl()
        parts.append(f"{item.name} {kind}")
    return f"RECORD({', '.join(parts)})"
