"""The signature check on requests the oci SDK's own signer signed (no server needed)."""

from __future__ import annotations

import datetime as dt
import email.utils

import oci
import pytest
import requests
from cryptography.hazmat.primitives import serialization

from emulators.functions.signing import SignatureError, Verifier
from emulators.nosql.tests.support import write_oci_config

URL = "http://127.0.0.1:8090/20181201/functions/ocid1.fnfunc.oc1..x/actions/invoke"


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return write_oci_config(tmp_path_factory.mktemp("oci"))


def signed(key, body: bytes = b'{"a": 1}', date: str | None = None):
    signer = oci.signer.Signer(
        key.tenancy, key.users["OCIPIZZA"], key.fingerprint, str(key.path.parent / "oci_api_key.pem")
    )
    headers = {"date": date} if date else {}
    request = requests.Request("POST", URL, data=body, headers=headers, auth=signer).prepare()
    return {
        "method": "POST",
        "path": request.path_url,
        "headers": dict(request.headers),
        "body": request.body,
    }


def verifier(key) -> Verifier:
    pem = key.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Verifier.from_pem(pem)


def test_a_request_the_sdk_signed_verifies_and_names_its_key(key):
    assert verifier(key).fingerprint == key.fingerprint
    assert verifier(key).verify(**signed(key)) == key.key_id("OCIPIZZA")


def test_a_stale_date_is_refused(key):
    old = email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6), usegmt=True)
    with pytest.raises(SignatureError, match="five minutes"):
        verifier(key).verify(**signed(key, date=old))


def test_a_changed_header_breaks_the_signature(key):
    request = signed(key)
    request["headers"]["host"] = "elsewhere:8090"
    with pytest.raises(SignatureError, match="does not match"):
        verifier(key).verify(**request)


def test_without_a_key_only_the_shape_is_checked(key):
    request = signed(key)
    authorization = request["headers"]["authorization"]
    request["headers"]["authorization"] = authorization.replace('signature="', 'signature="AAAA')
    assert Verifier().verify(**request) == key.key_id("OCIPIZZA")
    request["headers"]["authorization"] = authorization.replace(" x-content-sha256", "")
    with pytest.raises(SignatureError, match="does not cover x-content-sha256"):
        Verifier().verify(**request)
    request["headers"].pop("authorization")
    with pytest.raises(SignatureError, match="missing"):
        Verifier().verify(**request)
