"""Errors as an application meets them through borneo: the proxy's error codes (so the right exception
class), its wording, its cloud size limits, and the retries the driver makes on its own."""

from __future__ import annotations

import urllib.error

import pytest
from borneo import (
    BatchOperationNumberLimitException,
    GetRequest,
    IllegalArgumentException,
    IndexExistsException,
    IndexNotFoundException,
    PutRequest,
    SystemException,
    TableExistsException,
    TableLimits,
    TableNotFoundException,
    TableNotReadyException,
    WriteMultipleRequest,
)
from borneo.exception import KeySizeLimitException, RowSizeLimitException, UnauthorizedException

from emulators.nosql import errors

from .support import ddl, make_handle

pytestmark = pytest.mark.system


@pytest.fixture
def pizzas(handle):
    ddl(handle, "CREATE TABLE pizzas (id INTEGER, name STRING, PRIMARY KEY (id))")
    return handle


def put(handle, value, table="pizzas"):
    return handle.put(PutRequest().set_table_name(table).set_value(value))


def test_misuse_raises_the_exception_class_of_the_proxy_error_code(pizzas):
    with pytest.raises(TableNotFoundException, match="Table not found: nope"):
        pizzas.get(GetRequest().set_table_name("nope").set_key({"id": 1}))
    with pytest.raises(TableExistsException, match="Table pizzas already exists"):
        ddl(pizzas, "CREATE TABLE pizzas (id INTEGER, PRIMARY KEY (id))")
    ddl(pizzas, "CREATE INDEX by_name ON pizzas (name)")
    with pytest.raises(IndexExistsException, match="Index by_name already exists in table pizzas"):
        ddl(pizzas, "CREATE INDEX by_name ON pizzas (name)")
    with pytest.raises(IndexNotFoundException, match="Index nope does not exists in table pizzas"):
        ddl(pizzas, "DROP INDEX nope ON pizzas")


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (
            lambda h: put(h, {"id": "one"}),
            'PUT: Illegal Argument: Invalid string for Integer: one \\(field "id" of table pizzas\\)',
        ),
        (lambda h: put(h, {"name": "x"}), "PUT: Illegal Argument: Missing primary key field: id"),
        (
            lambda h: h.get(GetRequest().set_table_name("pizzas").set_key({"name": "x"})),
            "GET: Illegal Argument: Missing primary key field: id",
        ),
        (lambda h: ddl(h, "CREATE TABLE t (id INTEGER PRIMARY KEY)"), "not supported by the emulator"),
        (lambda h: ddl(h, "CREATE TABEL t (id INTEGER)"), "Syntax error at position 7"),
    ],
)
def test_bad_arguments_are_worded_as_the_proxy_words_them(pizzas, call, says):
    with pytest.raises(IllegalArgumentException, match=says):
        call(pizzas)


@pytest.fixture
def cloud(cloud_emulator, oci_config):
    from borneo.iam import SignatureProvider

    cloud_emulator.admin("reset")
    handle = make_handle(cloud_emulator.url, provider=SignatureProvider(config_file=str(oci_config.path)))
    ddl(
        handle,
        "CREATE TABLE pizzas (id STRING, name STRING, PRIMARY KEY (id))",
        limits=TableLimits(50, 20, 1),
    )
    yield handle
    handle.close()


def test_cloud_size_limits(cloud):
    with pytest.raises(KeySizeLimitException, match="exceeded the limit of 64"):
        put(cloud, {"id": "k" * 70})
    with pytest.raises(RowSizeLimitException, match="exceeded the limit of 524288"):
        put(cloud, {"id": "big", "name": "x" * (600 * 1024)})
    assert cloud.get(GetRequest().set_table_name("pizzas").set_key({"id": "big"})).get_value() is None
    put(cloud, {"id": "k" * 60, "name": "x" * (500 * 1024)})  # just under both limits
    request = WriteMultipleRequest()
    for n in range(51):
        request.add(PutRequest().set_table_name("pizzas").set_value({"id": "same", "name": str(n)}), False)
    with pytest.raises(BatchOperationNumberLimitException, match="max number of 50: 51"):
        cloud.write_multiple(request)
    with pytest.raises(IllegalArgumentException, match="Table limits are required"):
        ddl(cloud, "CREATE TABLE other (id INTEGER, PRIMARY KEY (id))")


def requests_for(emulator, op: str) -> int:
    return emulator.stats()["operations"].get(op, 0)


def test_security_info_unavailable_is_retried_by_the_driver_itself(fresh, pizzas):
    # borneo retries SECURITY_INFO_UNAVAILABLE whatever its retry handler says (every 100 ms).
    no_retries = make_handle(fresh.url, retries=0)
    try:
        fresh.admin("faults", {"error_requests": 3, "error_code": errors.SECURITY_INFO_UNAVAILABLE})
        fresh.admin("requests", {"reset": True})
        assert put(no_retries, {"id": 1}).get_version() is not None
        assert requests_for(fresh, "PUT") == 4
    finally:
        no_retries.close()


def test_service_unavailable_is_retried_by_the_retry_handler(fresh, pizzas):
    fresh.admin("faults", {"error_requests": 2, "error_code": errors.SERVICE_UNAVAILABLE})
    fresh.admin("requests", {"reset": True})
    assert put(pizzas, {"id": 1}).get_version() is not None
    assert requests_for(fresh, "PUT") == 3
    no_retries = make_handle(fresh.url, retries=0)
    try:
        fresh.admin("faults", {"error_requests": 1, "error_code": errors.SERVICE_UNAVAILABLE})
        with pytest.raises(SystemException, match="temporarily unavailable"):
            put(no_retries, {"id": 2})
        fresh.admin("faults", {"error_requests": 1, "error_code": errors.TABLE_NOT_READY})
        with pytest.raises(TableNotReadyException, match="Table is not ready: pizzas"):
            put(no_retries, {"id": 2})
    finally:
        no_retries.close()
    assert pizzas.get(GetRequest().set_table_name("pizzas").set_key({"id": 2})).get_value() is None


def test_permission_errors_are_not_retried(fresh, pizzas):
    fresh.admin("faults", {"error_requests": 5, "error_code": errors.INSUFFICIENT_PERMISSION})
    fresh.admin("requests", {"reset": True})
    with pytest.raises(UnauthorizedException, match="Insufficient permission for table pizzas"):
        put(pizzas, {"id": 1})
    assert requests_for(fresh, "PUT") == 1
    assert fresh.admin("faults", {"clear": True})["error_requests"] == 0


def test_the_error_knob_accepts_only_codes_it_can_explain(fresh):
    with pytest.raises(urllib.error.HTTPError) as refused:
        fresh.admin("faults", {"error_requests": 1, "error_code": errors.TABLE_NOT_FOUND})
    assert refused.value.code == 400
    assert "error_code must be one of" in refused.value.read().decode()


def test_the_error_knob_from_the_command_line():
    from .support import EmulatorProcess

    process = EmulatorProcess(
        "--error-requests", "1", "--error-code", str(errors.SERVICE_UNAVAILABLE)
    ).start()
    try:
        assert process.admin("faults", method="GET")["error_requests"] == 1
        handle = make_handle(process.url, retries=0)
        try:
            with pytest.raises(SystemException, match="temporarily unavailable"):
                handle.get(GetRequest().set_table_name("any").set_key({"id": 1}))
            with pytest.raises(TableNotFoundException):  # the knob is spent: the real answer
                handle.get(GetRequest().set_table_name("any").set_key({"id": 1}))
        finally:
            handle.close()
    finally:
        process.stop()
