"""The whole type system through borneo: nested ARRAY, MAP and RECORD columns, fixed binaries, timestamps
with precision, defaults and NOT NULL, IDENTITY and UUID columns, and the casts and refusals of a put."""

from __future__ import annotations

import base64
import datetime as dt
import json
import struct
import uuid
from decimal import Decimal

import pytest
from borneo import (
    GetRequest,
    GetTableRequest,
    IllegalArgumentException,
    PutOption,
    PutRequest,
    QueryRequest,
)

from .support import EmulatorProcess, ddl, make_handle

pytestmark = pytest.mark.system

KINDS = """CREATE TABLE kinds (
    id LONG, s STRING, i INTEGER, d DOUBLE, f FLOAT, n NUMBER, b BOOLEAN,
    ts TIMESTAMP(3), ts0 TIMESTAMP(0), bin BINARY, fb BINARY(4), e ENUM(RED, GREEN) DEFAULT RED, j JSON,
    tags ARRAY(STRING), scores MAP(INTEGER), matrix ARRAY(ARRAY(LONG)),
    address RECORD(street STRING, zip INTEGER NOT NULL DEFAULT 0, geo RECORD(lat DOUBLE, lon DOUBLE)),
    events ARRAY(RECORD(at TIMESTAMP(0), what STRING)),
    docs MAP(JSON),
    PRIMARY KEY (id))"""


def put(handle, table, value, **options):
    request = PutRequest().set_table_name(table).set_value(value)
    for name, setting in options.items():
        getattr(request, f"set_{name}")(setting)
    return handle.put(request)


def get(handle, table, key):
    return handle.get(GetRequest().set_table_name(table).set_key(key)).get_value()


def schema(handle, table):
    return json.loads(handle.get_table(GetTableRequest().set_table_name(table)).get_schema())


def query(handle, statement):
    return list(handle.query_iterable(QueryRequest().set_statement(statement)))


@pytest.fixture
def kinds(handle):
    ddl(handle, KINDS)
    return handle


def test_every_type_round_trips_nested(kinds):
    value = {
        "id": 1,
        "s": "Mussarela",
        "i": 5,
        "d": 1.5,
        "f": 2.5,
        "n": Decimal("12.345678901234567890"),
        "b": True,
        "ts": dt.datetime(2024, 5, 1, 10, 0, 0, 123456),
        "ts0": "2024-05-01T10:00:00.6",
        "bin": bytearray(b"\x00\x01\x02"),
        "fb": bytearray(b"abcd"),
        "j": {"a": [1, None, {"b": "c"}]},
        "tags": ["calabresa", "cebola"],
        "scores": {"ana": 10, "bia": 7},
        "matrix": [[1, 2], [3]],
        "address": {"street": "Rua A", "geo": {"lat": -23.5, "lon": -46.6}},
        "events": [{"at": "2024-01-01T00:00:00", "what": "pedido"}],
        "docs": {"x": {"k": [True]}, "y": None},
    }
    put(kinds, "kinds", value)
    row = get(kinds, "kinds", {"id": 1})
    assert row["n"] == value["n"]
    # TIMESTAMP(3) keeps milliseconds, TIMESTAMP(0) rounds to the second (half up), as Oracle does.
    assert row["ts"] == dt.datetime(2024, 5, 1, 10, 0, 0, 123000)
    assert row["ts0"] == dt.datetime(2024, 5, 1, 10, 0, 1)
    assert row["bin"] == value["bin"] and row["fb"] == value["fb"]
    assert row["e"] == "RED"  # the default
    assert row["j"] == value["j"]
    assert row["tags"] == value["tags"]
    assert row["scores"] == value["scores"]
    assert row["matrix"] == value["matrix"]
    # A record comes back with every declared field, in declaration order; missing ones take defaults.
    assert list(row["address"]) == ["street", "zip", "geo"]
    assert row["address"] == {"street": "Rua A", "zip": 0, "geo": {"lat": -23.5, "lon": -46.6}}
    assert row["events"] == [{"at": dt.datetime(2024, 1, 1), "what": "pedido"}]
    assert row["docs"]["x"] == {"k": [True]} and row["docs"]["y"] is None
    # A query sees the same values.
    assert query(kinds, "SELECT * FROM kinds")[0]["address"] == row["address"]


