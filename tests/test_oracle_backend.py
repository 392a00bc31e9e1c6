"""The Oracle NoSQL backend itself, through the real borneo driver over HTTP to emulator subprocesses:
cloud mode (OCI request signing, table limits), the request budget under faults, the driver's logging,
the handle's life cycle and ``manage.py nosql_migrate``. The store contract is in ocipizza/nosql/tests.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from ocipizza.nosql import ConditionFailed, InvalidRequest, Put, Query, SchemaError, StoreUnavailable
from ocipizza.nosql.backends.oracle import OracleStore, _close_all
from ocipizza.nosql.tables import SCHEMA

pytestmark = pytest.mark.system

COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaocipizzapedidos"


def onprem(emulator, **options) -> OracleStore:
    return OracleStore("test", SCHEMA, {"MODE": "onprem", "ENDPOINT": emulator.url, **options})


def migrate(store) -> None:
    for statement in store.schema.statements:
        store.execute_ddl(statement)


@pytest.fixture
def emulator(nosql_emulator):
    nosql_emulator.admin("reset")
    yield nosql_emulator
    nosql_emulator.admin("faults", {"clear": True})


@pytest.fixture
def store(emulator):
    store = onprem(emulator)
    migrate(store)
    yield store
    store.close()


# --- cloud mode -----------------------------------------------------------------------------------------


def test_cloud_mode_signs_requests_and_creates_tables_with_limits(cloud_emulator, oci_config):
    from borneo import GetTableRequest
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    cloud_emulator.admin("reset")
    store = OracleStore(
        "cloud",
        SCHEMA,
        {
            "MODE": "cloud",
            "ENDPOINT": cloud_emulator.url,
            "COMPARTMENT": COMPARTMENT,
            "AUTH": "config",
            "OCI_CONFIG_FILE": str(oci_config.path),
            "OCI_PROFILE": "OCIPIZZA",
            "TABLE_READ_UNITS": 7,
            "TABLE_WRITE_UNITS": 5,
            "TABLE_STORAGE_GB": 2,
        },
    )
    try:
        # The cloud emulator refuses a top-level CREATE TABLE without limits: migrating proves they went.
        migrate(store)
        store.put("category", {"slug": "salgadas", "name": "Salgadas"})
        assert store.get("category", {"slug": "salgadas"})["name"] == "Salgadas"
        seen = cloud_emulator.stats()
        assert seen["auth_failures"] == 0
        authorization = seen["last_authorization"]
        # The OCI HTTP signature (draft-cavage): Signature version="1",keyId="...",algorithm=..., in
        # whatever order the signer writes them.
        assert authorization.startswith("Signature ")
        params = dict(re.findall(r'(\w+)="([^"]*)"', authorization))
        assert set(params) == {"version", "keyId", "algorithm", "headers", "signature"}
        assert params["version"] == "1" and params["algorithm"] == "rsa-sha256"
        assert params["keyId"] == oci_config.key_id("OCIPIZZA")  # the profile asked for, not DEFAULT
        headers = seen["last_headers"]
        assert headers["x-nosql-compartment-id"] == COMPARTMENT
        # It really is signed by the configured key: check it over the signing string it names.
        lines = []
        for name in params["headers"].split():
            value = "post /V2/nosql/data" if name == "(request-target)" else headers[name]
            lines.append(f"{name}: {value}")
        oci_config.key.public_key().verify(
            base64.b64decode(params["signature"]),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        handle = store.handle()
        for name in ("pizza", "user"):
            limits = handle.get_table(GetTableRequest().set_table_name(name)).get_table_limits()
            assert (limits.get_read_units(), limits.get_write_units(), limits.get_storage_gb()) == (7, 5, 2)
        # A child table shares its parent's limits: none were sent for it (the emulator refuses them).
        assert "user.order" in store.existing_tables()
    finally:
        store.close()


def test_cloud_mode_without_a_signature_is_refused_clearly(cloud_emulator):
    cloud_emulator.admin("reset")
    store = onprem(cloud_emulator)  # unsigned requests to a cloud endpoint
    try:
        with pytest.raises(StoreUnavailable, match="credentials"):
            store.ping()
    finally:
        store.close()


def test_cloud_auth_choices(monkeypatch, oci_config):
    from borneo.iam import SignatureProvider

    calls = []
    monkeypatch.setattr(
        SignatureProvider,
        "create_with_instance_principal",
        staticmethod(lambda **kw: calls.append(("instance", kw)) or "instance-provider"),
    )
    monkeypatch.setattr(
        SignatureProvider,
        "create_with_resource_principal",
        staticmethod(lambda **kw: calls.append(("resource", kw)) or "resource-provider"),
    )
    options = {"MODE": "cloud", "REGION": "sa-saopaulo-1", "COMPARTMENT": COMPARTMENT}
    assert (
        OracleStore("x", SCHEMA, {**options, "AUTH": "instance"})._signature_provider() == "instance-provider"
    )
    assert (
        OracleStore("x", SCHEMA, {**options, "AUTH": "resource"})._signature_provider() == "resource-provider"
    )
    assert calls == [("instance", {"region": "sa-saopaulo-1"}), ("resource", {})]
    with pytest.raises(InvalidRequest, match="OCI_AUTH"):
        OracleStore("x", SCHEMA, {**options, "AUTH": "password"})._signature_provider()
    with pytest.raises(InvalidRequest, match="NOSQL_MODE"):
        OracleStore("x", SCHEMA, {"MODE": "kvstore"})
    # A region alone is enough: the endpoint comes from borneo's region table.
    store = OracleStore(
        "x",
        SCHEMA,
        {**options, "AUTH": "config", "OCI_CONFIG_FILE": str(oci_config.path), "OCI_PROFILE": "OCIPIZZA"},
    )
    config = store._config()
    assert config.get_service_url().geturl().startswith("https://nosql.sa-saopaulo-1.oci.oraclecloud.com")
    assert config.get_default_compartment() == COMPARTMENT


# --- the request budget: unavailable within REQUEST_TIMEOUT, never a hang ----------------------------------
#
# Checked by what happened, never by a stopwatch: the driver error behind ``StoreUnavailable`` (borneo's
# request timeout, carrying the budget), the attempts the emulator received and the backoff the store's
# retry handler slept. perf/bench_oracle.py --faults prints how long each fault takes to answer.


@pytest.fixture
def backoff(monkeypatch):
    """Records the delays the store's retry handler sleeps between attempts (they are still slept)."""
    from ocipizza.nosql.backends import oracle

    class RecordingTime:
        """The oracle module's ``time``, its ``sleep`` recorded."""

        def __init__(self):
            self.slept = []

        def __getattr__(self, name):
            return getattr(time, name)

        def sleep(self, seconds):
            self.slept.append(seconds)
            time.sleep(seconds)

    recording = RecordingTime()
    monkeypatch.setattr(oracle, "time", recording)
    return recording.slept


