"""The store contract (see ``ocipizza/nosql/backends/base.py``), run against every backend."""

import base64
import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from ocipizza.nosql import (
    ConditionFailed,
    Delete,
    DoesNotExist,
    Eq,
    InvalidKey,
    InvalidQuery,
    InvalidRequest,
    InvalidValue,
    IsNull,
    Put,
    Query,
    Range,
    TableNotFound,
)

NOW = dt.datetime(2026, 11, 25, 12, 30, 15, 123456, tzinfo=dt.UTC)
HOUR = 3600


def item(id_="a", **values):
    return {"id": id_, "name": f"item {id_}", **values}


# --- get / put ----------------------------------------------------------------------------------------


def test_put_then_get_returns_every_type_as_written(store):
    values = item(
        qty=7,
        big=2**40,
        ratio=0.25,
        price=Decimal("49.90"),
        active=False,
        created=NOW,
        status="DONE",
        data={"city": "São Paulo", "tags": ["a", 1, True, None], "nested": {"x": 1.5}},
        blob=b"\x00\x01pizza",
    )
    version = store.put("item", values)
    row = store.get("item", {"id": "a"})
    assert row.version == version
    assert row.value["price"] == Decimal("49.90")
    assert row.value["created"] == NOW.replace(microsecond=123000)  # TIMESTAMP(3)
    assert row.value["created"].tzinfo is not None
    assert row.value["data"] == values["data"]
    assert row.value["blob"] == b"\x00\x01pizza"
    assert (row["qty"], row["big"], row["ratio"], row["active"], row["status"]) == (
        7,
        2**40,
        0.25,
        False,
        "DONE",
    )
    assert row.expires_at is None


def test_absent_columns_take_defaults_or_null(store):
    store.put("item", item())
    row = store.get("item", {"id": "a"}).value
    assert row["qty"] == 0 and row["active"] is True and row["status"] == "NEW"
    assert row["price"] is None and row["data"] is None and row["created"] is None


def test_get_missing_row_raises_does_not_exist(store):
    with pytest.raises(DoesNotExist):
        store.get("item", {"id": "nope"})
    assert store.get_or_none("item", {"id": "nope"}) is None


def test_every_write_makes_a_new_version(store):
    first = store.put("item", item())
    second = store.put("item", item(qty=1))
    assert first != second
    assert store.get("item", {"id": "a"}).version == second


def test_if_absent_writes_only_new_rows(store):
    store.put("item", item(qty=1), if_absent=True)
    with pytest.raises(ConditionFailed) as failure:
        store.put("item", item(qty=2), if_absent=True)
    assert failure.value.current is not None and failure.value.current["qty"] == 1
    assert store.get("item", {"id": "a"})["qty"] == 1


def test_if_version_writes_only_over_the_version_read(store):
    version = store.put("item", item(qty=1))
    newer = store.put("item", item(qty=2), if_version=version)
    with pytest.raises(ConditionFailed):
        store.put("item", item(qty=3), if_version=version)
    assert store.get("item", {"id": "a"}).version == newer
    assert store.get("item", {"id": "a"})["qty"] == 2


def test_a_failed_condition_reports_the_whole_current_row(store):
    version = store.put("item", item(qty=1), ttl=dt.timedelta(hours=2))
    with pytest.raises(ConditionFailed) as failure:
        store.put("item", item(qty=2), if_absent=True)
    current = failure.value.current
    assert current.version == version and current["qty"] == 1
    assert current.expires_at is not None and current.expires_at == store.get("item", {"id": "a"}).expires_at


def test_if_version_on_a_missing_row_fails(store):
    version = store.put("item", item())
    store.delete("item", {"id": "a"})
    with pytest.raises(ConditionFailed):
        store.put("item", item(), if_version=version)
    with pytest.raises(DoesNotExist):
        store.get("item", {"id": "a"})


def test_versions_are_not_reused_after_delete_and_reinsert(store):
    old = store.put("item", item())
    store.delete("item", {"id": "a"})
    store.put("item", item())
    with pytest.raises(ConditionFailed):
        store.put("item", item(qty=9), if_version=old)


# --- delete -------------------------------------------------------------------------------------------


