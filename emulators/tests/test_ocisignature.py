"""The emulators' signature check, on requests the oci SDK's own signer signed (no server needed)."""

from __future__ import annotations

import datetime as dt
import email.utils

import oci
import pytest
import requests
from cryptography.hazmat.primitives import serialization

from emulators.nosql.tests.support import write_oci_config
from emulators.ocisignature import SignatureError, Verifier, fingerprint

URL = "http://127.0.0.1:8090/20181201/functions/ocid1.fnfunc.oc1..x/actions/invoke"


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return write_oci_config(tmp_path_factory.mktemp("oci"))


def signed(key, body: bytes = b'{"a": 1}', date: str | None = None, method: str = "POST"):
    signer = oci.signer.Signer(
        key.tenancy, key.users["OCIPIZZA"], key.fingerprint, str(key.path.parent / "oci_api_key.pem")
    )
    headers = {"date": date} if date else {}
    data = body if method == "POST" else None
    request = requests.Request(method, URL, data=data, headers=headers, auth=signer).prepare()
    return {
        "method": method,
        "target": request.path_url,
        "headers": dict(request.headers),
        "body": request.body,
        "body_signed": method == "POST",
    }


def public_pem(key) -> bytes:
    return key.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verifier(key) -> Verifier:
    return Verifier.from_pems([public_pem(key)])


def test_a_request_the_sdk_signed_verifies_and_names_its_key(key):
    assert fingerprint(key.key.public_key()) == key.fingerprint  # the one the OCI config names
    assert verifier(key).verify(**signed(key)) == key.key_id("OCIPIZZA")
    assert verifier(key).verify(**signed(key, method="GET")) == key.key_id("OCIPIZZA")


def test_the_private_key_file_verifies_too(key):
    from_file = Verifier.from_files([str(key.path.parent / "oci_api_key.pem")])
    assert from_file.verifies and from_file.verify(**signed(key)) == key.key_id("OCIPIZZA")


def test_a_stale_date_is_refused_with_or_without_a_key(key):
    old = email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6), usegmt=True)
    for checker in (verifier(key), Verifier()):
        with pytest.raises(SignatureError, match="more than 5 minutes"):
            checker.verify(**signed(key, date=old))


def test_a_changed_header_breaks_the_signature(key):
    request = signed(key)
    request["headers"]["host"] = "elsewhere:8090"
    with pytest.raises(SignatureError, match="does not verify"):
        verifier(key).verify(**request)
    assert Verifier().verify(**request) == key.key_id("OCIPIZZA")  # the RSA is all that caught it


def test_another_key_is_refused(key, tmp_path):
    stranger = write_oci_config(tmp_path)
    with pytest.raises(SignatureError, match="does not verify"):
        verifier(key).verify(**signed(stranger))
    # Known to the emulator too, the stranger's key verifies only its own requests.
    both = Verifier.from_pems([public_pem(key), public_pem(stranger)])
    assert both.verify(**signed(stranger)) == stranger.key_id("OCIPIZZA")
    request = signed(stranger)
    request["headers"]["authorization"] = request["headers"]["authorization"].replace(
        stranger.fingerprint, key.fingerprint
    )
    with pytest.raises(SignatureError, match="does not verify"):
        both.verify(**request)


def test_a_body_swapped_after_signing_is_refused_even_without_a_key(key):
    request = signed(key)
    request["body"] = b'{"a": 2}'
    for checker in (verifier(key), Verifier()):
        with pytest.raises(SignatureError, match="x-content-sha256 does not match"):
            checker.verify(**request)
    request["body"] = None  # a body the server streams on without reading: its hash is not checked
    assert verifier(key).verify(**request) == key.key_id("OCIPIZZA")


def test_without_a_key_everything_but_the_rsa_is_checked(key):
    request = signed(key)
    authorization = request["headers"]["authorization"]
    request["headers"]["authorization"] = authorization.replace('signature="', 'signature="AAAA')
    assert not Verifier().verifies
    assert Verifier().verify(**request) == key.key_id("OCIPIZZA")
    request["headers"]["authorization"] = authorization.replace(" x-content-sha256", "")
    with pytest.raises(SignatureError, match="must cover x-content-sha256"):
        Verifier().verify(**request)
    request["headers"]["authorization"] = authorization.replace("rsa-sha256", "hmac-sha1")
    with pytest.raises(SignatureError, match='algorithm="rsa-sha256"'):
        Verifier().verify(**request)
    request["headers"]["authorization"] = authorization.replace(',signature="', ',sig="')
    with pytest.raises(SignatureError, match="lacks signature"):
        Verifier().verify(**request)
    request["headers"].pop("authorization")
    with pytest.raises(SignatureError, match="not provided"):
        Verifier().verify(**request)


def test_a_session_token_is_verified_by_any_known_key(key, tmp_path):
    """Instance and resource principals sign with ``keyId="ST$<token>"``, which names no fingerprint."""
    from oci.auth.signers import SecurityTokenSigner

    signer = SecurityTokenSigner("header.claims.signature", key.key)
    request = requests.Request("POST", URL, data=b'{"a": 1}', auth=signer).prepare()
    call = {
        "method": "POST",
        "target": request.path_url,
        "headers": dict(request.headers),
        "body": request.body,
        "body_signed": True,
    }
    stranger = write_oci_config(tmp_path)
    assert Verifier.from_pems([public_pem(stranger), public_pem(key)]).verify(**call).startswith("ST$")
    with pytest.raises(SignatureError, match="does not verify"):
        Verifier.from_pems([public_pem(stranger)]).verify(**call)


def test_a_file_without_a_usable_key_is_named(tmp_path):
    not_a_key = tmp_path / "config"
    not_a_key.write_text("[DEFAULT]\nuser=ocid1.user.oc1..x\n")
    with pytest.raises(ValueError, match=rf"^{not_a_key}: not a PEM public key"):
        Verifier.from_files([str(not_a_key)])