def unavailable(function) -> StoreUnavailable:
    with pytest.raises(StoreUnavailable) as failure:
        function()
    return failure.value


def test_refused_connections_fail_at_once(store, emulator, backoff):
    import requests

    emulator.admin("faults", {"refuse_connections": -1})
    error = unavailable(lambda: store.get("pizza", {"slug": "calabresa"}))
    assert isinstance(error.__cause__, requests.ConnectionError)
    assert "ConnectionError" in str(error)
    assert isinstance(unavailable(store.ping).__cause__, requests.ConnectionError)
    # One attempt each, no retry and no backoff: nothing waits on a proxy that is down.
    assert emulator.stats()["refused_connections"] == 2
    assert backoff == []


def test_throttling_that_clears_is_retried_quietly(store, emulator, backoff):
    store.put("category", {"slug": "doces", "name": "Doces"})
    emulator.admin("requests", {"reset": True})
    emulator.admin("faults", {"throttle_requests": 2})
    assert store.get("category", {"slug": "doces"})["name"] == "Doces"
    assert emulator.stats()["operations"]["GET"] == 3
    # Two waits, the first of RETRY_DELAY, together far inside the request budget.
    # From RETRY_DELAY, doubling: 100 ms, then 200 ms.
    assert backoff == [store.retry_delay_ms / 1000, 2 * store.retry_delay_ms / 1000]
    assert sum(backoff) < store.timeout_ms / 1000 / 2


