"""Wire-level behaviour: NSON codec, serial/query version negotiation, HEAD, unsupported operations."""

from __future__ import annotations

import datetime as dt
import struct
import urllib.request
from decimal import Decimal

import pytest
from borneo import (
    GetRequest,
    IllegalArgumentException,
    OperationNotSupportedException,
    PutRequest,
    QueryRequest,
    SystemRequest,
    TableUsageRequest,
)
from borneo.common import ByteInputStream, ByteOutputStream, JsonNone
from borneo.nson import Nson, NsonSerializer, Proto

from emulators.nosql import nson
from emulators.nosql.values import JSON_NULL, NLong, Timestamp, WireTimestamp

from .support import ddl

VALUE = {
    "int": 7,
    "neg": -1000,
    "long": 2**40,
    "double": 2.5,
    "number": Decimal("1.10"),
    "string": "pão de queijo",
    "bool": True,
    "binary": bytearray(b"\x00\xff"),
    "null": None,
    "array": [1, [2, {"x": "y"}]],
    "map": {"a": {"b": -5}},
}


def test_codec_matches_borneo():
    # borneo encodes, the emulator decodes...
    out = bytearray()
    Nson.generate_events_from_value(
        {**VALUE, "ts": dt.datetime(2024, 5, 6, 7, 8, 9), "jn": JsonNone()},
        NsonSerializer(ByteOutputStream(out)),
    )
    decoded = nson.decode(bytes(out))
    assert decoded["ts"] == WireTimestamp("2024-05-06T07:08:09Z")
    assert decoded["jn"] is JSON_NULL
    assert {k: decoded[k] for k in VALUE} == {**VALUE, "binary": b"\x00\xff"}
    # ...and the emulator encodes what borneo decodes.
    encoded = nson.encode({**VALUE, "ts": Timestamp.parse("2024-05-06T07:08:09.5", 3), "lng": NLong(3)})
    back = Proto.nson_to_value(ByteInputStream(bytearray(encoded)))
    assert back["ts"] == dt.datetime(2024, 5, 6, 7, 8, 9, 500000)
    assert back["lng"] == 3
    assert {k: back[k] for k in VALUE} == VALUE


def post(url: str, body: bytes, request_id: str | None = "1") -> bytes:
    request = urllib.request.Request(f"{url}/V2/nosql/data", data=body, method="POST")
    if request_id:
        request.add_header("x-nosql-request-id", request_id)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return response.read()


def v3_error(data: bytes) -> tuple[int, str]:
    return data[0], nson.Reader(data, 1).string()


@pytest.mark.system
def test_serial_versions(fresh):
    body = nson.encode({"h": {"o": 14, "t": 1000}, "p": {}})
    code, message = v3_error(post(fresh.url, struct.pack(">h", 5) + body))
    assert (code, message) == (24, "Invalid driver serial version 5, proxy serial version is 4")
    assert v3_error(post(fresh.url, struct.pack(">h", 3) + body)) == (24, "Requests must use V4 protocol")
    assert v3_error(post(fresh.url, struct.pack(">h", 4) + body, request_id=None))[0] == 17
    assert nson.decode(post(fresh.url, struct.pack(">h", 4) + body)) == {"e": 0, "li": 0}
    assert nson.decode(post(fresh.url, struct.pack(">h", 4) + b"\x06\x00"))["e"] == 17


@pytest.mark.system
def test_borneo_negotiates_down(fresh, handle):
    ddl(handle, "CREATE TABLE t (id INTEGER, PRIMARY KEY (id))")
    # Pretend to be a newer driver: the emulator answers as the proxy does and borneo falls back.
    handle._client.serial_version = 5
    handle.put(PutRequest().set_table_name("t").set_value({"id": 1}))
    assert handle._client.serial_version == 4
    handle._client.query_version = 6
    assert handle.query(QueryRequest().set_statement("SELECT * FROM t")).get_results() == [{"id": 1}]
    assert handle._client.query_version == 5
    assert handle.get(GetRequest().set_table_name("t").set_key({"id": 1})).get_value() == {"id": 1}


@pytest.mark.system
def test_head_reports_versions(fresh):
    request = urllib.request.Request(f"{fresh.url}/V2/nosql/data", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["x-nosql-version"].startswith("proxy=")
        assert response.headers["x-nosql-serial-version"] == "4"


@pytest.mark.system
def test_unsupported_operations(fresh, handle):
    with pytest.raises(IllegalArgumentException, match="not supported by the emulator"):
        handle.system_request(SystemRequest().set_statement("CREATE USER u IDENTIFIED BY 'p'"))
    body = nson.encode({"h": {"o": 33, "n": "t", "t": 1000}, "p": {}})
    assert nson.decode(post(fresh.url, struct.pack(">h", 4) + body)) == {
        "e": 21,
        "x": "not supported by the emulator: ADD_REPLICA",
    }
    with pytest.raises(OperationNotSupportedException, match="only by the cloud service"):
        handle.get_table_usage(TableUsageRequest().set_table_name("t"))
    body = nson.encode({"h": {"o": 99, "t": 1000}, "p": {}})
    assert nson.decode(post(fresh.url, struct.pack(">h", 4) + body))["e"] == 1
