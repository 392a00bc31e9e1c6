"""Fault knobs: refused connections, error answers and latency, set at run time or on the command line."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import oci
import pytest

from .conftest import BUCKET, NS
from .support import ObjectStorageProcess, make_client


def test_refused_connections_then_recovery(client, fresh):
    fresh.admin("faults", {"refuse_connections": 2})
    for _ in range(2):
        with pytest.raises(oci.exceptions.RequestException):
            client.put_object(NS, BUCKET, "o", b"o")
    client.put_object(NS, BUCKET, "o", b"o")
    assert fresh.stats()["refused_connections"] == 2
    fresh.admin("faults", {"refuse_connections": -1})
    with pytest.raises(oci.exceptions.RequestException):
        client.get_object(NS, BUCKET, "o")
    fresh.admin("faults", {"clear": True})
    assert client.get_object(NS, BUCKET, "o").data.content == b"o"


def test_error_answers_and_the_sdk_retrying_them(fresh, key):
    fresh.admin("faults", {"fail_requests": 2, "error_status": 503})
    plain = make_client(fresh.url, key.path)
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        plain.get_namespace()
    assert (caught.value.status, caught.value.code) == (503, "ServiceUnavailable")
    patient = make_client(fresh.url, key.path, retries=2)
    assert patient.get_namespace().data == NS  # the second failure, then a success
    assert fresh.stats()["failed_requests"] == 2


def test_failures_can_start_after_some_requests(client, fresh):
    fresh.admin("faults", {"fail_skip": 1, "fail_requests": 1, "error_status": 500})
    client.put_object(NS, BUCKET, "first", b"1")
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        client.put_object(NS, BUCKET, "second", b"2")
    assert caught.value.status == 500
    client.put_object(NS, BUCKET, "third", b"3")
    assert [o.name for o in client.list_objects(NS, BUCKET).data.objects] == ["first", "third"]


def test_latency_beyond_the_clients_timeout(fresh, key):
    fresh.admin("faults", {"latency_ms": 2000})
    impatient = make_client(fresh.url, key.path, timeout=(1, 0.3))
    with pytest.raises(oci.exceptions.RequestException, match="timed out"):
        impatient.get_namespace()


def test_unknown_or_bad_knobs_are_refused(fresh):
    for payload in ({"meltdown": 1}, {"latency_ms": -5}, {"error_status": 200}):
        request = urllib.request.Request(
            f"{fresh.url}/_emulator/faults", data=json.dumps(payload).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 400


def test_knobs_and_buckets_from_the_command_line(key):
    process = ObjectStorageProcess("--bucket", "fotos:public", "--refuse-connections", "1").start()
    try:
        client = make_client(process.url, key.path)
        with pytest.raises(oci.exceptions.RequestException):
            client.get_namespace()
        assert client.get_bucket(NS, "fotos").data.public_access_type == "ObjectRead"
    finally:
        process.stop()


def test_data_survives_a_restart_with_the_data_file(key, tmp_path):
    """A restart (as a crash test does) keeps buckets, objects and PARs when --data names a file."""
    data = tmp_path / "objectstorage.pickle"
    first = ObjectStorageProcess("--data", str(data), "--bucket", "fotos").start()
    try:
        make_client(first.url, key.path).put_object(
            NS, "fotos", "menu/a.jpg", b"a", content_type="image/jpeg"
        )
    finally:
        first.stop()
    second = ObjectStorageProcess("--data", str(data), "--bucket", "fotos", port=first.port).start()
    try:
        got = make_client(second.url, key.path).get_object(NS, "fotos", "menu/a.jpg")
        assert got.data.content == b"a" and got.headers["content-type"] == "image/jpeg"
    finally:
        second.stop()