def assert_budget_ran_out(error: StoreUnavailable, budget_ms: int, retried: type[Exception] | None = None):
    """``error`` came from the budget: borneo's request timeout with that budget in effect, after retries
    of ``retried`` (the fault that kept coming back), if any."""
    from borneo import RequestTimeoutException

    timeout = error.__cause__
    assert isinstance(timeout, RequestTimeoutException), repr(timeout)
    assert timeout.get_timeout_ms() == budget_ms
    if retried is not None:
        assert isinstance(timeout.get_cause(), retried), repr(timeout.get_cause())


def test_throttling_that_does_not_clear_is_unavailable_within_the_budget(emulator, backoff):
    from borneo import WriteThrottlingException

    store = onprem(emulator, REQUEST_TIMEOUT=1)
    migrate(store)
    emulator.admin("requests", {"reset": True})
    emulator.admin("faults", {"throttle_requests": 1000})
    error = unavailable(lambda: store.put("category", {"slug": "x", "name": "X"}))
    assert_budget_ran_out(error, 1000, retried=WriteThrottlingException)
    # Retried, then stopped by the budget before the retry limit; the backoff never sleeps past it.
    assert 1 < emulator.stats()["operations"]["PUT"] <= store.retries + 1
    assert len(backoff) >= 1 and sum(round(seconds * 1000) for seconds in backoff) <= 1000
    store.close()


def test_server_errors_that_do_not_clear_are_unavailable_within_the_budget(emulator, backoff):
    from borneo import SystemException

    store = onprem(emulator, REQUEST_TIMEOUT=1)
    migrate(store)
    emulator.admin("requests", {"reset": True})
    emulator.admin("faults", {"fail_after_commit": 1000})
    error = unavailable(lambda: store.put("category", {"slug": "x", "name": "X"}))
    assert_budget_ran_out(error, 1000, retried=SystemException)
    assert 1 < emulator.stats()["operations"]["PUT"] <= store.retries + 1
    assert len(backoff) >= 1 and sum(round(seconds * 1000) for seconds in backoff) <= 1000
    store.close()


def test_a_slow_database_is_unavailable_within_the_budget(emulator, backoff):
    store = onprem(emulator, REQUEST_TIMEOUT=0.5)
    migrate(store)
    emulator.admin("faults", {"latency_ms": 1500})
    for call in (
        lambda: store.get("category", {"slug": "x"}),
        lambda: store.query(Query("pizza")),
        store.ping,  # /readyz
    ):
        emulator.admin("requests", {"reset": True})
        assert_budget_ran_out(unavailable(call), 500)
        # A request that used up the budget is not tried again.
        assert emulator.stats()["data_requests"] == 1
    assert backoff == []
    store.close()


def test_the_default_budget_is_three_seconds(emulator):
    from ocipizza.settings import base

    if "NOSQL_REQUEST_TIMEOUT" not in os.environ:
        assert base.NOSQL_STORES["default"]["OPTIONS"]["REQUEST_TIMEOUT"] == 3.0
    store = onprem(emulator)
    assert store.timeout_ms == 3000
    assert store.handle().get_client()._config.get_timeout() == 3000
    store.close()


# --- a write whose answer is lost after the server committed it --------------------------------------------


