"""Built-in functions of the query language: strings, numbers, timestamps, sequences, rows, aggregates, CAST.

Each function takes the evaluation environment and its (unevaluated) argument expressions and returns a
sequence, so that functions such as ``seq_transform`` can evaluate an argument once per item. Argument
rules follow Oracle NoSQL: an empty argument gives an empty result, an SQL NULL argument NULL, and an
argument of the wrong type NULL (Oracle's string and timestamp functions) or an error (arithmetic).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from . import geo
from .errors import illegal, unsupported
from .expressions import (
    JSON_NULL,
    Env,
    RowItem,
    canon,
    concat,
    is_special,
    plain,
    rank,
    to_string,
)
from .values import EMPTY, EnumValue, NLong, Timestamp, is_number

# --- argument helpers ----------------------------------------


class _Skip(Exception):
    """Raised by an argument helper when the function's answer is already known (empty or NULL)."""

    def __init__(self, result: list):
        self.result = result


def _one(env: Env, expr, what: str):
    items = expr.eval(env)
    if not items:
        raise _Skip([])
    if len(items) > 1:
        raise illegal(f"The argument of {what} must return at most one item")
    if items[0] is None:
        raise _Skip([None])
    return items[0]


def _string(env, expr, what):
    value = _one(env, expr, what)
    if isinstance(value, EnumValue):
        return value.symbol
    if not isinstance(value, str):
        raise _Skip([None])
    return value


def _number(env, expr, what):
    value = _one(env, expr, what)
    if not is_number(value):
        raise _Skip([None])
    return value


def _int(env, expr, what):
    value = _number(env, expr, what)
    return int(value)


def _timestamp(env, expr, what) -> Timestamp:
    value = _one(env, expr, what)
    return to_timestamp(value)


def to_timestamp(value) -> Timestamp:
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, str):
        try:
            return Timestamp.parse(value)
        except Exception:
            raise _Skip([None]) from None
    raise _Skip([None])