def test_delete_reports_whether_a_row_went(store):
    store.put("item", item())
    assert store.delete("item", {"id": "a"}) is True
    assert store.delete("item", {"id": "a"}) is False
    assert store.get_or_none("item", {"id": "a"}) is None


def test_delete_if_version(store):
    version = store.put("item", item())
    store.put("item", item(qty=5))
    with pytest.raises(ConditionFailed):
        store.delete("item", {"id": "a"}, if_version=version)
    assert store.get("item", {"id": "a"})["qty"] == 5
    assert store.delete("item", {"id": "a"}, if_version=store.get("item", {"id": "a"}).version) is True


# --- TTL ----------------------------------------------------------------------------------------------


def test_rows_expire_after_their_ttl(store, advance_clock):
    before = dt.datetime.now(dt.UTC)
    store.put("item", item(), ttl=dt.timedelta(hours=1))
    after = dt.datetime.now(dt.UTC)
    row = store.get("item", {"id": "a"})
    assert row.expires_at is not None
    # Oracle NoSQL rounds the expiry up to a whole hour: the write time, rounded up, plus the hour.
    assert row.expires_at.minute == 0 and row.expires_at.second == 0
    assert before + dt.timedelta(hours=1) <= row.expires_at <= after + dt.timedelta(hours=2)
    advance_clock(2 * HOUR + 1)
    with pytest.raises(DoesNotExist):
        store.get("item", {"id": "a"})
    assert list(store.iterate(Query("item"))) == []


def test_table_default_ttl_applies_and_updates_keep_the_expiry(store, advance_clock):
    before = dt.datetime.now(dt.UTC)
    store.put("token", {"hash": "h", "owner": "x"})
    after = dt.datetime.now(dt.UTC)
    first = store.get("token", {"hash": "h"})
    assert first.expires_at is not None
    # The table's TTL of 1 day, from the write time rounded up to a whole day.
    assert before + dt.timedelta(days=1) <= first.expires_at <= after + dt.timedelta(days=2)
    store.put("token", {"hash": "h", "owner": "y"})
    assert store.get("token", {"hash": "h"}).expires_at == first.expires_at
    advance_clock(2 * 86400 + 1)
    assert store.get_or_none("token", {"hash": "h"}) is None


def test_expired_rows_count_as_absent(store, advance_clock):
    store.put("item", item(qty=1), ttl=dt.timedelta(hours=1))
    advance_clock(2 * HOUR + 1)
    store.put("item", item(qty=2), if_absent=True)
    row = store.get("item", {"id": "a"})
    assert row["qty"] == 2 and row.expires_at is None
    assert store.delete("item", {"id": "zzz"}) is False


def test_zero_ttl_removes_an_expiry(store):
    store.put("item", item(), ttl=dt.timedelta(days=1))
    store.put("item", item(), ttl=dt.timedelta(0))
    assert store.get("item", {"id": "a"}).expires_at is None


# --- write_many ---------------------------------------------------------------------------------------


def test_write_many_applies_parent_and_children_together(store):
    results = store.write_many(
        [
            Put("account", {"region": "sp", "id": "u1", "email": "a@example.com"}),
            Put(
                "account.purchase",
                {"region": "sp", "id": "u1", "purchase_id": "p1", "total": Decimal("10.5")},
            ),
            Put("account.purchase", {"region": "sp", "id": "u1", "purchase_id": "p2", "total": Decimal("3")}),
        ]
    )
    assert len(results) == 3 and all(isinstance(r, bytes) for r in results)
    purchases = store.query(Query("account.purchase", where=[Eq("region", "sp"), Eq("id", "u1")]))
    assert [r["purchase_id"] for r in purchases] == ["p1", "p2"]


def test_write_many_is_all_or_nothing(store):
    store.put("account", {"region": "sp", "id": "u1", "email": "old@example.com"})
    with pytest.raises(ConditionFailed) as failure:
        store.write_many(
            [
                Put("account.purchase", {"region": "sp", "id": "u1", "purchase_id": "p1", "total": 1}),
                Put("account", {"region": "sp", "id": "u1", "email": "new@example.com"}, if_absent=True),
            ]
        )
    assert failure.value.index == 1
    assert store.get_or_none("account.purchase", {"region": "sp", "id": "u1", "purchase_id": "p1"}) is None
    assert store.get("account", {"region": "sp", "id": "u1"})["email"] == "old@example.com"


