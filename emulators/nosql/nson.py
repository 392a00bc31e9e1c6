"""NSON, the binary format of protocol V4: typed values, maps and arrays with byte lengths up front.

Integers use the "sorted packed" encoding of Oracle's PackedInteger: one byte for -119..120, otherwise a
length byte followed by the big-endian magnitude offset by 121 (positive) or 119 (negative).
"""

from __future__ import annotations

import struct
from decimal import Decimal

from .errors import bad_protocol
from .values import EMPTY, JSON_NULL, EnumValue, NLong, Timestamp, WireTimestamp

ARRAY = 0
BINARY = 1
BOOLEAN = 2
DOUBLE = 3
INTEGER = 4
LONG = 5
MAP = 6
STRING = 7
TIMESTAMP = 8
NUMBER = 9
JSON_NULL_TYPE = 10
NULL = 11
EMPTY_TYPE = 12

TYPE_NAMES = {
    ARRAY: "ARRAY",
    BINARY: "BINARY",
    BOOLEAN: "BOOLEAN",
    DOUBLE: "DOUBLE",
    INTEGER: "INTEGER",
    LONG: "LONG",
    MAP: "MAP",
    STRING: "STRING",
    TIMESTAMP: "TIMESTAMP",
    NUMBER: "NUMBER",
    JSON_NULL_TYPE: "JSON_NULL",
    NULL: "NULL",
    EMPTY_TYPE: "EMPTY",
}

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def pack_int(value: int) -> bytes:
    if -119 <= value <= 120:
        return bytes([value + 127])
    if value < -119:
        raw = (value + 119).to_bytes(8, "big", signed=True).lstrip(b"\xff") or b"\xff"
        return bytes([0x08 - len(raw)]) + raw
    raw = (value - 121).to_bytes(8, "big").lstrip(b"\x00") or b"\x00"
    return bytes([0xF7 + len(raw)]) + raw


def pack_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return pack_int(len(data)) + data


class Reader:
    """Decodes NSON into Python values (see ``values`` for the representation)."""

    def __init__(self, data: bytes, offset: int = 0):
        self.data = data
        self.pos = offset

    def _take(self, count: int) -> bytes:
        end = self.pos + count
        if count < 0 or end > len(self.data):
            raise bad_protocol("Reached end of input stream")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def byte(self) -> int:
        return self._take(1)[0]

    def short(self) -> int:
        return struct.unpack(">h", self._take(2))[0]

    def full_int(self) -> int:
        return struct.unpack(">i", self._take(4))[0]

    def packed(self) -> int:
        first = self.byte()
        if first < 0x08:
            length, value = 0x08 - first, -1
        elif first > 0xF7:
            length, value = first - 0xF7, 0
        else:
            return first - 127
        for b in self._take(length):
            value = (value << 8) | b
        return value - 119 if first < 0x08 else value + 121

    def string(self) -> str | None:
        length = self.packed()
        if length == -1:
            return None
        if length < -1:
            raise bad_protocol(f"Invalid length of String: {length}")
        try:
            return self._take(length).decode("utf-8")
        except UnicodeDecodeError as e:
            raise bad_protocol(f"Invalid UTF-8 string: {e}") from None

    def value(self):
        kind = self.byte()
        if kind == MAP:
            self.full_int()
            count = self.full_int()
            result = {}
            for _ in range(count):
                key = self.string()
                result[key] = self.value()
            return result
        if kind == ARRAY:
            self.full_int()
            count = self.full_int()
            return [self.value() for _ in range(count)]
        if kind == STRING:
            return self.string()
        if kind in (INTEGER, LONG):
            return self.packed()
        if kind == BOOLEAN:
            return self.byte() != 0
        if kind == DOUBLE:
            return struct.unpack(">d", self._take(8))[0]
        if kind == BINARY:
            length = self.packed()
            return b"" if length <= 0 else self._take(length)
        if kind == TIMESTAMP:
            return WireTimestamp(self.string() or "")
        if kind == NUMBER:
            text = self.string() or ""
            try:
                return Decimal(text)
            except ArithmeticError:
                raise bad_protocol(f"Invalid NUMBER value: {text!r}") from None
        if kind == JSON_NULL_TYPE:
            return JSON_NULL
        if kind == NULL:
            return None
        if kind == EMPTY_TYPE:
            return EMPTY
        raise bad_protocol(f"Unknown value type code: {kind}")


def decode(data: bytes, offset: int = 0):
    return Reader(data, offset).value()


class Writer:
    """Encodes Python values as NSON; map/array byte lengths are patched in when they close."""

    def __init__(self):
        self.buf = bytearray()

    def value(self, value) -> None:
        buf = self.buf
        if value is None:
            buf.append(NULL)
        elif value is JSON_NULL:
            buf.append(JSON_NULL_TYPE)
        elif value is EMPTY:
            buf.append(EMPTY_TYPE)
        elif isinstance(value, bool):
            buf.append(BOOLEAN)
            buf.append(1 if value else 0)
        elif isinstance(value, NLong):
            buf.append(LONG)
            buf += pack_int(int(value))
        elif isinstance(value, int):
            if INT32_MIN <= value <= INT32_MAX:
                buf.append(INTEGER)
                buf += pack_int(value)
            elif INT64_MIN <= value <= INT64_MAX:
                buf.append(LONG)
                buf += pack_int(value)
            else:
                buf.append(NUMBER)
                buf += pack_string(str(value))
        elif isinstance(value, float):
            buf.append(DOUBLE)
            buf += struct.pack(">d", value)
        elif isinstance(value, str):
            buf.append(STRING)
            buf += pack_string(value)
        elif isinstance(value, Decimal):
            buf.append(NUMBER)
            buf += pack_string(str(value))
        elif isinstance(value, Timestamp):
            buf.append(TIMESTAMP)
            buf += pack_string(value.iso())
        elif isinstance(value, EnumValue):
            buf.append(STRING)
            buf += pack_string(value.symbol)
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
            buf.append(BINARY)
            buf += pack_int(len(data)) + data
        elif isinstance(value, dict):
            start = self._open(MAP)
            for key, item in value.items():
                buf += pack_string(key)
                self.value(item)
            self._close(start, len(value))
        elif isinstance(value, list | tuple):
            start = self._open(ARRAY)
            for item in value:
                self.value(item)
            self._close(start, len(value))
        else:
            raise TypeError(f"cannot encode {type(value).__name__} as NSON")

    def _open(self, kind: int) -> int:
        self.buf.append(kind)
        start = len(self.buf)
        self.buf += b"\x00" * 8
        return start

    def _close(self, start: int, count: int) -> None:
        # The byte length counts everything after the length field itself, element count included.
        struct.pack_into(">ii", self.buf, start, len(self.buf) - start - 4, count)


def encode(value) -> bytes:
    writer = Writer()
    writer.value(value)
    return bytes(writer.buf)