def test_schema_json_describes_nested_types(kinds):
    fields = {f["name"]: f for f in schema(kinds, "kinds")["fields"]}
    assert fields["tags"] == {
        "name": "tags",
        "type": "ARRAY",
        "collection": {"type": "STRING"},
        "nullable": True,
    }
    assert fields["scores"]["collection"] == {"type": "INTEGER"}
    assert fields["matrix"]["collection"] == {"type": "ARRAY", "collection": {"type": "LONG"}}
    assert fields["fb"]["type"] == "FIXED_BINARY" and fields["fb"]["size"] == 4
    assert fields["ts"]["precision"] == 3
    assert fields["e"]["symbols"] == ["RED", "GREEN"] and fields["e"]["default"] == "RED"
    address = fields["address"]
    assert address["type"] == "RECORD"
    assert [f["name"] for f in address["fields"]] == ["street", "zip", "geo"]
    zip_field = address["fields"][1]
    assert zip_field["nullable"] is False and zip_field["default"] == 0
    assert address["fields"][2]["fields"][0] == {"name": "lat", "type": "DOUBLE", "nullable": True}
    assert fields["events"]["collection"]["type"] == "RECORD"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"tags": [1]}, 'Expected STRING, got INTEGER \\(field "tags\\[0\\]" of table kinds\\)'),
        ({"tags": ["a", None]}, 'Expected STRING, got NULL \\(field "tags\\[1\\]"'),
        ({"tags": "a"}, "Type mismatch on input. Expected ARRAY, got STRING"),
        ({"scores": {"a": "x"}}, 'Invalid string for Integer: x \\(field "scores.a"'),
        ({"scores": [1]}, "Expected MAP, got ARRAY"),
        ({"matrix": [[1], ["x"]]}, 'Invalid string for Long: x \\(field "matrix\\[1\\]\\[0\\]"'),
        ({"address": "Rua A"}, "Expected MAP or ARRAY, but got STRING"),
        ({"address": {"zip": None}}, 'The field can not be null: zip \\(field "address.zip"'),
        (
            {"address": {"geo": {"lat": "north"}}},
            'Invalid string for Double: north \\(field "address.geo.lat"',
        ),
        ({"events": [{"at": "yesterday"}]}, 'Invalid timestamp string.*field "events\\[0\\].at"'),
        ({"fb": bytearray(b"abc")}, "Invalid length for FixedBinary array, it must be 4, and it is 3"),
        ({"bin": "abc"}, "Invalid string for binary value: abc is not padded base64 string"),
        ({"e": "BLUE"}, "Invalid enumeration value 'BLUE', must be in values: \\[RED, GREEN\\]"),
        ({"e": 1}, "Type mismatch on input. Expected STRING, got INTEGER"),
        ({"s": 1}, "Type mismatch on input. Expected STRING, got INTEGER"),
        ({"i": 2**31}, "Int overflow: 2147483648"),
        ({"id": 2**63}, "Long overflow: 9223372036854775808"),
        ({"i": 1.5}, "Converting double to int loses information: 1.5"),
        ({"i": "7.0"}, "Invalid string for Integer: 7.0"),
        ({"f": 1e300}, "Converting double to float loses information: 1.0E300"),
        ({"n": "1e"}, "Invalid string for Decimal: 1e"),
        ({"b": 1}, "Invalid driver type for Boolean: INTEGER"),
        ({"ts": True}, "Invalid driver type for Timestamp: BOOLEAN"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(kinds, value, says):
    with pytest.raises(IllegalArgumentException, match=says):
        put(kinds, "kinds", {"id": 7, **value})
    assert get(kinds, "kinds", {"id": 7}) is None


def test_records_read_like_the_proxy_reads_them(kinds):
    # By name (an unknown field ignored unless exact match is requested) or by position from an ARRAY.
    put(kinds, "kinds", {"id": 3, "address": {"street": "R", "nope": 1}})
    assert get(kinds, "kinds", {"id": 3})["address"] == {"street": "R", "zip": 0, "geo": None}
    with pytest.raises(IllegalArgumentException, match="There is no field with name nope"):
        put(kinds, "kinds", {"id": 4, "address": {"street": "R", "nope": 1}}, exact_match=True)
    put(kinds, "kinds", {"id": 4, "address": ["R", 9, [1.0, 2.0]]}, exact_match=True)
    assert get(kinds, "kinds", {"id": 4})["address"] == {
        "street": "R",
        "zip": 9,
        "geo": {"lat": 1.0, "lon": 2.0},
    }
    with pytest.raises(IllegalArgumentException, match="it has 2 elements but the Record Value contains 3"):
        put(kinds, "kinds", {"id": 5, "address": ["R", 9]}, exact_match=True)
    put(kinds, "kinds", {"id": 5, "address": ["R"]})
    assert get(kinds, "kinds", {"id": 5})["address"] == {"street": "R", "zip": 0, "geo": None}


def test_values_are_cast_like_the_proxy_casts_them(kinds):
    millis = 1_714_557_600_000  # 2024-05-01T10:00:00Z
    put(
        kinds,
        "kinds",
        {
            "id": "2",  # LONG from a numeric string
            "i": 7.0,
            "d": 3,
            "n": "0.1",
            "ts": millis,  # TIMESTAMP from epoch milliseconds
            "bin": base64.b64encode(b"photo").decode(),  # BINARY from base64
            "scores": {"a": "3"},
            "matrix": [["4"]],
        },
    )
    row = get(kinds, "kinds", {"id": 2})
    assert (row["i"], row["d"], row["n"]) == (7, 3.0, Decimal("0.1"))
    # A FLOAT field keeps a 32-bit float, as Oracle does: 0.1 comes back as that float's value.
    put(kinds, "kinds", {"id": 6, "f": 0.1})
    assert get(kinds, "kinds", {"id": 6})["f"] == struct.unpack(">f", struct.pack(">f", 0.1))[0] != 0.1
    assert row["ts"] == dt.datetime(2024, 5, 1, 10, 0)
    assert row["bin"] == bytearray(b"photo")
    assert row["scores"] == {"a": 3} and row["matrix"] == [[4]]


def test_defaults_and_not_null_at_every_level(handle):
    ddl(
        handle,
        """CREATE TABLE prefs (id INTEGER, lang STRING NOT NULL DEFAULT 'pt-BR', size INTEGER DEFAULT 8,
        opts RECORD(dark BOOLEAN NOT NULL DEFAULT FALSE, font STRING DEFAULT 'serif'), PRIMARY KEY (id))""",
    )
    put(handle, "prefs", {"id": 1, "opts": {}})
    assert get(handle, "prefs", {"id": 1}) == {
        "id": 1,
        "lang": "pt-BR",
        "size": 8,
        "opts": {"dark": False, "font": "serif"},
    }
    put(handle, "prefs", {"id": 2, "size": None})
    assert get(handle, "prefs", {"id": 2})["size"] is None
    assert get(handle, "prefs", {"id": 2})["opts"] is None
    with pytest.raises(IllegalArgumentException, match="The field can not be null: lang"):
        put(handle, "prefs", {"id": 3, "lang": None})
    with pytest.raises(IllegalArgumentException, match="The field can not be null: dark"):
        put(handle, "prefs", {"id": 3, "opts": {"dark": None}})
    assert get(handle, "prefs", {"id": 3}) is None


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("CREATE TABLE t (id INTEGER, m MAP(INTEGER) DEFAULT 1, PRIMARY KEY (id))", "cannot have default"),
        ("CREATE TABLE t (id INTEGER, r RECORD(a INTEGER NOT NULL), PRIMARY KEY (id))", "without a default"),
        ("CREATE TABLE t (id INTEGER, r RECORD(a INTEGER, A STRING), PRIMARY KEY (id))", "Duplicate field"),
        ("CREATE TABLE t (id INTEGER, r RECORD(a STRING AS UUID), PRIMARY KEY (id))", "top-level field"),
        ("CREATE TABLE t (id INTEGER, a ARRAY(STRING), PRIMARY KEY (a))", "cannot be a key"),
        ("CREATE TABLE t (id INTEGER, a ARRAY, PRIMARY KEY (id))", "expected '\\('"),
        ("CREATE TABLE t (id INTEGER, a ARRAY(NOPE), PRIMARY KEY (id))", "Unknown type: NOPE"),
        (
            "CREATE TABLE t (id INTEGER, ts TIMESTAMP(10), PRIMARY KEY (id))",
            "precision must be a number from 0 to 9",
        ),
        ("CREATE TABLE t (id INTEGER, b BINARY(0), PRIMARY KEY (id))", "BINARY size must be a positive"),
        ("CREATE TABLE t (id INTEGER, e ENUM(A, A), PRIMARY KEY (id))", "ENUM symbols must be unique"),
    ],
)
def test_bad_type_declarations_are_refused(handle, statement, says):
    with pytest.raises(IllegalArgumentException, match=says):
        ddl(handle, statement)