def test_write_many_deletes_and_reports(store):
    store.put("account", {"region": "sp", "id": "u1"})
    store.put("account", {"region": "sp", "id": "u2"})
    results = store.write_many(
        [
            Delete("account", {"region": "sp", "id": "u1"}),
            Delete("account", {"region": "sp", "id": "u9"}),
            Put("account", {"region": "sp", "id": "u3"}),
        ]
    )
    assert results[:2] == [True, False]
    with pytest.raises(ConditionFailed):
        store.write_many(
            [
                Put("account", {"region": "sp", "id": "u4"}),
                Delete("account", {"region": "sp", "id": "u9"}, must_exist=True),
            ]
        )
    assert store.get_or_none("account", {"region": "sp", "id": "u4"}) is None


def test_write_many_refuses_rows_on_different_shards(store):
    with pytest.raises(InvalidRequest, match="shard"):
        store.write_many(
            [Put("account", {"region": "sp", "id": "u1"}), Put("account", {"region": "rj", "id": "u2"})]
        )
    with pytest.raises(InvalidRequest):
        store.write_many([])
    assert store.get_or_none("account", {"region": "sp", "id": "u1"}) is None


# --- queries ------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(store):
    cities = ["Campinas", "Santos", "São Paulo"]
    for number in range(30):
        store.put(
            "item",
            item(
                f"i{number:02d}",
                qty=number % 7,
                price=Decimal(number) + Decimal("0.99"),
                active=number % 2 == 0,
                created=NOW + dt.timedelta(minutes=number),
                data={"city": cities[number % 3], "rank": number} if number % 5 else None,
            ),
        )
    return store


def test_query_filters_with_equality_range_and_json_paths(catalogue):
    page = catalogue.query(
        Query("item", where=[Eq("active", True), Range("qty", gte=2, lt=5)], order_by=["id"])
    )
    assert [r["id"] for r in page] == ["i02", "i04", "i10", "i16", "i18", "i24"]
    page = catalogue.query(Query("item", where=[Eq("data.city", "Santos")], order_by=["-id"]))
    assert [r["id"] for r in page] == ["i28", "i22", "i19", "i16", "i13", "i07", "i04", "i01"]
    page = catalogue.query(Query("item", where=[Range("price", gt=Decimal("27.5"))]))
    assert sorted(r["id"] for r in page) == ["i27", "i28", "i29"]
    page = catalogue.query(Query("item", where=[IsNull("data")], order_by=["id"]))
    assert [r["id"] for r in page] == ["i00", "i05", "i10", "i15", "i20", "i25"]
    page = catalogue.query(Query("item", where=[Range("created", gte=NOW + dt.timedelta(minutes=28))]))
    assert sorted(r["id"] for r in page) == ["i28", "i29"]


def test_query_orders_by_json_fields_and_descending(catalogue):
    page = catalogue.query(
        Query("item", where=[Range("data.rank", gte=20)], order_by=["-data.rank"], limit=3)
    )
    assert [r["id"] for r in page] == ["i29", "i28", "i27"]
    assert page.continuation is not None


def test_pagination_walks_every_row_once(store):
    for number in range(250):
        store.put("item", item(f"r{number:03d}", qty=number % 4))
    seen, pages, after = [], 0, None
    while True:
        page = store.query(Query("item", order_by=["qty"], limit=40, after=after))
        pages += 1
        seen.extend((r["qty"], r["id"]) for r in page)
        after = page.continuation
        if after is None:
            break
    assert pages >= 7
    assert len(seen) == 250 and len(set(seen)) == 250
    assert seen == sorted(seen)


def test_pagination_stays_correct_while_rows_are_added(store):
    for number in range(10):
        store.put("item", item(f"r{number:02d}"))
    first = store.query(Query("item", order_by=["id"], limit=5))
    store.put("item", item("r00a"))  # sorts into the first page, already read
    second = store.query(Query("item", order_by=["id"], limit=5, after=first.continuation))
    assert [r["id"] for r in second] == ["r05", "r06", "r07", "r08", "r09"]


