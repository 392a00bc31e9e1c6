"""Data operations with their options, driven through borneo as an application would: conditional puts
with return row, TTLs, exact match, consistency and row metadata on get, conditional deletes, multi-delete
in pages, and WriteMultiple across a parent and its child table."""

from __future__ import annotations

import pytest
from borneo import (
    Consistency,
    DeleteRequest,
    FieldRange,
    GetRequest,
    IllegalArgumentException,
    MultiDeleteRequest,
    PutOption,
    PutRequest,
    TableLimits,
    TimeToLive,
    WriteMultipleRequest,
)

from .support import ddl, make_handle

pytestmark = pytest.mark.system

HOUR_MS = 3_600_000


def put(handle, table, value, **options):
    request = PutRequest().set_table_name(table).set_value(value)
    for name, setting in options.items():
        getattr(request, f"set_{name}")(setting)
    return handle.put(request)


def get(handle, table, key, **options):
    request = GetRequest().set_table_name(table).set_key(key)
    for name, setting in options.items():
        getattr(request, f"set_{name}")(setting)
    return handle.get(request)


@pytest.fixture
def pizzas(handle):
    ddl(handle, "CREATE TABLE pizzas (id INTEGER, name STRING, price NUMBER, PRIMARY KEY (id))")
    return handle


def test_conditional_puts_return_the_row_that_stopped_them(pizzas):
    first = put(pizzas, "pizzas", {"id": 1, "name": "Margherita", "price": 40})
    stored = get(pizzas, "pizzas", {"id": 1})

    refused = put(pizzas, "pizzas", {"id": 1, "name": "Other"}, option=PutOption.IF_ABSENT, return_row=True)
    assert refused.get_version() is None
    assert refused.get_existing_value() == stored.get_value()
    assert refused.get_existing_version().get_bytes() == first.get_version().get_bytes()
    assert refused.get_existing_modification_time() == stored.get_modification_time()

    absent = put(pizzas, "pizzas", {"id": 2, "name": "x"}, option=PutOption.IF_PRESENT, return_row=True)
    assert absent.get_version() is None and absent.get_existing_value() is None

    second = put(pizzas, "pizzas", {"id": 1, "name": "Marguerita", "price": 42}, option=PutOption.IF_PRESENT)
    stale = put(
        pizzas,
        "pizzas",
        {"id": 1, "name": "Lost update"},
        option=PutOption.IF_VERSION,
        match_version=first.get_version(),
        return_row=True,
    )
    assert stale.get_version() is None
    assert stale.get_existing_value()["name"] == "Marguerita"
    assert stale.get_existing_version().get_bytes() == second.get_version().get_bytes()

    fresh = put(
        pizzas,
        "pizzas",
        {"id": 1, "name": "Napolitana"},
        option=PutOption.IF_VERSION,
        match_version=second.get_version(),
    )
    assert fresh.get_version() is not None
    # Without return_row, a failed condition sends no previous row.
    assert put(pizzas, "pizzas", {"id": 1}, option=PutOption.IF_ABSENT).get_existing_value() is None
    assert get(pizzas, "pizzas", {"id": 1}).get_value()["name"] == "Napolitana"


def test_overwrite_returns_the_previous_row(pizzas):
    put(pizzas, "pizzas", {"id": 1, "name": "Calabresa", "price": 45})
    result = put(pizzas, "pizzas", {"id": 1, "name": "Calabresa picante", "price": 47}, return_row=True)
    assert result.get_existing_value()["name"] == "Calabresa"


def test_exact_match(pizzas):
    with pytest.raises(IllegalArgumentException, match="There is no field with name size"):
        put(pizzas, "pizzas", {"id": 1, "name": "x", "price": 1, "size": "G"}, exact_match=True)
    assert get(pizzas, "pizzas", {"id": 1}).get_value() is None
    # The proxy's exact match is about unknown fields: a missing field still takes its default (NULL).
    put(pizzas, "pizzas", {"id": 1, "name": "x"}, exact_match=True)
    assert get(pizzas, "pizzas", {"id": 1}).get_value() == {"id": 1, "name": "x", "price": None}
    # Without exact match an unknown field is ignored and a missing one is NULL.
    put(pizzas, "pizzas", {"id": 2, "size": "G"})
    assert get(pizzas, "pizzas", {"id": 2}).get_value() == {"id": 2, "name": None, "price": None}