# --- IDENTITY ------------------------------------------------------------------------------------------


def test_identity_generated_always_with_sequence_options(handle):
    start, step, maximum, minimum = 10, 5, 30, 2
    ddl(
        handle,
        f"""CREATE TABLE tickets (id INTEGER GENERATED ALWAYS AS IDENTITY (START WITH {start}
        INCREMENT BY {step} MAXVALUE {maximum} MINVALUE {minimum} CACHE 3 CYCLE), who STRING,
        PRIMARY KEY (id))""",
    )
    generated = [put(handle, "tickets", {"who": f"c{k}"}).get_generated_value() for k in range(6)]
    expected = list(range(start, maximum + 1, step))
    # Past MAXVALUE, a CYCLE sequence starts again at MINVALUE.
    expected += [minimum + step * k for k in range(6 - len(expected))]
    assert generated == expected
    assert get(handle, "tickets", {"id": start})["who"] == "c0"
    with pytest.raises(IllegalArgumentException, match="generated always identity column: id"):
        put(handle, "tickets", {"id": 99, "who": "x"})
    # ...except to update a row keyed by it, with IF_PRESENT.
    put(handle, "tickets", {"id": start, "who": "changed"}, option=PutOption.IF_PRESENT)
    assert get(handle, "tickets", {"id": start})["who"] == "changed"
    missing = put(handle, "tickets", {"id": 12, "who": "x"}, option=PutOption.IF_PRESENT)
    assert missing.get_version() is None and get(handle, "tickets", {"id": 12}) is None
    identity = schema(handle, "tickets")["identity"]
    assert identity == {
        "name": "id",
        "always": True,
        "null": False,
        "sequence": {
            "start": start,
            "increment": step,
            "min": minimum,
            "max": maximum,
            "cache": 3,
            "cycle": True,
        },
    }