def test_last_page_has_no_continuation(catalogue):
    page = catalogue.query(Query("item", limit=30))
    assert len(page) == 30 and page.continuation is None


def test_a_continuation_only_fits_its_own_query(catalogue):
    page = catalogue.query(Query("item", order_by=["id"], limit=5))
    with pytest.raises(InvalidQuery):
        catalogue.query(Query("item", order_by=["-id"], limit=5, after=page.continuation))
    for garbage in ["", "not-base64!", "e30", "A" * 5000, page.continuation[:-3]]:
        with pytest.raises(InvalidQuery):
            catalogue.query(Query("item", order_by=["id"], limit=5, after=garbage))


def _forged(continuation: str, values) -> str:
    """``continuation`` with its sort values replaced, its query fingerprint kept (a crafted cursor)."""
    raw = base64.urlsafe_b64decode(continuation + "=" * (-len(continuation) % 4))
    stamp, _values = json.loads(raw)
    payload = json.dumps([stamp, values]).encode() if stamp is not None else b""
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _token(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    ("order_by", "values"),
    [
        (["price"], [{"n": "not-a-number"}, "i01"]),  # decimal.InvalidOperation before the fix
        (["price"], [{"n": "NaN"}, "i01"]),
        (["price"], [{"n": "1E+999999999"}, "i01"]),
        (["price"], [{"n": ["1"]}, "i01"]),
        (["created"], [{"t": "yesterday"}, "i01"]),
        (["created"], [{"t": 12}, "i01"]),
        (["created"], [{"t": "2026-11-25T12:00:00"}, "i01"]),  # naive
        (["created"], [{"b": "!!"}, "i01"]),
        (["qty"], [2**80, "i01"]),
        (["qty"], [True, "i01"]),
        (["qty"], [{"x": 1}, "i01"]),
        (["id"], [None]),
        (["id"], [["i01"]]),
        (["id"], ["i01\x00"]),
        (["-data.rank"], [{"deep": [1]}, "i01"]),  # a JSON path compares with scalars only
        (["-data.rank"], [[1, 2], "i01"]),
        (["-data.rank"], [2**70, "i01"]),
        (["-data.rank"], [{"n": "5"}, "i01"]),
    ],
)
def test_a_crafted_continuation_is_invalid_query_never_a_driver_error(catalogue, order_by, values):
    where = [Range("data.rank", gte=0)] if order_by[0].endswith("data.rank") else []
    first = catalogue.query(Query("item", where=where, order_by=order_by, limit=2))
    forged = _forged(first.continuation, values)
    with pytest.raises(InvalidQuery):
        catalogue.query(Query("item", where=where, order_by=order_by, limit=2, after=forged))


@pytest.mark.parametrize(
    "payload",
    [
        b"null",
        b"7",
        b'"x"',
        b"{}",
        b'{"a": 1, "b": 2}',
        b"[1]",
        b"[null, []]",
        b"[[], []]",
        b"[" * 3000,
        b"\xff\xfe",
        b'["abc", 5]',
    ],
)
def test_a_continuation_of_garbage_is_invalid_query(catalogue, payload):
    with pytest.raises(InvalidQuery):
        catalogue.query(Query("item", order_by=["id"], limit=5, after=_token(payload)))
    with pytest.raises(InvalidQuery):
        catalogue.query(Query("item", order_by=["id"], limit=5, after=payload.decode("latin-1")))


def test_query_on_a_child_table_by_parent_key(store):
    for user in ("u1", "u2"):
        store.put("account", {"region": "sp", "id": user})
        for n in range(3):
            store.put(
                "account.purchase",
                {
                    "region": "sp",
                    "id": user,
                    "purchase_id": f"{user}-{n}",
                    "placed": NOW + dt.timedelta(hours=n),
                },
            )
    page = store.query(
        Query("account.purchase", where=[Eq("region", "sp"), Eq("id", "u2")], order_by=["-placed"])
    )
    assert [r["purchase_id"] for r in page] == ["u2-2", "u2-1", "u2-0"]


