"""Cloud mode: every request carries an OCI signature that verifies, except reads of a public bucket."""

from __future__ import annotations

import email.utils
import time
import urllib.error
import urllib.request

import oci
import pytest

from emulators.nosql.tests.support import write_oci_config

from .conftest import NS
from .support import ObjectStorageProcess, make_client


@pytest.fixture
def signed(cloud, key):
    cloud.fresh("privado", "publico", public=("publico",))
    return make_client(cloud.url, key.path)


def status_of(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_signed_requests_pass_and_the_signature_covers_what_it_must(signed, cloud):
    signed.put_object(NS, "privado", "a.txt", b"a")
    assert signed.get_object(NS, "privado", "a.txt").data.content == b"a"
    seen = cloud.stats()
    assert seen["auth_failures"] == 0
    authorization = seen["last_headers"]["authorization"]
    assert 'headers="date (request-target) host"' in authorization  # a GET signs no body


def test_unsigned_requests_are_refused(signed, cloud):
    signed.put_object(NS, "privado", "a.txt", b"a")
    assert status_of(f"{cloud.url}/n/{NS}/b/privado/o/a.txt") == 401
    assert status_of(f"{cloud.url}/n/{NS}/b/privado/o/b.txt", "PUT", b"b") == 401
    assert status_of(f"{cloud.url}/n/") == 401


def test_a_public_bucket_is_read_without_a_signature_but_not_written(signed, cloud):
    signed.put_object(NS, "publico", "menu/a.jpg", b"a")
    assert status_of(f"{cloud.url}/n/{NS}/b/publico/o/menu/a.jpg") == 200
    assert status_of(f"{cloud.url}/n/{NS}/b/publico/o") == 200  # ObjectRead includes listing
    assert status_of(f"{cloud.url}/n/{NS}/b/publico/o/menu/b.jpg", "PUT", b"b") == 401
    assert status_of(f"{cloud.url}/n/{NS}/b/publico/o/menu/a.jpg", "DELETE") == 401
    details = oci.object_storage.models.UpdateBucketDetails(public_access_type="ObjectReadWithoutList")
    signed.update_bucket(NS, "publico", details)
    assert status_of(f"{cloud.url}/n/{NS}/b/publico/o/menu/a.jpg") == 200
    assert status_of(f"{cloud.url}/n/{NS}/b/publico/o") == 401


def test_another_key_is_refused(cloud, signed, tmp_path):
    stranger = make_client(cloud.url, write_oci_config(tmp_path).path)
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        stranger.get_namespace()
    assert (caught.value.status, caught.value.code) == (401, "NotAuthenticated")
    assert "does not verify" in caught.value.message


def test_a_body_changed_after_signing_is_refused(cloud, signed, key):
    """A POST signs its body's SHA-256: a body swapped on the way no longer matches."""
    import requests

    signer = oci.signer.Signer(
        key.tenancy, key.users["DEFAULT"], key.fingerprint, str(key.path.parent / "oci_api_key.pem")
    )
    url = f"{cloud.url}/n/{NS}/b/"
    honest = b'{"name": "novo", "compartmentId": "ocid1.compartment.oc1..x"}'
    prepared = requests.Request(
        "POST", url, data=honest, headers={"content-type": "application/json"}
    ).prepare()
    signer(prepared)
    prepared.body = b'{"name": "outro", "compartmentId": "ocid1.compartment.oc1..x"}'
    prepared.headers["content-length"] = str(len(prepared.body))
    with requests.Session() as session:
        assert session.send(prepared, timeout=5).status_code == 401
        again = requests.Request(
            "POST", url, data=honest, headers={"content-type": "application/json"}
        ).prepare()
        signer(again)
        assert session.send(again, timeout=5).status_code == 200


def test_a_stale_date_is_refused(cloud, signed, key):
    import requests

    signer = oci.signer.Signer(
        key.tenancy, key.users["DEFAULT"], key.fingerprint, str(key.path.parent / "oci_api_key.pem")
    )
    stale = email.utils.formatdate(time.time() - 3600, usegmt=True)
    prepared = requests.Request("GET", f"{cloud.url}/n/", headers={"date": stale}).prepare()
    signer(prepared)
    with requests.Session() as session:
        answer = session.send(prepared, timeout=5)
    assert answer.status_code == 401 and "5 minutes" in answer.json()["message"]


def test_without_public_keys_only_the_shape_is_checked(tmp_path):
    """Instance and resource principals sign with session keys the emulator cannot know."""
    process = ObjectStorageProcess("--cloud", "--bucket", "b").start()
    try:
        anyone = make_client(process.url, write_oci_config(tmp_path).path)
        anyone.put_object(NS, "b", "o", b"o")
        assert status_of(f"{process.url}/n/{NS}/b/b/o/o") == 401
        bad = 'Signature version="1",keyId="k",algorithm="hmac-sha1",headers="date",signature="x"'
        assert status_of(f"{process.url}/n/{NS}/b/b/o/o", headers={"Authorization": bad}) == 401
    finally:
        process.stop()