def test_identity_without_cycle_stops_at_maxvalue(handle):
    ddl(
        handle,
        """CREATE TABLE few (id LONG GENERATED ALWAYS AS IDENTITY (START WITH -1 INCREMENT BY -1
        MINVALUE -2), PRIMARY KEY (id))""",
    )
    assert [put(handle, "few", {}).get_generated_value() for _ in range(2)] == [-1, -2]
    with pytest.raises(IllegalArgumentException, match="reached its MINVALUE"):
        put(handle, "few", {})


def test_identity_by_default_and_on_null(handle):
    ddl(
        handle,
        """CREATE TABLE a (k STRING, n INTEGER GENERATED BY DEFAULT AS IDENTITY, PRIMARY KEY (k))""",
    )
    ddl(
        handle,
        """CREATE TABLE b (k STRING, n NUMBER GENERATED BY DEFAULT ON NULL AS IDENTITY (START WITH 100),
        PRIMARY KEY (k))""",
    )
    assert put(handle, "a", {"k": "x"}).get_generated_value() == 1
    # Oracle's defaults; the schema shows MINVALUE/MAXVALUE only when the DDL gave them.
    assert schema(handle, "a")["identity"]["sequence"] == {
        "start": 1,
        "increment": 1,
        "cache": 1000,
        "cycle": False,
    }
    # BY DEFAULT takes a value the application supplies, and generates nothing then.
    result = put(handle, "a", {"k": "y", "n": 50})
    assert result.get_generated_value() is None and get(handle, "a", {"k": "y"})["n"] == 50
    with pytest.raises(IllegalArgumentException, match="The field can not be null: n"):
        put(handle, "a", {"k": "z", "n": None})
    # ON NULL also generates for an explicit NULL; a NUMBER identity comes back as a NUMBER.
    assert put(handle, "b", {"k": "x", "n": None}).get_generated_value() == Decimal(100)
    assert put(handle, "b", {"k": "y"}).get_generated_value() == Decimal(101)


