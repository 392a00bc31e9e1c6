"""OCI Functions' invoke API driven by the real oci SDK, with signatures verified against the key."""

from __future__ import annotations

import json

import oci
import pytest
import requests
from oci.functions import FunctionsInvokeClient

from emulators.nosql.tests.support import write_oci_config

from .support import ECHO, ECHO_ID, SEND_MAIL, FnEmulatorProcess

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def oci_key(tmp_path_factory):
    return write_oci_config(tmp_path_factory.mktemp("oci"))


@pytest.fixture(scope="module")
def public_key(oci_key, tmp_path_factory):
    from cryptography.hazmat.primitives import serialization

    path = tmp_path_factory.mktemp("pub") / "oci_api_key_public.pem"
    path.write_bytes(
        oci_key.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture(scope="module")
def cloud(public_key):
    process = FnEmulatorProcess(
        "--cloud", "--public-key", str(public_key), functions=(ECHO, SEND_MAIL)
    ).start()
    yield process
    process.stop()


@pytest.fixture
def fresh(cloud):
    cloud.admin("reset")
    cloud.configure(ECHO_ID, timeout=30)
    return cloud


def client(url: str, config_file, profile: str = "DEFAULT") -> FunctionsInvokeClient:
    config = oci.config.from_file(str(config_file), profile)
    return FunctionsInvokeClient(config, service_endpoint=url, timeout=(10, 30))


def test_the_sdk_invokes_with_a_verified_signature(fresh, oci_key):
    answer = client(fresh.url, oci_key.path).invoke_function(
        ECHO_ID, invoke_function_body=json.dumps({"pedido": 42}), opc_request_id="PEDIDO42"
    )
    assert answer.status == 200
    seen = json.loads(answer.data.content)
    assert seen["body"] == {"pedido": 42}
    assert answer.headers["Fn-Call-Id"] == seen["call_id"]
    assert answer.headers["Fn-Fdk-Version"].startswith("fdk-python/")
    assert answer.headers["opc-request-id"].startswith("PEDIDO42/")
    # The function never sees the caller's credentials.
    assert "authorization" not in seen["headers"]
    stats = fresh.stats()
    assert stats["verifies_signatures"] and stats["last_key_id"] == oci_key.key_id("DEFAULT")
    assert stats["auth_failures"] == 0


def test_function_errors_are_service_errors_with_ocis_codes(fresh, oci_key):
    invoker = client(fresh.url, oci_key.path)
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        invoker.invoke_function(ECHO_ID, invoke_function_body=json.dumps({"action": "raise"}))
    error = raised.value
    assert (error.status, error.code, error.message) == (
        502,
        "FunctionInvokeExecutionFailed",
        "function failed",
    )
    assert "the echo function was told to fail" in "\n".join(
        fresh.logs(error.headers["Fn-Call-Id"], until="told to fail")
    )

    fresh.configure(ECHO_ID, timeout=1)
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        invoker.invoke_function(ECHO_ID, invoke_function_body=json.dumps({"action": "sleep", "seconds": 5}))
    assert (raised.value.status, raised.value.code) == (504, "FunctionInvokeTimeout")

    with pytest.raises(oci.exceptions.ServiceError) as raised:
        invoker.invoke_function("ocid1.fnfunc.oc1..nosuchfunction", invoke_function_body="{}")
    assert (raised.value.status, raised.value.code) == (404, "NotAuthorizedOrNotFound")


def test_unsigned_and_forged_requests_are_refused(fresh, oci_key, tmp_path):
    path = f"/20181201/functions/{ECHO_ID}/actions/invoke"
    status, _headers, body = fresh.post(path, b"{}", {"Content-Type": "application/json"})
    assert (status, json.loads(body)["code"]) == (401, "NotAuthenticated")

    # Signed with another key than the one the emulator was given.
    stranger = write_oci_config(tmp_path)
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        client(fresh.url, stranger.path).invoke_function(ECHO_ID, invoke_function_body="{}")
    assert (raised.value.status, raised.value.code) == (401, "NotAuthenticated")

    # A signed request whose body was changed on the way.
    signer = oci.signer.Signer(
        oci_key.tenancy,
        oci_key.users["DEFAULT"],
        oci_key.fingerprint,
        str(oci_key.path.parent / "oci_api_key.pem"),
    )
    prepared = requests.Request("POST", fresh.url + path, data=b'{"a": 1}', auth=signer).prepare()
    prepared.body = b'{"a": 2}'
    assert requests.Session().send(prepared, timeout=10).status_code == 401
    assert fresh.stats()["auth_failures"] == 3
    assert "does not match" in fresh.stats()["last_auth_failure"]


def test_the_fn_path_does_not_exist_in_cloud_mode(fresh):
    status, headers, body = fresh.post(f"/invoke/{ECHO_ID}", b"{}")
    assert (status, json.loads(body)["code"]) == (404, "NotAuthorizedOrNotFound")
    assert headers["opc-request-id"]
