"""Get, put and delete with every option, types, versions and TTL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from borneo import (
    Consistency,
    DeleteRequest,
    GetRequest,
    IllegalArgumentException,
    PutOption,
    PutRequest,
    TableNotFoundException,
    TimeToLive,
)

from .support import ddl

pytestmark = pytest.mark.system

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@pytest.fixture
def users(handle):
    ddl(
        handle,
        """CREATE TABLE users (id INTEGER, name STRING NOT NULL DEFAULT 'anon', age INTEGER, big LONG,
        score DOUBLE, balance NUMBER, active BOOLEAN DEFAULT TRUE, born TIMESTAMP(3),
        kind ENUM(BASIC, GOLD), photo BINARY, doc JSON, PRIMARY KEY (id))""",
    )
    return handle


def put(handle, value, table="users", **options):
    request = PutRequest().set_table_name(table).set_value(value)
    if "option" in options:
        request.set_option(options["option"])
    if "match" in options:
        request.set_match_version(options["match"])
    if options.get("return_row"):
        request.set_return_row(True)
    if "ttl" in options:
        request.set_ttl(options["ttl"])
    if options.get("use_default_ttl"):
        request.set_use_table_default_ttl(True)
    if options.get("exact"):
        request.set_exact_match(True)
    return handle.put(request)


def get(handle, key, table="users"):
    return handle.get(GetRequest().set_table_name(table).set_key(key))


def now_ms(emulator) -> int:
    """The emulator's clock, in epoch milliseconds: this machine's, plus the offset it was moved by."""
    offset_ms = int(emulator.stats()["clock_offset_seconds"] * 1000)
    return int(dt.datetime.now().timestamp() * 1000) + offset_ms


def test_round_trip_of_every_type(users):
    born = dt.datetime(1990, 5, 17, 8, 30, 15, 123456, tzinfo=dt.UTC)
    value = {
        "id": 1,
        "name": "Ana",
        "age": 34,
        "big": 2**40,
        "score": 9.5,
        "balance": Decimal("1234.50"),
        "active": False,
        "born": born,
        "kind": "GOLD",
        "photo": bytearray(b"\x00\x01\xff"),
        "doc": {"city": "Recife", "tags": ["a", "b"], "n": 1.25, "none": None, "deep": {"x": [1, {"y": 2}]}},
    }
    before = int(dt.datetime.now().timestamp() * 1000)
    result = put(users, value)
    after = int(dt.datetime.now().timestamp() * 1000)
    assert result.get_version() is not None
    got = get(users, {"id": 1})
    row = got.get_value()
    assert list(row) == [
        "id",
        "name",
        "age",
        "big",
        "score",
        "balance",
        "active",
        "born",
        "kind",
        "photo",
        "doc",
    ]
    assert row["big"] == 2**40 and row["score"] == 9.5 and row["balance"] == Decimal("1234.50")
    # TIMESTAMP(3) keeps milliseconds; the proxy sends timestamps without a zone (UTC).
    assert row["born"] == dt.datetime(1990, 5, 17, 8, 30, 15, 123000)
    assert row["kind"] == "GOLD" and row["photo"] == bytearray(b"\x00\x01\xff") and row["active"] is False
    assert row["doc"] == {
        "city": "Recife",
        "tags": ["a", "b"],
        "n": 1.25,
        "none": None,
        "deep": {"x": [1, {"y": 2}]},
    }
    assert got.get_version().get_bytes() == result.get_version().get_bytes()
    assert got.get_expiration_time() == 0
    assert before <= got.get_modification_time() <= after  # written during the put, by this machine's clock


def test_defaults_nulls_and_unknown_fields(users):
    put(users, {"id": 2, "whatever": "ignored"})
    row = get(users, {"id": 2}).get_value()
    assert row["name"] == "anon" and row["active"] is True and row["age"] is None and row["doc"] is None
    assert "whatever" not in row
    with pytest.raises(IllegalArgumentException, match="There is no field with name whatever"):
        put(users, {"id": 3, "whatever": 1}, exact=True)
    # As the proxy reads rows, exact match refuses unknown fields only: missing ones take their defaults.
    put(users, {"id": 3, "name": "x"}, exact=True)
    assert get(users, {"id": 3}).get_value()["active"] is True


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ({"id": 1, "age": "old"}, "age"),
        ({"id": 1, "age": 2**40}, "age"),
        ({"id": 1, "age": 1.5}, "age"),
        ({"id": 1, "name": 5}, "name"),
        ({"id": 1, "name": None}, "name"),
        ({"id": 1, "kind": "PLATINUM"}, "kind"),
        ({"id": 1, "born": "yesterday"}, "born"),
        ({"id": 1, "active": 3}, "active"),
        ({"id": "one"}, "id"),
        ({"name": "no key"}, "id"),
    ],
)
def test_type_errors_name_the_column(users, value, column):
    # The field is quoted in a conversion error; a missing key reads "Missing primary key field: id".
    with pytest.raises(IllegalArgumentException, match=f'"{column}"|field: {column}$'):
        put(users, value)


def test_lenient_numeric_conversions(users):
    put(users, {"id": 4, "age": 7.0, "score": 3, "balance": 2.5, "born": "2020-01-01T00:00:00Z"})
    row = get(users, {"id": 4}).get_value()
    assert row["age"] == 7 and row["score"] == 3.0 and row["balance"] == Decimal("2.5")
    assert row["born"] == dt.datetime(2020, 1, 1)


def test_get_missing_row_and_table(users):
    result = users.get(
        GetRequest().set_table_name("users").set_key({"id": 99}).set_consistency(Consistency.ABSOLUTE)
    )
    assert result.get_value() is None and result.get_version() is None
    with pytest.raises(TableNotFoundException):
        get(users, {"id": 1}, table="nope")
    with pytest.raises(IllegalArgumentException, match="id"):
        get(users, {"name": "x"})


def test_put_options(users):
    first = put(users, {"id": 5, "name": "v1"}, option=PutOption.IF_ABSENT)
    assert first.get_version() is not None
    again = put(users, {"id": 5, "name": "v2"}, option=PutOption.IF_ABSENT, return_row=True)
    assert again.get_version() is None
    assert again.get_existing_value()["name"] == "v1"
    assert again.get_existing_version().get_bytes() == first.get_version().get_bytes()

    assert put(users, {"id": 6, "name": "x"}, option=PutOption.IF_PRESENT).get_version() is None
    present = put(users, {"id": 5, "name": "v3"}, option=PutOption.IF_PRESENT, return_row=True)
    assert present.get_version() is not None
    assert present.get_existing_value()["name"] == "v1"

    stale = put(
        users,
        {"id": 5, "name": "v4"},
        option=PutOption.IF_VERSION,
        match=first.get_version(),
        return_row=True,
    )
    assert stale.get_version() is None
    assert stale.get_existing_value()["name"] == "v3"
    current = get(users, {"id": 5}).get_version()
    updated = put(users, {"id": 5, "name": "v5"}, option=PutOption.IF_VERSION, match=current)
    assert updated.get_version() is not None
    assert get(users, {"id": 5}).get_value()["name"] == "v5"

    overwrite = put(users, {"id": 5, "name": "v6"}, return_row=True)
    assert overwrite.get_existing_value()["name"] == "v5"
    assert overwrite.get_existing_modification_time() > 0


def test_delete_options(users):
    version = put(users, {"id": 7, "name": "x"}).get_version()
    put(users, {"id": 7, "name": "y"})
    request = DeleteRequest().set_table_name("users").set_key({"id": 7}).set_match_version(version)
    stale = users.delete(request.set_return_row(True))
    assert stale.get_success() is False
    assert stale.get_existing_value()["name"] == "y"
    deleted = users.delete(DeleteRequest().set_table_name("users").set_key({"id": 7}).set_return_row(True))
    assert deleted.get_success() is True
    assert deleted.get_existing_value()["name"] == "y"
    assert users.delete(DeleteRequest().set_table_name("users").set_key({"id": 7})).get_success() is False
    current = put(users, {"id": 8}).get_version()
    matched = users.delete(
        DeleteRequest().set_table_name("users").set_key({"id": 8}).set_match_version(current)
    )
    assert matched.get_success() is True


def test_versions_are_never_reused(users):
    seen = set()
    for _ in range(3):
        version = bytes(put(users, {"id": 9, "name": "same"}).get_version().get_bytes())
        assert version not in seen
        seen.add(version)
        users.delete(DeleteRequest().set_table_name("users").set_key({"id": 9}))
    old = put(users, {"id": 9}).get_version()
    users.delete(DeleteRequest().set_table_name("users").set_key({"id": 9}))
    put(users, {"id": 9})
    # A version from before the delete must not match the re-inserted row.
    assert put(users, {"id": 9}, option=PutOption.IF_VERSION, match=old).get_version() is None


def test_ttl_rounding_and_expiry(fresh, handle):
    ddl(handle, "CREATE TABLE sessions (id STRING, data STRING, PRIMARY KEY (id)) USING TTL 2 DAYS")
    # Expiry: the write time rounded up to the next day (hour) boundary, plus the TTL; the writes happen
    # between ``before`` and ``after``.
    before = now_ms(fresh)
    put(handle, {"id": "default"}, table="sessions")
    put(handle, {"id": "hours"}, table="sessions", ttl=TimeToLive.of_hours(3))
    put(handle, {"id": "forever"}, table="sessions", ttl=TimeToLive.of_days(0))
    after = now_ms(fresh)
    default = get(handle, {"id": "default"}, table="sessions").get_expiration_time()
    hours = get(handle, {"id": "hours"}, table="sessions").get_expiration_time()
    assert default % DAY_MS == 0 and before + 2 * DAY_MS <= default <= after + 3 * DAY_MS
    assert hours % HOUR_MS == 0 and before + 3 * HOUR_MS <= hours <= after + 4 * HOUR_MS
    assert get(handle, {"id": "forever"}, table="sessions").get_expiration_time() == 0

    # An update keeps the TTL unless asked; an explicit TTL or the table default replaces it.
    put(handle, {"id": "hours", "data": "x"}, table="sessions")
    assert get(handle, {"id": "hours"}, table="sessions").get_expiration_time() == hours
    put(handle, {"id": "hours", "data": "y"}, table="sessions", use_default_ttl=True)
    assert get(handle, {"id": "hours"}, table="sessions").get_expiration_time() == default

    fresh.admin("clock", {"advance_seconds": 5 * 3600})
    assert get(handle, {"id": "default"}, table="sessions").get_value() is not None
    fresh.admin("clock", {"advance_seconds": 3 * 86400})
    assert get(handle, {"id": "default"}, table="sessions").get_value() is None
    assert get(handle, {"id": "forever"}, table="sessions").get_value() is not None
    # An expired row is absent: IF_ABSENT succeeds and IF_PRESENT fails.
    assert put(handle, {"id": "hours"}, table="sessions", option=PutOption.IF_PRESENT).get_version() is None
    assert (
        put(handle, {"id": "default"}, table="sessions", option=PutOption.IF_ABSENT).get_version() is not None
    )


def test_use_table_default_ttl_without_default_keeps_ttl(handle):
    ddl(handle, "CREATE TABLE plain (id INTEGER, PRIMARY KEY (id))")
    put(handle, {"id": 1}, table="plain", ttl=TimeToLive.of_hours(1))
    before = get(handle, {"id": 1}, table="plain").get_expiration_time()
    put(handle, {"id": 1}, table="plain", use_default_ttl=True)
    assert get(handle, {"id": 1}, table="plain").get_expiration_time() == before
    put(handle, {"id": 1}, table="plain", ttl=TimeToLive.of_days(0))
    assert get(handle, {"id": 1}, table="plain").get_expiration_time() == 0


def test_child_table_rows(handle):
    ddl(handle, "CREATE TABLE shop (sid STRING, name STRING, PRIMARY KEY (sid))")
    ddl(handle, "CREATE TABLE shop.item (iid INTEGER, price NUMBER, PRIMARY KEY (iid))")
    put(handle, {"sid": "s1", "iid": 1, "price": Decimal("9.90")}, table="shop.item")
    row = get(handle, {"sid": "s1", "iid": 1}, table="shop.item").get_value()
    assert row == {"sid": "s1", "iid": 1, "price": Decimal("9.90")}
    with pytest.raises(IllegalArgumentException, match="sid"):
        put(handle, {"iid": 2}, table="shop.item")


def test_multi_delete(handle):
    from borneo import FieldRange, MultiDeleteRequest

    ddl(handle, "CREATE TABLE logs (app STRING, seq INTEGER, msg STRING, PRIMARY KEY (SHARD(app), seq))")
    for app in ("a", "b"):
        for seq in range(10):
            put(handle, {"app": app, "seq": seq, "msg": "m"}, table="logs")
    in_range = FieldRange("seq").set_start(2, True).set_end(5, False)
    request = MultiDeleteRequest().set_table_name("logs").set_key({"app": "a"}).set_range(in_range)
    assert handle.multi_delete(request).get_num_deletions() == 3
    remaining = [
        seq
        for seq in range(10)
        if get(handle, {"app": "a", "seq": seq}, table="logs").get_value() is not None
    ]
    assert remaining == [0, 1, 5, 6, 7, 8, 9]
    assert (
        handle.multi_delete(
            MultiDeleteRequest().set_table_name("logs").set_key({"app": "b"})
        ).get_num_deletions()
        == 10
    )
    assert get(handle, {"app": "a", "seq": 0}, table="logs").get_value() is not None
    with pytest.raises(IllegalArgumentException, match="shard key"):
        handle.multi_delete(MultiDeleteRequest().set_table_name("logs").set_key({"seq": 1}))