def test_identity_cache_size_is_accepted_and_a_restart_skips_unused_cached_values(tmp_path):
    process = EmulatorProcess("--data", str(tmp_path / "ids.sqlite3")).start()
    try:
        handle = make_handle(process.url)
        ddl(handle, "CREATE TABLE seq (id LONG GENERATED ALWAYS AS IDENTITY (CACHE 10), PRIMARY KEY (id))")
        first = [put(handle, "seq", {}, identity_cache_size=4).get_generated_value() for _ in range(2)]
        handle.close()
    finally:
        process.stop()
    assert first == [1, 2]
    process = EmulatorProcess("--data", str(tmp_path / "ids.sqlite3")).start()
    try:
        handle = make_handle(process.url)
        after = put(handle, "seq", {}).get_generated_value()
        handle.close()
    finally:
        process.stop()
    # The first block held 4 values (the request's cache size): the restarted sequence resumes after it.
    assert after == 1 + 4


IDENTITY = "CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY"


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        (
            "CREATE TABLE t (id STRING GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (id))",
            "one of the following numeric data types: INTEGER, LONG or NUMBER",
        ),
        (
            f"{IDENTITY}, n LONG GENERATED BY DEFAULT AS IDENTITY, PRIMARY KEY (id))",
            "Only one IDENTITY field is allowed",
        ),
        (
            "CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY (INCREMENT BY 0), PRIMARY KEY (id))",
            "cannot be 0",
        ),
        (
            f"{IDENTITY} (START WITH 50 MAXVALUE 10), PRIMARY KEY (id))",
            "outside MINVALUE",
        ),
        (
            f"{IDENTITY} (MAXVALUE 9999999999), PRIMARY KEY (id))",
            "must fit the type",
        ),
        (
            "CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY (FOO 1), PRIMARY KEY (id))",
            "sequence option",
        ),
        ("CREATE TABLE t (id INTEGER, PRIMARY KEY (id))", None),
    ],
)
def test_bad_identity_declarations_are_refused(handle, statement, says):
    if says is None:  # the control: the same table without the mistake is created
        ddl(handle, statement)
        return
    with pytest.raises(IllegalArgumentException, match=says):
        ddl(handle, statement)


def test_identity_in_write_multiple_results(handle):
    from borneo import WriteMultipleRequest

    ddl(
        handle,
        "CREATE TABLE log (day STRING, n LONG GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (SHARD(day), n))",
    )
    request = WriteMultipleRequest()
    for what in ("a", "b"):
        request.add(PutRequest().set_table_name("log").set_value({"day": "2024-05-01", "what": what}), True)
    results = handle.write_multiple(request).get_results()
    assert [r.get_generated_value() for r in results] == [1, 2]


# --- UUID ----------------------------------------------------------------------------------------------


def test_uuid_columns(handle):
    ddl(handle, "CREATE TABLE u (id STRING AS UUID GENERATED BY DEFAULT, name STRING, PRIMARY KEY (id))")
    ddl(handle, "CREATE TABLE v (id INTEGER, ref STRING AS UUID, PRIMARY KEY (id))")
    generated = put(handle, "u", {"name": "gerado"}).get_generated_value()
    assert uuid.UUID(generated).version == 4
    assert get(handle, "u", {"id": generated})["name"] == "gerado"
    given = "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"
    result = put(handle, "u", {"id": given, "name": "dado"}, option=PutOption.IF_ABSENT)
    assert result.get_generated_value() is None
    # Stored as a UUID: any spelling finds it, and it comes back in canonical lowercase.
    assert get(handle, "u", {"id": given.lower()})["id"] == given.lower()
    with pytest.raises(IllegalArgumentException, match="Invalid UUID string: nope"):
        put(handle, "v", {"id": 1, "ref": "nope"})
    field = schema(handle, "u")["fields"][0]
    assert field["as uuid"] is True and field["generated"] is True
    assert (
        "as uuid" in schema(handle, "v")["fields"][1] and "generated" not in schema(handle, "v")["fields"][1]
    )
