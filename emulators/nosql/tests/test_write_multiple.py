"""WriteMultipleRequest: one shard key, parent and child tables, all-or-nothing on aborting failures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from borneo import (
    DeleteRequest,
    GetRequest,
    IllegalArgumentException,
    PutOption,
    PutRequest,
    TableNotFoundException,
    WriteMultipleRequest,
)

from .support import ddl

pytestmark = pytest.mark.system


@pytest.fixture
def shop(handle):
    ddl(handle, "CREATE TABLE orders (shop STRING, id LONG, status STRING, PRIMARY KEY (SHARD(shop), id))")
    ddl(handle, "CREATE TABLE orders.items (line INTEGER, sku STRING, price NUMBER, PRIMARY KEY (line))")
    ddl(handle, "CREATE TABLE other (id INTEGER, PRIMARY KEY (id))")
    return handle


def put_op(table, value, option=None, abort=True, return_row=False):
    request = PutRequest().set_table_name(table).set_value(value).set_return_row(return_row)
    if option is not None:
        request.set_option(option)
    return request, abort


def execute(handle, *ops):
    request = WriteMultipleRequest()
    for op, abort in ops:
        request.add(op, abort)
    return handle.write_multiple(request)


def get(handle, table, key):
    return handle.get(GetRequest().set_table_name(table).set_key(key)).get_value()


def test_parent_and_children_commit_together(shop):
    result = execute(
        shop,
        put_op("orders", {"shop": "s1", "id": 1, "status": "NEW"}),
        put_op("orders.items", {"shop": "s1", "id": 1, "line": 1, "sku": "A", "price": Decimal("10")}),
        put_op("orders.items", {"shop": "s1", "id": 1, "line": 2, "sku": "B", "price": Decimal("5.5")}),
    )
    assert result.get_success()
    assert result.get_failed_operation_index() == -1
    assert len(result.get_results()) == 3
    assert all(r.get_success() and r.get_version() is not None for r in result.get_results())
    assert get(shop, "orders.items", {"shop": "s1", "id": 1, "line": 2})["sku"] == "B"
    version = shop.get(GetRequest().set_table_name("orders").set_key({"shop": "s1", "id": 1})).get_version()
    assert version.get_bytes() == result.get_results()[0].get_version().get_bytes()


def test_aborting_failure_writes_nothing(shop):
    execute(shop, put_op("orders", {"shop": "s1", "id": 1, "status": "NEW"}))
    result = execute(
        shop,
        put_op("orders", {"shop": "s1", "id": 2, "status": "NEW"}),
        put_op("orders.items", {"shop": "s1", "id": 2, "line": 1, "sku": "A"}),
        put_op(
            "orders", {"shop": "s1", "id": 1, "status": "DUP"}, option=PutOption.IF_ABSENT, return_row=True
        ),
    )
    assert not result.get_success()
    assert result.get_failed_operation_index() == 2
    failed = result.get_failed_operation_result()
    assert failed.get_success() is False
    assert failed.get_existing_value()["status"] == "NEW"
    assert get(shop, "orders", {"shop": "s1", "id": 2}) is None
    assert get(shop, "orders.items", {"shop": "s1", "id": 2, "line": 1}) is None
    assert get(shop, "orders", {"shop": "s1", "id": 1})["status"] == "NEW"


def test_non_aborting_failure_is_reported_per_operation(shop):
    execute(shop, put_op("orders", {"shop": "s1", "id": 1, "status": "NEW"}))
    delete = DeleteRequest().set_table_name("orders").set_key({"shop": "s1", "id": 404})
    result = execute(
        shop,
        put_op("orders", {"shop": "s1", "id": 3, "status": "NEW"}),
        put_op("orders", {"shop": "s1", "id": 1, "status": "DUP"}, option=PutOption.IF_ABSENT, abort=False),
        (delete, False),
    )
    assert result.get_success()
    assert [r.get_success() for r in result.get_results()] == [True, False, False]
    assert get(shop, "orders", {"shop": "s1", "id": 3})["status"] == "NEW"


def test_operations_see_earlier_operations(shop):
    delete = DeleteRequest().set_table_name("orders").set_key({"shop": "s1", "id": 5})
    result = execute(
        shop,
        put_op("orders", {"shop": "s1", "id": 5, "status": "A"}),
        put_op("orders", {"shop": "s1", "id": 5, "status": "B"}, option=PutOption.IF_PRESENT),
        (delete, True),
    )
    assert [r.get_success() for r in result.get_results()] == [True, True, True]
    assert get(shop, "orders", {"shop": "s1", "id": 5}) is None


def test_shard_key_and_family_rules(shop):
    with pytest.raises(IllegalArgumentException, match="does not match the shard key"):
        execute(
            shop,
            put_op("orders", {"shop": "s1", "id": 1}),
            put_op("orders", {"shop": "s2", "id": 1}),
        )
    # borneo already refuses this before sending; the emulator refuses it too.
    with pytest.raises(IllegalArgumentException, match=r"not related|different"):
        execute(shop, put_op("orders", {"shop": "s1", "id": 1}), put_op("other", {"id": 1}))
    with pytest.raises(TableNotFoundException):
        execute(shop, put_op("missing", {"id": 1}))
    with pytest.raises(IllegalArgumentException, match="status"):
        execute(shop, put_op("orders", {"shop": "s1", "id": 1, "status": 7}))
    assert get(shop, "orders", {"shop": "s1", "id": 1}) is None