def _arity(name: str, args: list, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise illegal(f"Could not find function with name {name} and arity {len(args)}")


def _guard(function):
    def wrapper(env, args):
        try:
            return function(env, args)
        except _Skip as skip:
            return skip.result

    wrapper.__name__ = function.__name__
    return wrapper


# --- strings ----------------------------------------


def f_size(env, args):
    value = _one(env, args[0], "size")
    if isinstance(value, list | dict):
        return [len(value)]
    if value is JSON_NULL:
        return [None]
    raise illegal("The argument of size must be an array or a map")


def f_length(env, args):
    return [len(_string(env, args[0], "length"))]


def f_upper(env, args):
    return [_string(env, args[0], "upper").upper()]


def f_lower(env, args):
    return [_string(env, args[0], "lower").lower()]


def f_substring(env, args):
    text = _string(env, args[0], "substring")
    start = _int(env, args[1], "substring")
    if len(args) > 2:
        length = _int(env, args[2], "substring")
        if length < 1 or start < 0 or start >= len(text):
            return [""]
        return [text[start : start + length]]
    if start < 0 or start >= len(text):
        return [""]
    return [text[start:]]


def f_concat(env, args):
    return concat([arg.eval(env) for arg in args])


def f_contains(env, args):
    return [_string(env, args[1], "contains") in _string(env, args[0], "contains")]


def f_starts_with(env, args):
    return [_string(env, args[0], "starts_with").startswith(_string(env, args[1], "starts_with"))]


def f_ends_with(env, args):
    return [_string(env, args[0], "ends_with").endswith(_string(env, args[1], "ends_with"))]


def f_index_of(env, args):
    text = _string(env, args[0], "index_of")
    sub = _string(env, args[1], "index_of")
    start = _int(env, args[2], "index_of") if len(args) > 2 else 0
    return [text.find(sub, max(start, 0))]


def f_replace(env, args):
    text = _string(env, args[0], "replace")
    search = _string(env, args[1], "replace")
    replacement = _string(env, args[2], "replace") if len(args) > 2 else ""
    return [text.replace(search, replacement) if search else text]


def f_reverse(env, args):
    return [_string(env, args[0], "reverse")[::-1]]


def f_trim(env, args):
    text = _string(env, args[0], "trim")
    where = _string(env, args[1], "trim").lower() if len(args) > 1 else "both"
    chars = _string(env, args[2], "trim") if len(args) > 2 else " "
    if len(chars) != 1:
        return [text]
    if where == "leading":
        return [text.lstrip(chars)]
    if where == "trailing":
        return [text.rstrip(chars)]
    return [text.strip(chars)]


def f_ltrim(env, args):
    return [_string(env, args[0], "ltrim").lstrip(" ")]


def f_rtrim(env, args):
    return [_string(env, args[0], "rtrim").rstrip(" ")]


_REGEX_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


def f_regex_like(env, args):
    text = _string(env, args[0], "regex_like")
    pattern = _string(env, args[1], "regex_like")
    flags = 0
    if len(args) > 2:
        for letter in _string(env, args[2], "regex_like"):
            if letter not in _REGEX_FLAGS:
                raise illegal(f"Invalid regex_like flag {letter!r}: use i, s, m or x")
            flags |= _REGEX_FLAGS[letter]
    try:
        compiled = re.compile(pattern, flags)
    except re.error as e:
        raise illegal(f"Invalid regular expression {pattern!r}: {e}") from None
    # Java's String.matches semantics: the whole string must match.
    return [compiled.fullmatch(text) is not None]


def f_parse_json(env, args):
    import json

    text = _string(env, args[0], "parse_json")
    try:
        value = json.loads(text, parse_float=Decimal, object_pairs_hook=dict)
    except ValueError as e:
        raise illegal(f"parse_json: the string is not valid JSON: {e}") from None

    def convert(item):
        if item is None:
            return JSON_NULL
        if isinstance(item, dict):
            return {k: convert(v) for k, v in item.items()}
        if isinstance(item, list):
            return [convert(v) for v in item]
        if isinstance(item, Decimal):
            # JSON numbers with a fraction or exponent: doubles when exact enough, as Oracle reads JSON.
            as_float = float(item)
            return as_float if Decimal(repr(as_float)) == item else item
        return item

    return [convert(value)]


# --- numbers ----------------------------------------


def _math1(function):
    def impl(env, args):
        value = _number(env, args[0], function.__name__)
        try:
            return [function(float(value))]
        except (ValueError, OverflowError):
            return [math.nan]

    return impl


def f_abs(env, args):
    return [abs(_number(env, args[0], "abs"))]


def _rounder(name, mode):
    def impl(env, args):
        value = _number(env, args[0], name)
        places = _int(env, args[1], name) if len(args) > 1 else 0
        if isinstance(value, int) and places >= 0:
            return [value]
        exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        quantum = Decimal(1).scaleb(-places)
        if mode == "round":
            result = exact.quantize(quantum, rounding=ROUND_HALF_UP)
        else:
            result = exact.quantize(quantum, rounding="ROUND_DOWN")
        if isinstance(value, Decimal):
            return [result]
        if isinstance(value, float):
            return [float(result)]
        return [int(result)]

    return impl


def f_ceil(env, args):
    value = _number(env, args[0], "ceil")
    return [float(math.ceil(value)) if isinstance(value, float) else math.ceil(value)]


def f_floor(env, args):
    value = _number(env, args[0], "floor")
    return [float(math.floor(value)) if isinstance(value, float) else math.floor(value)]


def f_sign(env, args):
    value = _number(env, args[0], "sign")
    return [(value > 0) - (value < 0)]


def f_power(env, args):
    base = float(_number(env, args[0], "power"))
    exponent = float(_number(env, args[1], "power"))
    try:
        return [math.pow(base, exponent)]
    except (ValueError, OverflowError):
        return [math.nan]


def f_log(env, args):
    value = float(_number(env, args[0], "log"))
    base = float(_number(env, args[1], "log"))
    try:
        return [math.log(value, base)]
    except (ValueError, ZeroDivisionError):
        return [math.nan]


def f_atan2(env, args):
    return [math.atan2(float(_number(env, args[0], "atan2")), float(_number(env, args[1], "atan2")))]


def f_pi(env, args):
    return [math.pi]


def f_e(env, args):
    return [math.e]


# --- timestamps ----------------------------------------

_NANOS = 1_000_000_000


def _datetime(ts: Timestamp) -> dt.datetime:
    seconds, nanos = divmod(ts.nanos, _NANOS)
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds, microseconds=nanos // 1000)


def f_current_time(env, args):
    return [Timestamp.from_millis(env.now_ms, 3)]


def f_current_time_millis(env, args):
    return [NLong(env.now_ms)]


def _week(moment: dt.datetime) -> int:
    # java.time's WeekFields.SUNDAY_START: weeks start on Sunday and week 1 holds January 1st.
    first = (moment.replace(month=1, day=1).weekday() + 1) % 7
    return (moment.timetuple().tm_yday - 1 + first) // 7 + 1


def _part(name):
    def impl(env, args):
        ts = _timestamp(env, args[0], name)
        moment = _datetime(ts)
        nanos = ts.nanos % _NANOS
        value = {
            "year": moment.year,
            "month": moment.month,
            "day": moment.day,
            "day_of_month": moment.day,
            "hour": moment.hour,
            "minute": moment.minute,
            "second": moment.second,
            "millisecond": nanos // 1_000_000,
            "microsecond": nanos // 1000,
            "nanosecond": nanos,
            "week": _week(moment),
            "isoweek": moment.isocalendar()[1],
            "quarter": (moment.month - 1) // 3 + 1,
            "day_of_week": moment.isoweekday() % 7 + 1,  # Sunday is 1, as java.time's WeekFields.SUNDAY_START
            "day_of_year": moment.timetuple().tm_yday,
        }[name]
        return [value]

    return impl


_DURATION = re.compile(
    r"^\s*(?P<sign>-)?\s*(?:(?P<y>\d+)\s*years?)?\s*(?:(?P<mo>\d+)\s*months?)?\s*(?:(?P<w>\d+)\s*weeks?)?"
    r"\s*(?:(?P<d>\d+)\s*days?)?\s*(?:(?P<h>\d+)\s*hours?)?\s*(?:(?P<mi>\d+)\s*minutes?)?"
    r"\s*(?:(?P<s>\d+)\s*seconds?)?\s*(?:(?P<ms>\d+)\s*milliseconds?)?\s*(?:(?P<ns>\d+)\s*nanoseconds?)?\s*$",
    re.IGNORECASE,
)


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    total = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def f_timestamp_add(env, args):
    ts = _timestamp(env, args[0], "timestamp_add")
    text = _string(env, args[1], "timestamp_add")
    match = _DURATION.match(text)
    if not match or not any(v for k, v in match.groupdict().items() if k != "sign"):
        raise illegal(f"Invalid duration string {text!r}: write e.g. '1 day 2 hours' or '-3 months'")
    parts = {k: int(v) if v and k != "sign" else 0 for k, v in match.groupdict().items()}
    sign = -1 if match.group("sign") else 1
    nanos = ts.nanos
    months = sign * (parts["y"] * 12 + parts["mo"])
    if months:
        seconds, rest = divmod(nanos, _NANOS)
        moment = _add_months(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds), months)
        nanos = int((moment - dt.datetime(1970, 1, 1)).total_seconds()) * _NANOS + rest
    span = (
        ((parts["w"] * 7 + parts["d"]) * 86400 + parts["h"] * 3600 + parts["mi"] * 60 + parts["s"]) * _NANOS
        + parts["ms"] * 1_000_000
        + parts["ns"]
    )
    return [Timestamp(nanos + sign * span, ts.precision)]


