"""Cloud mode: borneo with a SignatureProvider (OCI request signing), table limits, consumed capacity."""

from __future__ import annotations

import struct
import urllib.request

import pytest
from borneo import (
    GetRequest,
    IllegalArgumentException,
    InvalidAuthorizationException,
    PutRequest,
    State,
    TableLimits,
    TableRequest,
)

from emulators.nosql import nson

from .support import ddl, make_handle

pytestmark = pytest.mark.system


@pytest.fixture
def cloud(cloud_emulator):
    """The session's cloud-mode emulator (root conftest), emptied."""
    cloud_emulator.admin("reset")
    return cloud_emulator


@pytest.fixture
def signed(cloud, oci_config):
    """A handle signing with the root conftest's throwaway OCI key, profile DEFAULT."""
    from borneo.iam import SignatureProvider

    handle = make_handle(cloud.url, provider=SignatureProvider(config_file=str(oci_config.path)))
    yield handle
    handle.close()


def test_signed_requests_work_and_are_recorded(cloud, signed, oci_config):
    result = ddl(
        signed,
        "CREATE TABLE carts (id STRING, items JSON, PRIMARY KEY (id))",
        limits=TableLimits(50, 20, 1),
    )
    assert result.get_state() == State.ACTIVE
    limits = result.get_table_limits()
    assert (limits.get_read_units(), limits.get_write_units(), limits.get_storage_gb()) == (50, 20, 1)
    put = signed.put(PutRequest().set_table_name("carts").set_value({"id": "c1", "items": [1, 2]}))
    assert put.get_version() is not None and put.get_write_units() >= 1
    got = signed.get(GetRequest().set_table_name("carts").set_key({"id": "c1"}))
    assert got.get_value() == {"id": "c1", "items": [1, 2]}
    assert got.get_read_units() >= 1

    authorization = cloud.stats()["last_authorization"]
    assert authorization.startswith("Signature ")
    for part in ('version="1"', f'keyId="{oci_config.key_id()}"', 'algorithm="rsa-sha256"', 'headers="'):
        assert part in authorization
    assert 'signature="' in authorization
    # No compartment configured: the tenancy's root compartment.
    assert cloud.stats()["last_headers"]["x-nosql-compartment-id"] == oci_config.tenancy


def test_table_limits_rules(signed):
    with pytest.raises(IllegalArgumentException, match="limits are required"):
        ddl(signed, "CREATE TABLE t (id INTEGER, PRIMARY KEY (id))")
    ddl(signed, "CREATE TABLE t (id INTEGER, PRIMARY KEY (id))", limits=TableLimits(10, 10, 1))
    updated = signed.do_table_request(
        TableRequest().set_table_name("t").set_table_limits(TableLimits(30, 5, 2)), 10000, 200
    )
    assert updated.get_table_limits().get_read_units() == 30
    with pytest.raises(IllegalArgumentException, match="Child table"):
        ddl(signed, "CREATE TABLE t.c (c INTEGER, PRIMARY KEY (c))", limits=TableLimits(1, 1, 1))
    ddl(signed, "CREATE TABLE t.c (c INTEGER, PRIMARY KEY (c))")


def test_requests_without_authorization_are_refused(cloud):
    unsigned = make_handle(cloud.url)
    try:
        with pytest.raises(InvalidAuthorizationException, match="Authorization header is missing"):
            unsigned.get(GetRequest().set_table_name("t").set_key({"id": 1}))
    finally:
        unsigned.close()
    assert cloud.stats()["auth_failures"] == 1


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        'Signature keyId="a",algorithm="rsa-sha256",headers="date",signature="x"',
        'Signature version="1",keyId="a",algorithm="hmac-sha1",headers="date",signature="x"',
    ],
)
def test_malformed_authorization_is_refused(cloud, header):
    body = struct.pack(">h", 4) + nson.encode({"h": {"o": 14, "t": 1000}, "p": {}})
    request = urllib.request.Request(f"{cloud.url}/V2/nosql/data", data=body, method="POST")
    request.add_header("Authorization", header)
    request.add_header("x-nosql-request-id", "1")
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = nson.decode(response.read())
    assert answer["e"] == 11
    assert "Invalid authorization header" in answer["x"]
