"""Value representations shared by the codec, the store and the query engine.

Row values are plain Python objects: ``int`` (INTEGER, LONG, and an IDENTITY's generated value),
``float`` (DOUBLE, and FLOAT already narrowed to a 32-bit float's value), ``Decimal`` (NUMBER), ``str``
(STRING, ENUM, and a UUID in canonical lowercase), ``bool``, ``bytes`` (BINARY and fixed BINARY(n)),
``Timestamp`` (already rounded to the field's precision), ``dict``/``list`` (JSON), ``JSON_NULL`` for a
JSON null and ``None`` for an SQL NULL. ``EMPTY`` is the empty sequence a query path yields when a JSON
field is missing.

Typed collections nest the same values: an ARRAY is a ``list`` of its element type's values (never None;
a JSON element may be JSON_NULL), a MAP a ``dict`` from ``str`` keys to them, and a RECORD a ``dict`` with
every declared field, in declaration order, under its declared spelling (missing fields at their default
or None). Nothing marks a dict as MAP, RECORD or JSON: the field's type in the table says which.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal

from .errors import illegal


class _Special:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        return self.name


JSON_NULL = _Special("JSON_NULL")
EMPTY = _Special("EMPTY")


class NLong(int):
    """An int that must travel as an NSON LONG (protocol fields the driver reads with ``read_long``)."""


class WireTimestamp(str):
    """A TIMESTAMP received from the driver: its ISO text, kept apart from a plain STRING."""


class EnumValue:
    """An ENUM column value seen by the query engine: its symbol plus its position in the declaration."""

    __slots__ = ("index", "symbol", "symbols")

    def __init__(self, symbol: str, index: int, symbols: tuple[str, ...] = ()):
        self.symbol = symbol
        self.index = index
        self.symbols = symbols

    def __repr__(self) -> str:
        return f"EnumValue({self.symbol!r}, {self.index})"


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NANOS_PER_SECOND = 1_000_000_000
_TS_RE = re.compile(
    r"^\s*(-?\d{4,})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


class Timestamp:
    """A TIMESTAMP(p): nanoseconds since the epoch (UTC) rounded to ``precision`` fractional digits."""

    __slots__ = ("nanos", "precision")

    def __init__(self, nanos: int, precision: int = 9):
        unit = 10 ** (9 - precision)
        quotient, remainder = divmod(nanos, unit)
        # Oracle rounds half up to the declared precision rather than truncating.
        if remainder * 2 >= unit:
            quotient += 1
        self.nanos = quotient * unit
        self.precision = precision

    @classmethod
    def parse(cls, text: str, precision: int = 9) -> Timestamp:
        match = _TS_RE.match(text)
        if not match:
            raise illegal(f"Invalid timestamp string: {text!r}")
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        try:
            ordinal = dt.date(int(year), int(month), int(day)).toordinal()
        except ValueError as e:
            raise illegal(f"Invalid timestamp string: {text!r}: {e}") from None
        h, m, s = int(hour or 0), int(minute or 0), int(second or 0)
        if h > 23 or m > 59 or s > 59:
            raise illegal(f"Invalid timestamp string: {text!r}")
        seconds = (ordinal - _EPOCH_ORDINAL) * 86400 + h * 3600 + m * 60 + s
        if zone and zone not in ("Z", "z"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
            seconds -= sign * offset
        nanos = seconds * _NANOS_PER_SECOND + int((fraction or "").ljust(9, "0") or 0)
        return cls(nanos, precision)

    @classmethod
    def from_millis(cls, millis: int, precision: int = 9) -> Timestamp:
        return cls(millis * 1_000_000, precision)

    def with_precision(self, precision: int) -> Timestamp:
        return Timestamp(self.nanos, precision)

    def iso(self, digits: int | None = None) -> str:
        """ISO-8601 without a zone designator, as the proxy sends timestamps to drivers."""
        digits = self.precision if digits is None else digits
        seconds, nanos = divmod(self.nanos, _NANOS_PER_SECOND)
        days, rest = divmod(seconds, 86400)
        date = dt.date.fromordinal(_EPOCH_ORDINAL + days)
        text = f"{date.isoformat()}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
        if digits > 0:
            text += "." + f"{nanos:09d}"[:digits]
        return text

    def to_millis(self) -> int:
        return self.nanos // 1_000_000

    def __eq__(self, other) -> bool:
        return isinstance(other, Timestamp) and other.nanos == self.nanos

    def __hash__(self) -> int:
        return hash(("ts", self.nanos))

    def __repr__(self) -> str:
        return f"Timestamp({self.iso(9)}Z)"


# --- JSON tagged codec: rows on disk, continuation keys -----------------------------------------------


def encode_tagged(value):
    """Turn a row value into plain JSON, keeping every type distinction the emulator relies on."""
    if value is None:
        return {"N": 1}
    if value is JSON_NULL:
        return {"J": 1}
    if value is EMPTY:
        return {"E": 1}
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, Timestamp):
        return {"t": value.nanos, "p": value.precision}
    if isinstance(value, bytes | bytearray):
        return {"b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, EnumValue):
        return {"e": value.symbol, "i": value.index}
    if isinstance(value, dict):
        return {"m": [[k, encode_tagged(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return {"a": [encode_tagged(v) for v in value]}
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode_tagged(value):
    if not isinstance(value, dict):
        return value
    if "N" in value:
        return None
    if "J" in value:
        return JSON_NULL
    if "E" in value:
        return EMPTY
    if "f" in value:
        return float(value["f"])
    if "d" in value:
        return Decimal(value["d"])
    if "t" in value:
        ts = Timestamp(0, value["p"])
        ts.nanos = value["t"]
        return ts
    if "b" in value:
        return base64.b64decode(value["b"])
    if "e" in value:
        return EnumValue(value["e"], value["i"])
    if "m" in value:
        return {k: decode_tagged(v) for k, v in value["m"]}
    if "a" in value:
        return [decode_tagged(v) for v in value["a"]]
    raise ValueError("unknown tag")


def dumps_tagged(value) -> str:
    return json.dumps(encode_tagged(value), separators=(",", ":"), ensure_ascii=False)


def loads_tagged(text: str | bytes):
    return decode_tagged(json.loads(text))


def is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