def f_timestamp_diff(env, args):
    a = _timestamp(env, args[0], "timestamp_diff")
    b = _timestamp(env, args[1], "timestamp_diff")
    return [NLong((a.nanos - b.nanos) // 1_000_000)]


def f_get_duration(env, args):
    millis = _int(env, args[0], "get_duration")
    sign = "-" if millis < 0 else ""
    millis = abs(millis)
    days, rest = divmod(millis, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in (
            (days, "day"),
            (hours, "hour"),
            (minutes, "minute"),
            (seconds, "second"),
            (ms, "millisecond"),
        )
        if n
    ]
    return [sign + (" ".join(parts) if parts else "0 milliseconds")]


_UNITS = ("year", "iyear", "quarter", "month", "week", "iweek", "day", "hour", "minute", "second")


def _truncate(ts: Timestamp, unit: str) -> Timestamp:
    moment = _datetime(ts)
    unit = unit.lower()
    if unit == "year":
        moment = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "quarter":
        moment = moment.replace(
            month=(moment.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
    elif unit == "month":
        moment = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit in ("week", "iweek"):
        start = moment.weekday() if unit == "iweek" else (moment.weekday() + 1) % 7
        moment = (moment - dt.timedelta(days=start)).replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit == "day":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit == "hour":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    elif unit == "minute":
        moment = moment.replace(second=0, microsecond=0)
    elif unit == "second":
        moment = moment.replace(microsecond=0)
    else:
        raise illegal(f"Invalid timestamp unit {unit!r}: use one of {', '.join(_UNITS)}")
    seconds = int((moment - dt.datetime(1970, 1, 1)).total_seconds())
    return Timestamp(seconds * _NANOS, ts.precision)


def f_timestamp_trunc(env, args):
    ts = _timestamp(env, args[0], "timestamp_trunc")
    unit = _string(env, args[1], "timestamp_trunc") if len(args) > 1 else "day"
    return [_truncate(ts, unit)]


_STEP_MONTHS = {"year": 12, "iyear": 12, "quarter": 3, "month": 1}
_STEP_NANOS = {"week": 7 * 86400, "iweek": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60, "second": 1}


def _next_unit(floor: Timestamp, unit: str) -> Timestamp:
    unit = unit.lower()
    if unit in _STEP_MONTHS:
        seconds = floor.nanos // _NANOS
        moment = _add_months(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds), _STEP_MONTHS[unit])
        return Timestamp(int((moment - dt.datetime(1970, 1, 1)).total_seconds()) * _NANOS, floor.precision)
    return Timestamp(floor.nanos + _STEP_NANOS[unit] * _NANOS, floor.precision)


def f_timestamp_ceil(env, args):
    ts = _timestamp(env, args[0], "timestamp_ceil")
    unit = _string(env, args[1], "timestamp_ceil") if len(args) > 1 else "day"
    floor = _truncate(ts, unit)
    return [floor if floor.nanos == ts.nanos else _next_unit(floor, unit)]


def f_timestamp_round(env, args):
    ts = _timestamp(env, args[0], "timestamp_round")
    unit = _string(env, args[1], "timestamp_round") if len(args) > 1 else "day"
    floor = _truncate(ts, unit)
    if floor.nanos == ts.nanos:
        return [floor]
    ceiling = _next_unit(floor, unit)
    # Half way rounds up, as Oracle's timestamp_round does.
    return [ceiling if ts.nanos - floor.nanos >= ceiling.nanos - ts.nanos else floor]


_BUCKET = re.compile(r"^\s*(\d+)\s*(week|day|hour|minute|second)s?\s*$", re.IGNORECASE)


def f_timestamp_bucket(env, args):
    ts = _timestamp(env, args[0], "timestamp_bucket")
    text = _string(env, args[1], "timestamp_bucket") if len(args) > 1 else "1 day"
    match = _BUCKET.match(text)
    if not match or int(match.group(1)) <= 0:
        raise illegal(
            f"Invalid bucket interval {text!r}: write '<n> WEEK|DAY|HOUR|MINUTE|SECOND', e.g. '15 minutes'"
        )
    width = int(match.group(1)) * _STEP_NANOS[match.group(2).lower()] * _NANOS
    origin = _timestamp(env, args[2], "timestamp_bucket").nanos if len(args) > 2 else 0
    return [Timestamp(origin + (ts.nanos - origin) // width * width, ts.precision)]


def f_to_last_day_of_month(env, args):
    ts = _timestamp(env, args[0], "to_last_day_of_month")
    moment = _datetime(ts)
    last = _add_months(moment.replace(day=1), 1) - dt.timedelta(days=1)
    seconds = int(
        (last.replace(hour=0, minute=0, second=0, microsecond=0) - dt.datetime(1970, 1, 1)).total_seconds()
    )
    return [Timestamp(seconds * _NANOS, ts.precision)]


_JAVA_PATTERN = [
    ("yyyy", "%Y"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSS", "{ms}"),
    ("MMM", "%b"),
    ("EEE", "%a"),
]


def f_format_timestamp(env, args):
    ts = _timestamp(env, args[0], "format_timestamp")
    if len(args) < 2:
        return [ts.iso(max(ts.precision, 0)) + "Z" if ts.precision else ts.iso(0) + "Z"]
    pattern = _string(env, args[1], "format_timestamp")
    moment = _datetime(ts)
    out = pattern.replace("'T'", "T")
    for java, python in sorted(_JAVA_PATTERN, key=lambda p: -len(p[0])):
        out = out.replace(java, python)
    out = out.replace("{ms}", f"{ts.nanos % _NANOS // 1_000_000:03d}")
    return [moment.strftime(out)]


def f_parse_to_timestamp(env, args):
    text = _string(env, args[0], "parse_to_timestamp")
    if len(args) > 1:
        pattern = _string(env, args[1], "parse_to_timestamp")
        python = pattern.replace("'T'", "T")
        for java, replacement in sorted(_JAVA_PATTERN, key=lambda p: -len(p[0])):
            python = python.replace(java, replacement)
        python = python.replace("{ms}", "%f")
        try:
            moment = dt.datetime.strptime(text, python)
        except ValueError as e:
            raise illegal(f"Cannot parse {text!r} with pattern {pattern!r}: {e}") from None
        delta = moment - dt.datetime(1970, 1, 1)
        return [Timestamp((delta.days * 86400 + delta.seconds) * _NANOS + delta.microseconds * 1000)]
    try:
        return [Timestamp.parse(text)]
    except Exception:
        raise illegal(
            f"Cannot parse {text!r} as a timestamp: use ISO-8601, e.g. 2024-05-01T10:00:00Z"
        ) from None


def f_to_epoch_millis(env, args):
    return [NLong(_timestamp(env, args[0], "to_milliseconds").to_millis())]


# --- rows ----------------------------------------


def _row(env, args, name) -> RowItem:
    items = args[0].eval(env)
    if len(items) != 1 or not isinstance(items[0], RowItem):
        label = "version" if name == "row_version" else name
        raise illegal(f"The argument to the {label} function must be a row variable")
    return items[0]


def f_row_version(env, args):
    return [_row(env, args, "row_version").row.version]


def f_expiration_time_millis(env, args):
    # 0 for a row that never expires, as RowImpl reports it.
    return [NLong(_row(env, args, "expiration_time_millis").row.expiration)]


def f_expiration_time(env, args):
    expiration = _row(env, args, "expiration_time").row.expiration
    return [Timestamp.from_millis(expiration, 3)]


def f_modification_time(env, args):
    return [Timestamp.from_millis(_row(env, args, "modification_time").row.modified, 3)]


def f_creation_time(env, args):
    return [Timestamp.from_millis(_row(env, args, "creation_time").row.created, 3)]


def f_creation_time_millis(env, args):
    return [NLong(_row(env, args, "creation_time_millis").row.created)]


def _remaining(unit_ms, name):
    def impl(env, args):
        expiration = _row(env, args, name).row.expiration
        if not expiration:
            return [-1]
        return [max(0, -(-(expiration - env.now_ms) // unit_ms))]

    return impl


def f_row_storage_size(env, args):
    return [_row(env, args, "row_storage_size").row.size]


def f_partition(env, args):
    _row(env, args, "partition")
    return [1]


# --- sequences ----------------------------------------


def _sum(items: list):
    numbers = [v for v in items if is_number(v)]
    if not numbers:
        return None
    if any(isinstance(v, Decimal) for v in numbers):
        return sum((Decimal(str(v)) if isinstance(v, float) else Decimal(v) for v in numbers), Decimal(0))
    if any(isinstance(v, float) for v in numbers):
        return math.fsum(numbers)
    return sum(numbers)


def _avg(items: list):
    numbers = [v for v in items if is_number(v)]
    if not numbers:
        return None
    total = _sum(numbers)
    if isinstance(total, Decimal):
        return total / len(numbers)
    return float(total) / len(numbers)


def _extreme(items: list, largest: bool):
    candidates = [v for v in items if not is_special(v) and not isinstance(v, dict | list)]
    if not candidates:
        return None
    chooser = max if largest else min
    return chooser(candidates, key=rank)


def _distinct(items: list) -> list:
    seen = set()
    out = []
    for item in items:
        key = canon(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def f_seq_count(env, args):
    return [len(args[0].eval(env))]


def f_seq_sum(env, args):
    return [_sum(args[0].eval(env))]


def f_seq_avg(env, args):
    return [_avg(args[0].eval(env))]


def f_seq_min(env, args):
    return [_extreme(args[0].eval(env), False)]


def f_seq_max(env, args):
    return [_extreme(args[0].eval(env), True)]


def f_seq_distinct(env, args):
    return _distinct(args[0].eval(env))


def f_seq_concat(env, args):
    out = []
    for arg in args:
        out.extend(arg.eval(env))
    return out


def f_seq_transform(env, args):
    out = []
    for item in args[0].eval(env):
        out.extend(args[1].eval(env.bind(dollar=[item])))
    return out


def f_seq_sort(env, args):
    return sorted(args[0].eval(env), key=rank)


# --- aggregates ----------------------------------------

AGGREGATES = ("count", "sum", "avg", "min", "max", "array_collect")


def aggregate(node, group: list) -> list:
    name = node.name
    if node.arg is None:  # count(*)
        return [NLong(len(group))]
    items: list = []
    for env in group:
        values = node.arg.eval(env)
        if name != "array_collect" and len(values) > 1:
            raise illegal(
                f"The argument of aggregate function {name} returned more than one item for a row: "
                "wrap it in seq_* or use [] to select one"
            )
        items.extend(v for v in values if v is not None)
    if node.distinct:
        items = _distinct(items)
    if name == "count":
        return [NLong(len(items))]
    if name == "sum":
        return [_sum(items)]
    if name == "avg":
        return [_avg(items)]
    if name == "min":
        return [_extreme(items, False)]
    if name == "max":
        return [_extreme(items, True)]
    if name == "array_collect":
        return [[plain(v) for v in items]]
    raise illegal(f"Unknown aggregate function {name}")


# --- CAST ----------------------------------------


def cast(node, env) -> list:
    items = node.operand.eval(env)
    if node.quantifier in ("", "?") and len(items) > 1:
        raise illegal(f"Cannot cast a sequence of {len(items)} items to {node.type_name}")
    if node.quantifier == "" and not items:
        raise illegal(f"Cannot cast an empty sequence to {node.type_name} (use {node.type_name}? or *)")
    return [_cast_item(item, node.type_name, node.typedef) for item in items]


def _cast_item(value, kind: str, typedef):
    if value is None:
        return None
    if kind in ("ANY", "ANYATOMIC", "ANYJSONATOMIC"):
        return value
    if kind == "JSON":
        return value
    try:
        if kind == "STRING":
            return to_string(value)
        if kind in ("INTEGER", "LONG"):
            if isinstance(value, str):
                text = value.strip()
                return int(Decimal(text)) if "." in text or "e" in text.lower() else int(text)
            if isinstance(value, Timestamp):
                return value.to_millis()
            if is_number(value):
                return int(value)
            if isinstance(value, bool):
                raise ValueError
        if kind in ("DOUBLE", "FLOAT") and isinstance(value, str | int | float | Decimal):
            return float(value)
        if kind == "NUMBER":
            if isinstance(value, float):
                return Decimal(repr(value))
            if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
                return Decimal(value.strip() if isinstance(value, str) else value)
        if kind == "BOOLEAN":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
        if kind == "TIMESTAMP":
            precision = typedef.precision if typedef is not None else 9
            if isinstance(value, Timestamp):
                return value.with_precision(precision)
            if isinstance(value, str):
                return Timestamp.parse(value, precision)
            if is_number(value) and not isinstance(value, bool):
                return Timestamp.from_millis(int(value), precision)
        if kind == "BINARY":
            if isinstance(value, bytes):
                return value
            if isinstance(value, str):
                import base64

                return base64.b64decode(value, validate=True)
    except Exception:
        pass
    raise illegal(f"Cannot cast value {plain(value)!r} to {kind}")


# --- registry ----------------------------------------

FUNCTIONS: dict[str, tuple] = {
    # name: (implementation, min arity, max arity)
    "size": (f_size, 1, 1),
    "length": (f_length, 1, 1),
    "upper": (f_upper, 1, 1),
    "lower": (f_lower, 1, 1),
    "substring": (f_substring, 2, 3),
    "concat": (f_concat, 1, 64),
    "contains": (f_contains, 2, 2),
    "starts_with": (f_starts_with, 2, 2),
    "ends_with": (f_ends_with, 2, 2),
    "index_of": (f_index_of, 2, 3),
    "replace": (f_replace, 2, 3),
    "reverse": (f_reverse, 1, 1),
    "trim": (f_trim, 1, 3),
    "ltrim": (f_ltrim, 1, 1),
    "rtrim": (f_rtrim, 1, 1),
    "regex_like": (f_regex_like, 2, 3),
    "parse_json": (f_parse_json, 1, 1),
    "abs": (f_abs, 1, 1),
    "ceil": (f_ceil, 1, 1),
    "floor": (f_floor, 1, 1),
    "round": (_rounder("round", "round"), 1, 2),
    "trunc": (_rounder("trunc", "trunc"), 1, 2),
    "sign": (f_sign, 1, 1),
    "sqrt": (_math1(math.sqrt), 1, 1),
    "exp": (_math1(math.exp), 1, 1),
    "ln": (_math1(math.log), 1, 1),
    "log10": (_math1(math.log10), 1, 1),
    "sin": (_math1(math.sin), 1, 1),
    "cos": (_math1(math.cos), 1, 1),
    "tan": (_math1(math.tan), 1, 1),
    "asin": (_math1(math.asin), 1, 1),
    "acos": (_math1(math.acos), 1, 1),
    "atan": (_math1(math.atan), 1, 1),
    "degrees": (_math1(math.degrees), 1, 1),
    "radians": (_math1(math.radians), 1, 1),
    "power": (f_power, 2, 2),
    "log": (f_log, 2, 2),
    "atan2": (f_atan2, 2, 2),
    "pi": (f_pi, 0, 0),
    "e": (f_e, 0, 0),
    "current_time": (f_current_time, 0, 0),
    "current_time_millis": (f_current_time_millis, 0, 0),
    "timestamp_add": (f_timestamp_add, 2, 2),
    "timestamp_diff": (f_timestamp_diff, 2, 2),
    "get_duration": (f_get_duration, 1, 1),
    "timestamp_trunc": (f_timestamp_trunc, 1, 2),
    "timestamp_floor": (f_timestamp_trunc, 1, 2),
    "timestamp_ceil": (f_timestamp_ceil, 1, 2),
    "timestamp_round": (f_timestamp_round, 1, 2),
    "timestamp_bucket": (f_timestamp_bucket, 1, 3),
    "to_last_day_of_month": (f_to_last_day_of_month, 1, 1),
    "format_timestamp": (f_format_timestamp, 1, 3),
    "parse_to_timestamp": (f_parse_to_timestamp, 1, 2),
    "to_milliseconds": (f_to_epoch_millis, 1, 1),
    "row_version": (f_row_version, 1, 1),
    "version": (f_row_version, 1, 1),
    "expiration_time_millis": (f_expiration_time_millis, 1, 1),
    "expiration_time": (f_expiration_time, 1, 1),
    "modification_time": (f_modification_time, 1, 1),
    "creation_time": (f_creation_time, 1, 1),
    "creation_time_millis": (f_creation_time_millis, 1, 1),
    "remaining_hours": (_remaining(3_600_000, "remaining_hours"), 1, 1),
    "remaining_days": (_remaining(86_400_000, "remaining_days"), 1, 1),
    "row_storage_size": (f_row_storage_size, 1, 1),
    "partition": (f_partition, 1, 1),
    "seq_count": (f_seq_count, 1, 1),
    "seq_sum": (f_seq_sum, 1, 1),
    "seq_avg": (f_seq_avg, 1, 1),
    "seq_min": (f_seq_min, 1, 1),
    "seq_max": (f_seq_max, 1, 1),
    "seq_distinct": (f_seq_distinct, 1, 1),
    "seq_concat": (f_seq_concat, 0, 64),
    "seq_transform": (f_seq_transform, 2, 2),
    "seq_sort": (f_seq_sort, 1, 1),
    "geo_intersect": (geo.f_intersect, 2, 2),
    "geo_inside": (geo.f_inside, 2, 2),
    "geo_within_distance": (geo.f_within_distance, 3, 3),
    "geo_near": (geo.f_within_distance, 3, 3),
    "geo_distance": (geo.f_distance, 2, 2),
    "geo_is_geometry": (geo.f_is_geometry, 1, 1),
}
for _part_name in (
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
    "week",
    "isoweek",
    "quarter",
    "day_of_week",
    "day_of_month",
    "day_of_year",
):
    FUNCTIONS[_part_name] = (_part(_part_name), 1, 1)

ROW_FUNCTIONS = frozenset(
    {
        "row_version",
        "version",
        "expiration_time_millis",
        "expiration_time",
        "modification_time",
        "creation_time",
        "creation_time_millis",
        "remaining_hours",
        "remaining_days",
        "row_storage_size",
        "partition",
    }
)
REFUSED_FUNCTIONS = {
    "shard": "shard($t)",
    "row_metadata": "row metadata",
    "mr_counter": "MR counters",
    "rand": "rand()",
}


def lookup(name: str, args: list):
    lowered = name.lower()
    if lowered in REFUSED_FUNCTIONS:
        raise unsupported(f"the function {REFUSED_FUNCTIONS[lowered]}")
    entry = FUNCTIONS.get(lowered)
    if entry is None:
        raise illegal(f"Could not find function with name {name} and arity {len(args)}")
    impl, low, high = entry
    _arity(name, args, low, high)
    return _guard(impl)


__all__ = ["AGGREGATES", "EMPTY", "FUNCTIONS", "ROW_FUNCTIONS", "aggregate", "cast", "lookup"]