def test_is_null_on_a_json_field_means_missing_json_null_or_sql_null(store):
    store.put("item", item("a", data={"city": "Santos", "rank": 1}))
    store.put("item", item("b", data={"city": None, "rank": 2}))  # JSON null
    store.put("item", item("c", data={"rank": 3}))  # no such field
    store.put("item", item("d"))  # the whole column is SQL NULL
    null = store.query(Query("item", where=[IsNull("data.city")], order_by=["id"]))
    assert [r["id"] for r in null] == ["b", "c", "d"]
    present = store.query(Query("item", where=[IsNull("data.city", False)], order_by=["id"]))
    assert [r["id"] for r in present] == ["a"]
    assert store.get("item", {"id": "b"})["data"] == {"city": None, "rank": 2}


def test_rows_without_the_sort_field_are_left_out(store):
    store.put("item", item("a", data={"rank": 2}))
    store.put("item", item("b", data={"city": "Santos"}))
    store.put("item", item("c", data={"rank": None}))
    store.put("item", item("d", data={"rank": 1}))
    store.put("item", item("e"))
    page = store.query(Query("item", order_by=["data.rank"]))
    assert [r["id"] for r in page] == ["d", "a"]


def test_rows_read_by_a_query_carry_their_version_and_expiry(store):
    store.put("item", item("a", qty=1), ttl=dt.timedelta(hours=3))
    store.put("item", item("b", qty=1))
    rows = {r["id"]: r for r in store.query(Query("item", order_by=["id"]))}
    for id_ in ("a", "b"):
        got = store.get("item", {"id": id_})
        assert rows[id_].version == got.version
        assert rows[id_].expires_at == got.expires_at
    assert rows["a"].expires_at is not None and rows["b"].expires_at is None
    # So a row read by a query can be written back over the version read, like one read by key.
    store.put("item", item("a", qty=2), if_version=rows["a"].version)
    with pytest.raises(ConditionFailed):
        store.put("item", item("a", qty=3), if_version=rows["a"].version)


def test_json_fields_only_match_values_of_their_own_kind(store):
    # Oracle NoSQL never compares a number with a string or a boolean (true is not 1, "1" is not 1),
    # and sorts numbers before strings before booleans.
    store.put("item", item("a", data={"v": 1}))
    store.put("item", item("b", data={"v": True}))
    store.put("item", item("c", data={"v": "1"}))
    store.put("item", item("d", data={"v": 1.5}))

    def ids(*where, order=("id",)):
        return [r["id"] for r in store.query(Query("item", where=list(where), order_by=list(order)))]

    assert ids(Eq("data.v", 1)) == ["a"]
    assert ids(Eq("data.v", True)) == ["b"]
    assert ids(Eq("data.v", "1")) == ["c"]
    assert ids(Range("data.v", gte=1)) == ["a", "d"]
    assert ids(Range("data.v", lt="z")) == ["c"]
    assert ids(order=("data.v",)) == ["a", "d", "c", "b"]


def test_enums_sort_and_compare_in_declaration_order(store):
    # ENUM(NEW, DONE): NEW comes first, as Oracle NoSQL orders symbols by their declared position.
    store.put("item", item("a", status="DONE"))
    store.put("item", item("b", status="NEW"))
    page = store.query(Query("item", order_by=["status"], limit=1))
    assert [r["id"] for r in page] == ["b"]
    page = store.query(Query("item", order_by=["status"], limit=1, after=page.continuation))
    assert [r["id"] for r in page] == ["a"]
    assert [r["id"] for r in store.query(Query("item", where=[Range("status", gt="NEW")]))] == ["a"]
    assert [r["id"] for r in store.query(Query("item", order_by=["-status"]))] == ["a", "b"]


def test_values_with_quotes_and_injection_attempts_are_just_values(store):
    nasty = "x' OR '1'='1\"; DROP TABLE item; --"
    store.put("item", item("a", data={"city": nasty}))
    store.put("item", item("b", data={"city": "Santos"}))
    assert [r["id"] for r in store.query(Query("item", where=[Eq("data.city", nasty)]))] == ["a"]
    assert [r["id"] for r in store.query(Query("item", where=[Eq("name", nasty)]))] == []
    assert store.get("item", {"id": "b"})