def test_ttl_update_ttl_and_row_metadata(fresh, handle):
    ddl(handle, "CREATE TABLE codes (id STRING, code STRING, PRIMARY KEY (id)) USING TTL 1 DAYS")
    written = put(handle, "codes", {"id": "a", "code": "1"}, ttl=TimeToLive.of_hours(2))
    row = get(handle, "codes", {"id": "a"}, consistency=Consistency.ABSOLUTE)
    modified = row.get_modification_time()
    # Oracle: the write time rounded up to the next hour, plus the TTL.
    assert row.get_expiration_time() == (-(-modified // HOUR_MS) + 2) * HOUR_MS
    assert row.get_version().get_bytes() == written.get_version().get_bytes()

    put(handle, "codes", {"id": "a", "code": "2"})  # an update keeps the row's TTL
    assert get(handle, "codes", {"id": "a"}).get_expiration_time() == row.get_expiration_time()
    # A TTL given with an update replaces the row's (borneo sends the update-TTL flag with it).
    put(handle, "codes", {"id": "a", "code": "3"}, ttl=TimeToLive.of_hours(5))
    five = get(handle, "codes", {"id": "a"})
    assert five.get_expiration_time() == (-(-five.get_modification_time() // HOUR_MS) + 5) * HOUR_MS
    put(handle, "codes", {"id": "c", "code": "x"}, ttl=TimeToLive.of_hours(1))
    put(handle, "codes", {"id": "c", "code": "y"}, use_table_default_ttl=True)
    reset = get(handle, "codes", {"id": "c"})
    assert (
        reset.get_expiration_time()
        == (-(-reset.get_modification_time() // (24 * HOUR_MS)) + 1) * 24 * HOUR_MS
    )
    put(handle, "codes", {"id": "b", "code": "x"})  # the table default: 1 day
    day = get(handle, "codes", {"id": "b"})
    assert day.get_expiration_time() == (-(-day.get_modification_time() // (24 * HOUR_MS)) + 1) * 24 * HOUR_MS

    fresh.admin("clock", {"advance_seconds": 6 * 3600})
    assert get(handle, "codes", {"id": "a"}).get_value() is None
    assert get(handle, "codes", {"id": "b"}).get_value() is not None
    assert get(handle, "codes", {"id": "c"}).get_value() is not None
    assert (
        put(handle, "codes", {"id": "a", "code": "new"}, option=PutOption.IF_ABSENT).get_version() is not None
    )


def test_absolute_reads_cost_twice_eventual_ones_in_the_cloud(cloud_emulator, oci_config):
    from borneo.iam import SignatureProvider

    cloud_emulator.admin("reset")
    handle = make_handle(cloud_emulator.url, provider=SignatureProvider(config_file=str(oci_config.path)))
    try:
        ddl(
            handle,
            "CREATE TABLE pizzas (id INTEGER, name STRING, PRIMARY KEY (id))",
            limits=TableLimits(50, 20, 1),
        )
        put(handle, "pizzas", {"id": 1, "name": "Portuguesa"})
        eventual = get(handle, "pizzas", {"id": 1}, consistency=Consistency.EVENTUAL)
        absolute = get(handle, "pizzas", {"id": 1}, consistency=Consistency.ABSOLUTE)
        assert eventual.get_value() == absolute.get_value()
        assert eventual.get_read_kb() == absolute.get_read_kb() == 1
        assert absolute.get_read_units() == 2 * eventual.get_read_units()
    finally:
        handle.close()


def test_conditional_delete_returns_the_row(pizzas):
    first = put(pizzas, "pizzas", {"id": 1, "name": "Atum"})
    second = put(pizzas, "pizzas", {"id": 1, "name": "Atum com cebola"})
    request = DeleteRequest().set_table_name("pizzas").set_key({"id": 1})
    refused = pizzas.delete(request.set_match_version(first.get_version()).set_return_row(True))
    assert refused.get_success() is False
    assert refused.get_existing_value()["name"] == "Atum com cebola"
    assert refused.get_existing_version().get_bytes() == second.get_version().get_bytes()
    done = pizzas.delete(
        DeleteRequest().set_table_name("pizzas").set_key({"id": 1}).set_match_version(second.get_version())
    )
    assert done.get_success() is True
    assert get(pizzas, "pizzas", {"id": 1}).get_value() is None
    gone = pizzas.delete(DeleteRequest().set_table_name("pizzas").set_key({"id": 1}).set_return_row(True))
    assert gone.get_success() is False and gone.get_existing_value() is None


def test_multi_delete_in_pages_with_a_range(handle):
    ddl(handle, "CREATE TABLE lines (sid INTEGER, k INTEGER, pad STRING, PRIMARY KEY (SHARD(sid), k))")
    keys = range(20)
    for sid in (1, 2):
        for k in keys:
            put(handle, "lines", {"sid": sid, "k": k, "pad": "x" * 1500})
    low, high = 3, 15
    expected = [k for k in keys if low <= k < high]
    request = (
        MultiDeleteRequest()
        .set_table_name("lines")
        .set_key({"sid": 1})
        .set_range(FieldRange("k").set_start(low, True).set_end(high, False))
        .set_max_write_kb(5)
    )
    pages = []
    while True:
        result = handle.multi_delete(request)
        pages.append(result.get_num_deletions())
        if result.get_continuation_key() is None:
            break
        request.set_continuation_key(result.get_continuation_key())
    assert sum(pages) == len(expected)
    assert len(pages) > 1 and all(count > 0 for count in pages)
    left = [k for k in keys if get(handle, "lines", {"sid": 1, "k": k}).get_value() is not None]
    assert left == [k for k in keys if k not in expected]
    # The other shard is untouched.
    assert all(get(handle, "lines", {"sid": 2, "k": k}).get_value() is not None for k in keys)
    with pytest.raises(IllegalArgumentException, match="complete shard key"):
        handle.multi_delete(MultiDeleteRequest().set_table_name("lines").set_key({"k": 1}))


@pytest.fixture
def family(handle):
    ddl(handle, "CREATE TABLE customer (cid STRING, name STRING, PRIMARY KEY (cid))")
    ddl(handle, "CREATE TABLE customer.orders (oid INTEGER, total NUMBER, PRIMARY KEY (oid))")
    ddl(handle, "CREATE TABLE customer.orders.items (n INTEGER, sku STRING, PRIMARY KEY (n))")
    put(handle, "customer", {"cid": "c1", "name": "Ana"})
    put(handle, "customer.orders", {"cid": "c1", "oid": 1, "total": 10})
    return handle


def test_write_multiple_across_parent_and_children_reports_each_operation(family):
    request = WriteMultipleRequest()
    request.add(PutRequest().set_table_name("customer").set_value({"cid": "c1", "name": "Ana Maria"}), True)
    request.add(
        PutRequest()
        .set_table_name("customer.orders")
        .set_value({"cid": "c1", "oid": 1, "total": 99})
        .set_option(PutOption.IF_ABSENT)
        .set_return_row(True),
        False,  # may fail without aborting the rest
    )
    request.add(
        PutRequest().set_table_name("customer.orders").set_value({"cid": "c1", "oid": 2, "total": 20}), True
    )
    request.add(
        PutRequest()
        .set_table_name("customer.orders.items")
        .set_value({"cid": "c1", "oid": 2, "n": 1, "sku": "P"}),
        True,
    )
    request.add(DeleteRequest().set_table_name("customer.orders").set_key({"cid": "c1", "oid": 7}), False)
    result = family.write_multiple(request)
    assert result.get_success()
    successes = [r.get_success() for r in result.get_results()]
    assert successes == [True, False, True, True, False]
    assert result.get_results()[1].get_existing_value()["total"] == 10
    assert get(family, "customer", {"cid": "c1"}).get_value()["name"] == "Ana Maria"
    assert get(family, "customer.orders", {"cid": "c1", "oid": 1}).get_value()["total"] == 10
    assert get(family, "customer.orders.items", {"cid": "c1", "oid": 2, "n": 1}).get_value()["sku"] == "P"


def test_write_multiple_aborts_on_a_failing_operation_marked_abort(family):
    request = WriteMultipleRequest()
    request.add(PutRequest().set_table_name("customer").set_value({"cid": "c1", "name": "Changed"}), True)
    request.add(
        PutRequest().set_table_name("customer.orders").set_value({"cid": "c1", "oid": 3, "total": 5}), True
    )
    request.add(
        PutRequest()
        .set_table_name("customer.orders")
        .set_value({"cid": "c1", "oid": 1, "total": 1})
        .set_option(PutOption.IF_ABSENT)
        .set_return_row(True),
        True,
    )
    result = family.write_multiple(request)
    assert not result.get_success()
    assert result.get_failed_operation_index() == 2
    assert result.get_failed_operation_result().get_existing_value()["total"] == 10
    assert get(family, "customer", {"cid": "c1"}).get_value()["name"] == "Ana"
    assert get(family, "customer.orders", {"cid": "c1", "oid": 3}).get_value() is None


def test_write_multiple_refuses_another_shard(family):
    # (borneo itself refuses a table of another family before sending: see test_write_multiple.py.)
    request = WriteMultipleRequest()
    request.add(PutRequest().set_table_name("customer").set_value({"cid": "c1"}), True)
    request.add(PutRequest().set_table_name("customer.orders").set_value({"cid": "c2", "oid": 1}), True)
    with pytest.raises(IllegalArgumentException, match="does not match the shard key"):
        family.write_multiple(request)
    assert get(family, "customer", {"cid": "c1"}).get_value()["name"] == "Ana"