def test_if_absent_put_retried_after_a_server_error_recognises_its_own_write(store, emulator):
    emulator.admin("requests", {"reset": True})
    emulator.admin("faults", {"fail_after_commit": 1})
    value = {"slug": "doces", "name": "Doces", "position": 3}
    version = store.put("category", value, if_absent=True)
    # The first attempt was applied and answered SERVER_ERROR; borneo retried and met the row: ours.
    assert emulator.stats()["operations"]["PUT_IF_ABSENT"] == 2
    assert store.get("category", {"slug": "doces"}).version == version
    # A genuinely taken key still fails, server error or not.
    emulator.admin("faults", {"fail_after_commit": 1})
    with pytest.raises(ConditionFailed) as failure:
        store.put("category", {**value, "name": "Outra"}, if_absent=True)
    assert failure.value.current["name"] == "Doces"


def test_if_version_put_and_batch_retried_after_a_server_error(store, emulator):
    version = store.put("category", {"slug": "doces", "name": "Doces"})
    emulator.admin("faults", {"fail_after_commit": 1})
    newer = store.put("category", {"slug": "doces", "name": "Doces 2"}, if_version=version)
    assert store.get("category", {"slug": "doces"}).version == newer
    # A user and an order in one atomic batch, as checkout writes it: the retry meets the whole batch.
    emulator.admin("faults", {"fail_after_commit": 1})
    results = store.write_many(
        [
            Put("user", {"id": "u1", "name": "Ana"}, if_absent=True),
            Put("user.order", {"id": "u1", "order_id": "o1", "status": "RECEIVED"}, if_absent=True),
        ]
    )
    assert results == [
        store.get("user", {"id": "u1"}).version,
        store.get("user.order", {"id": "u1", "order_id": "o1"}).version,
    ]
    # The same batch again is a real conflict.
    with pytest.raises(ConditionFailed) as failure:
        store.write_many(
            [Put("user.order", {"id": "u1", "order_id": "o1", "status": "CANCELED"}, if_absent=True)]
        )
    assert failure.value.index == 0


# --- the driver's logging, the handle -------------------------------------------------------------------


def test_borneo_logs_through_django_logging_not_a_file(emulator, caplog, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "manage.py")])
    store = onprem(emulator)
    with caplog.at_level(logging.ERROR, logger="borneo"), pytest.raises(SchemaError):
        store.execute_ddl("CREATE TABLE broken (id STRING NOT NULL, PRIMARY KEY (id))")
    assert any(record.name == "borneo" for record in caplog.records)
    assert not (tmp_path / "logs").exists()
    assert not (Path(ROOT) / "logs" / "driver.log").exists()
    store.close()


def test_one_handle_per_process_rebuilt_after_fork_and_closed_at_exit(store):
    handle = store.handle()
    assert store.handle() is handle
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a fresh handle of its own that works
        try:
            ok = store.handle() is not handle and store.get_or_none("category", {"slug": "x"}) is None
        except BaseException:
            ok = False
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(pid, 0)
    os.close(read)
    assert store.handle() is handle  # the parent's is untouched
    _close_all()
    assert store._handle is None
    assert store.get_or_none("category", {"slug": "x"}) is None  # reopens on next use


# --- nosql_migrate --------------------------------------------------------------------------------------


def test_nosql_migrate_against_the_emulator_is_idempotent(emulator):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocipizza.settings.test",
        "NOSQL_BACKEND": "oracle",
        "NOSQL_MODE": "onprem",
        "NOSQL_ENDPOINT": emulator.url,
    }

    def run():
        return subprocess.run(
            [sys.executable, "manage.py", "nosql_migrate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    created = len(SCHEMA.statements)
    assert f"{created} table(s)/index(es) created." in first.stdout
    assert set(emulator.admin("tables", method="GET")["tables"]) == set(SCHEMA.tables)
    second = run()
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout
    assert "creating" not in second.stdout
    assert not (Path(ROOT) / "logs" / "driver.log").exists()