# --- concurrency --------------------------------------------------------------------------------------


def test_racing_if_version_updates_lose_nothing(store):
    store.put("item", item("counter", qty=0))
    wins_per_version: dict[bytes, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker(_):
        barrier.wait()
        wins = 0
        for _attempt in range(200):
            row = store.get("item", {"id": "counter"})
            try:
                store.put("item", item("counter", qty=row["qty"] + 1), if_version=row.version)
            except ConditionFailed:
                continue
            with lock:
                wins_per_version[row.version] = wins_per_version.get(row.version, 0) + 1
            wins += 1
            if wins == 5:
                break
        return wins

    with ThreadPoolExecutor(20) as pool:
        total_wins = sum(pool.map(worker, range(20)))
    assert total_wins > 20
    assert all(count == 1 for count in wins_per_version.values()), "two writers won over one version"
    assert store.get("item", {"id": "counter"})["qty"] == total_wins


# --- bad input ----------------------------------------------------------------------------------------


def test_unknown_table(store):
    with pytest.raises(TableNotFound, match="nope"):
        store.get("nope", {"id": "a"})
    with pytest.raises(TableNotFound):
        store.put("nope", {"id": "a"})
    with pytest.raises(TableNotFound):
        store.query(Query("nope"))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ({}, "missing id"),
        ({"id": "a", "name": "x"}, "not key columns: name"),
        ({"idd": "a"}, "missing id"),
        ({"id": 5}, "item.id expects string"),
        ({"id": None}, "cannot be null"),
        ("a", "must be a dict"),
    ],
)
def test_bad_keys_are_refused_with_clear_messages(store, key, message):
    with pytest.raises(InvalidKey, match=message):
        store.get("item", key)
    with pytest.raises(InvalidKey):
        store.delete("item", key)


def test_child_keys_need_the_parent_key_too(store):
    with pytest.raises(InvalidKey, match="missing region, id"):
        store.get("account.purchase", {"purchase_id": "p1"})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"qty": "7"}, "item.qty expects integer"),
        ({"qty": 2**40}, "out of range"),
        ({"qty": True}, "item.qty expects integer"),
        ({"price": 1.1}, "item.price expects number"),
        ({"ratio": float("nan")}, "finite"),
        ({"active": "yes"}, "item.active expects boolean"),
        ({"created": dt.datetime(2026, 1, 1)}, "naive"),
        ({"status": "LOST"}, "one of NEW, DONE"),
        ({"data": {"x": Decimal("1")}}, "not JSON"),
        ({"data": {1: "x"}}, "keys must be strings"),
        ({"name": "a\x00b"}, "NUL"),
        ({"name": None}, "item.name cannot be null"),
        ({"colour": "red"}, "no column colour"),
        ({"blob": "text"}, "item.blob expects binary"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(store, values, message):
    with pytest.raises(InvalidValue, match=message):
        store.put("item", {**item(), **values})
    assert store.get_or_none("item", {"id": "a"}) is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (Query("item", where=[Eq("colour", "red")]), "no column 'colour'"),
        (Query("item", where=[Eq("qty", "seven")]), "item.qty expects integer"),
        (Query("item", where=[Eq("name.first", "x")]), "not a JSON column"),
        (Query("item", where=[Eq("data.x; DROP", "x")]), "not a valid JSON path"),
        (Query("item", where=[Eq("name", None)]), "IsNull"),
        (Query("item", where=[Range("qty")]), "at least one bound"),
        (Query("item", where=["qty = 1"]), "use Eq, Range or IsNull"),
        (Query("item", order_by=["-"]), "no column"),
        (Query("item", limit=0), "limit"),
        (Query("item", limit=100_000), "limit"),
    ],
)
def test_bad_queries_are_refused_with_clear_messages(store, query, message):
    with pytest.raises(InvalidQuery, match=message):
        store.query(query)


def test_conflicting_conditions_are_refused(store):
    with pytest.raises(InvalidRequest):
        store.put("item", item(), if_absent=True, if_version=b"v")
    with pytest.raises(InvalidRequest):
        store.put("item", item(), if_version="not-bytes")
