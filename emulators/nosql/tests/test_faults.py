"""Fault knobs (admin endpoint and start-up flags), the clock, reset and request counters."""

from __future__ import annotations

import pytest
import requests
from borneo import (
    GetRequest,
    PutOption,
    PutRequest,
    ReadThrottlingException,
    RequestTimeoutException,
    SystemException,
    TableNotFoundException,
    WriteThrottlingException,
)

from .support import EmulatorProcess, ddl, make_handle

pytestmark = pytest.mark.system


@pytest.fixture
def table(handle):
    ddl(handle, "CREATE TABLE kv (k STRING, v INTEGER, PRIMARY KEY (k))")
    return handle


@pytest.fixture
def strict(fresh):
    """A handle that never retries, so each injected fault reaches the test."""
    strict = make_handle(fresh.url, retries=0)
    yield strict
    strict.close()


def put(handle, k, v, option=None):
    request = PutRequest().set_table_name("kv").set_value({"k": k, "v": v})
    if option is not None:
        request.set_option(option)
    return handle.put(request)


def get(handle, k):
    return handle.get(GetRequest().set_table_name("kv").set_key({"k": k})).get_value()


def test_throttling_raises_without_retries(fresh, table, strict):
    fresh.admin("faults", {"throttle_requests": 2})
    with pytest.raises(WriteThrottlingException):
        put(strict, "a", 1)
    with pytest.raises(ReadThrottlingException):
        get(strict, "a")
    put(strict, "a", 1)
    assert get(strict, "a") == {"k": "a", "v": 1}


def test_throttling_is_retried_by_default(fresh, table):
    fresh.admin("faults", {"throttle_requests": 2})
    put(table, "a", 1)
    assert fresh.stats()["operations"]["PUT"] == 3
    assert fresh.admin("faults", method="GET")["throttle_requests"] == 0


def test_latency(fresh, table):
    put(table, "a", 1)
    assert fresh.admin("faults", {"latency_ms": 250})["latency_ms"] == 250
    # Slower than a 100 ms driver timeout, well within the default 10 s one: the delay is really there,
    # and it is a delay, not a failure.
    assert get(table, "a")["v"] == 1
    impatient = make_handle(fresh.url, retries=0, timeout_ms=100)
    try:
        with pytest.raises(RequestTimeoutException):
            get(impatient, "a")
    finally:
        impatient.close()


def test_fail_after_commit(fresh, table, strict):
    fresh.admin("faults", {"fail_after_commit": 1})
    with pytest.raises(SystemException):
        put(strict, "a", 1)
    assert get(strict, "a") == {"k": "a", "v": 1}
    # borneo retries SERVER_ERROR, so a conditional put sees its own earlier write and fails.
    fresh.admin("faults", {"fail_after_commit": 1})
    assert put(table, "b", 1, option=PutOption.IF_ABSENT).get_version() is None
    assert get(table, "b") == {"k": "b", "v": 1}


def test_refuse_connections(fresh, table):
    fresh.admin("faults", {"refuse_connections": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        get(table, "a")
    assert get(table, "a") is None
    fresh.admin("faults", {"refuse_connections": -1})
    for _ in range(2):
        with pytest.raises(requests.exceptions.ConnectionError):
            get(table, "a")
    assert fresh.stats()["refused_connections"] == 3
    fresh.admin("faults", {"clear": True})
    assert get(table, "a") is None


def test_clock_reset_and_counters(fresh, table):
    before = fresh.stats()
    # The CREATE TABLE answers CREATING, so borneo's wait_for_completion asks GetTable once.
    assert before["data_requests"] == 2
    put(table, "a", 1)
    stats = fresh.stats()
    assert stats["data_requests"] == 3
    assert stats["operations"] == {"TABLE_REQUEST": 1, "GET_TABLE": 1, "PUT": 1}
    assert stats["last_authorization"] is None
    assert fresh.admin("clock", {"advance_seconds": 90})["clock_offset_seconds"] >= 90
    fresh.admin("reset")
    with pytest.raises(TableNotFoundException):
        get(table, "a")
    assert fresh.admin("faults", {"latency_ms": 5})["latency_ms"] == 5


def test_bad_admin_requests(fresh):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as error:
        fresh.admin("faults", {"bogus": 1})
    assert error.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as error:
        fresh.admin("clock", {"advance_seconds": -5})
    assert error.value.code == 400


def test_start_up_flags():
    process = EmulatorProcess("--throttle", "1", "--fail-after-commit", "1").start()
    handle = make_handle(process.url, retries=0)
    try:
        # DDL is not a data request: the first data request is the first put.
        ddl(handle, "CREATE TABLE kv (k STRING, v INTEGER, PRIMARY KEY (k))")
        with pytest.raises(WriteThrottlingException):
            put(handle, "a", 1)
        with pytest.raises(SystemException):
            put(handle, "a", 1)
        assert get(handle, "a") == {"k": "a", "v": 1}
        assert process.admin("faults", method="GET") == {
            "refuse_connections": 0,
            "throttle_requests": 0,
            "latency_ms": 0,
            "fail_after_commit": 0,
            "error_requests": 0,
            "error_code": 0,
        }
    finally:
        handle.close()
        process.stop()
