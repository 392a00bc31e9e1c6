"""What only the OCI backend has: object metadata, PAR URLs for a private bucket, auth, and outages.

Everything goes through the real oci SDK to the emulator in cloud mode (signatures verified)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile

from ocipizza.storage import OCIObjectStorage, StorageUnavailable

NS = "ocipizza"


def head(storage, name: str) -> dict:
    return storage.client().head_object(storage.namespace, storage.bucket, name).headers


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def test_content_types_and_a_long_cache_for_content_hashed_names(oci_storage):
    hashed = oci_storage.save("menu/calabresa-3f9a1c2b7d4e-300x400.jpg", ContentFile(b"jpeg"))
    plain = oci_storage.save("docs/cardapio.pdf", ContentFile(b"pdf"))
    odd = oci_storage.save("misc/notes.zzz-unknown", ContentFile(b"?"))
    assert head(oci_storage, hashed)["content-type"] == "image/jpeg"
    assert head(oci_storage, hashed)["cache-control"] == "public, max-age=31536000, immutable"
    assert head(oci_storage, plain)["content-type"] == "application/pdf"
    assert head(oci_storage, plain)["cache-control"] == "public, max-age=3600"
    assert head(oci_storage, odd)["content-type"] == "application/octet-stream"
    # The browser gets the same headers from the public URL.
    with urllib.request.urlopen(oci_storage.url(hashed), timeout=5) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_uploads_carry_their_md5_and_are_signed(oci_storage, objectstorage_emulator):
    oci_storage.save("a.txt", ContentFile(b"abc"))
    seen = objectstorage_emulator.stats()
    assert seen["last_headers"]["content-md5"] == "kAFQmDzST7DWlj99KOF/cg=="  # base64 MD5 of b"abc"
    assert seen["last_headers"]["authorization"].startswith("Signature ")
    assert seen["auth_failures"] == 0


def test_the_namespace_is_asked_once_when_not_configured(
    oci_storage_options, oci_storage, objectstorage_emulator
):
    storage = OCIObjectStorage(**{**oci_storage_options, "NAMESPACE": ""})
    storage.save("one.txt", ContentFile(b"1"))
    storage.save("two.txt", ContentFile(b"2"))
    assert storage.namespace == NS
    assert objectstorage_emulator.stats()["operations"]["GetNamespace"] == 1


def test_opening_for_writing_is_refused(oci_storage):
    name = oci_storage.save("w.txt", ContentFile(b"w"))
    with pytest.raises(ValueError, match="read-only"):
        oci_storage.open(name, "wb")


def test_a_wrong_key_is_refused_with_what_to_check(
    oci_storage_options, oci_storage, objectstorage_emulator, tmp_path
):
    from emulators.nosql.tests.support import write_oci_config

    stranger = write_oci_config(tmp_path)  # a key the emulator does not know
    storage = OCIObjectStorage(**{**oci_storage_options, "OCI_CONFIG_FILE": str(stranger.path)})
    with pytest.raises(StorageUnavailable, match="HTTP 401 Unauthorized") as caught:
        storage.save("intruder.txt", ContentFile(b"x"))
    assert "check the bucket" in str(caught.value)
    assert objectstorage_emulator.stats()["auth_failures"] >= 1
    assert not oci_storage.exists("intruder.txt")


# --- a private bucket through a pre-authenticated request ------------------------------------------------


@pytest.fixture
def private_storage(oci_storage_options):
    oci_storage_options["URL_MODE"] = "par"
    return oci_storage_options


def test_a_private_bucket_is_read_through_one_shared_par(
    private_storage, oci_storage, objectstorage_emulator
):
    name = oci_storage.save("menu/margherita.jpg", ContentFile(b"margherita"))
    url = oci_storage.url(name)
    assert url.startswith(f"{objectstorage_emulator.url}/p/") and url.endswith("/o/menu/margherita.jpg")
    assert fetch(url) == b"margherita"
    # Without the PAR, the bucket answers nobody.
    direct = f"{objectstorage_emulator.url}/n/{NS}/b/{oci_storage.bucket}/o/menu/margherita.jpg"
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(direct)
    assert refused.value.code == 401
    # Other photos and other processes (a fresh storage object) use the same PAR, shared by the cache.
    other = oci_storage.save("menu/atum.jpg", ContentFile(b"atum"))
    again = OCIObjectStorage(**private_storage)
    assert again.url(other).rsplit("/o/", 1)[0] == url.rsplit("/o/", 1)[0]
    assert fetch(again.url(other)) == b"atum"
    assert objectstorage_emulator.stats()["operations"]["CreatePreauthenticatedRequest"] == 1
    # The PAR reads single objects only: it does not list the bucket.
    with pytest.raises(urllib.error.HTTPError):
        fetch(url.rsplit("/o/", 1)[0] + "/o/")


def test_a_par_is_renewed_before_it_expires(
    private_storage, oci_storage, objectstorage_emulator, monkeypatch
):
    import time as real_time

    from ocipizza import storage as module

    name = oci_storage.save("x.jpg", ContentFile(b"x"))
    first = oci_storage.url(name)

    class Later:
        @staticmethod
        def time():
            return real_time.time() + 7 * 24 * 60 * 60 - 60  # a minute before the PAR expires

    monkeypatch.setattr(module, "time", Later)
    second = oci_storage.url(name)
    assert second != first
    assert objectstorage_emulator.stats()["operations"]["CreatePreauthenticatedRequest"] == 2
    assert fetch(second) == b"x"


# --- the service down, slow or failing ---------------------------------------------------------------------


def test_with_the_service_unreachable_every_call_says_so(oci_storage, objectstorage_emulator):
    name = oci_storage.save("kept.jpg", ContentFile(b"kept"))
    objectstorage_emulator.admin("faults", {"refuse_connections": -1})
    for call in (
        lambda: oci_storage.save("new.jpg", ContentFile(b"n")),
        lambda: oci_storage.exists(name),
        lambda: oci_storage.open(name),
        lambda: oci_storage.size(name),
        lambda: oci_storage.delete(name),
        lambda: oci_storage.listdir(""),
    ):
        with pytest.raises(StorageUnavailable, match=r"did not answer .* try again shortly") as caught:
            call()
        assert isinstance(caught.value, OSError)
    # A public URL needs no call: pages still render and link the photo.
    requests_before = objectstorage_emulator.stats()["requests"]
    assert oci_storage.url(name).endswith("/o/kept.jpg")
    assert objectstorage_emulator.stats()["requests"] == requests_before
    objectstorage_emulator.admin("faults", {"clear": True})
    assert fetch(oci_storage.url(name)) == b"kept"
    assert not oci_storage.exists("new.jpg")


def test_par_urls_fall_back_while_the_service_is_down(private_storage, oci_storage, objectstorage_emulator):
    name = oci_storage.save("p.jpg", ContentFile(b"p"))
    objectstorage_emulator.admin("faults", {"refuse_connections": -1})
    url = oci_storage.url(name)  # no PAR yet and none can be made: the plain URL, never an exception
    assert url == f"{objectstorage_emulator.url}/n/{NS}/b/{oci_storage.bucket}/o/p.jpg"
    refused = objectstorage_emulator.stats()["refused_connections"]
    oci_storage.url(name)  # and no second attempt for every photo of the page
    assert objectstorage_emulator.stats()["refused_connections"] == refused


def test_a_service_error_is_retried_when_retries_are_configured(
    oci_storage_options, oci_storage, objectstorage_emulator
):
    objectstorage_emulator.admin("faults", {"fail_requests": 1, "error_status": 500})
    with pytest.raises(StorageUnavailable, match="HTTP 500 Internal Server Error"):
        oci_storage.size("nothing.txt")
    objectstorage_emulator.admin("faults", {"fail_requests": 1, "error_status": 503})
    patient = OCIObjectStorage(**{**oci_storage_options, "RETRIES": 2})
    assert patient.save("r.txt", ContentFile(b"r")) == "r.txt"
    assert objectstorage_emulator.stats()["failed_requests"] == 2


def test_a_slow_service_times_out_as_unavailable(oci_storage_options, oci_storage, objectstorage_emulator):
    objectstorage_emulator.admin("faults", {"latency_ms": 3000})
    impatient = OCIObjectStorage(**{**oci_storage_options, "TIMEOUT": 0.5})
    with pytest.raises(StorageUnavailable, match="did not answer"):
        impatient.exists("slow.txt")


def test_a_multipart_upload_that_fails_leaves_no_parts_behind(
    oci_storage_options, oci_storage, objectstorage_emulator
):
    storage = OCIObjectStorage(**{**oci_storage_options, "MULTIPART_THRESHOLD": 1024, "PART_SIZE": 1024})
    # HEAD (free name?), create the upload, part 1, then part 2 is refused (a 400 the SDK does not retry).
    objectstorage_emulator.admin("faults", {"fail_skip": 3, "fail_requests": 1, "error_status": 400})
    with pytest.raises(StorageUnavailable):
        storage.save("big.bin", ContentFile(b"z" * 4096))
    client = storage.client()
    assert client.list_multipart_uploads(NS, storage.bucket).data == []
    assert not storage.exists("big.bin")


# --- settings --------------------------------------------------------------------------------------------


def test_storage_backend_oci_selects_the_bucket(objectstorage_emulator, oci_config):
    """A process started with STORAGE_BACKEND=oci (local settings, as scripts/serve.sh runs) stores in the
    bucket and lets the page's images come from it."""
    objectstorage_emulator.fresh("shop-photos", public=("shop-photos",))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocipizza.settings.local",
        "STORAGE_BACKEND": "oci",
        "OCI_STORAGE_BUCKET": "shop-photos",
        "OCI_STORAGE_ENDPOINT": objectstorage_emulator.url,
        "OCI_CONFIG_FILE": str(oci_config.path),
        "OCI_STORAGE_AUTH": "config",
    }
    script = (
        "import json; from django.conf import settings; from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage as s;"
        "n = s.save('hello.txt', ContentFile(b'ola'));"
        "print(json.dumps({'cls': type(s._wrapped).__name__, 'url': s.url(n),"
        " 'img': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["cls"] == "OCIObjectStorage"
    assert objectstorage_emulator.url in answer["img"]
    assert fetch(answer["url"]) == b"ola"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("BUCKET", "", "OCI_STORAGE_BUCKET"),
        ("URL_MODE", "signed", "OCI_STORAGE_URL_MODE must be public or par"),
        ("AUTH", "password", "OCI_STORAGE_AUTH must be config, instance or resource"),
        ("COLOUR", "red", "Unknown OCI storage options: COLOUR"),
    ],
)
def test_a_wrong_setting_says_which(oci_storage_options, option, value, message):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=message):
        OCIObjectStorage(**{**oci_storage_options, option: value})


def test_a_missing_config_file_says_what_to_set(oci_storage_options, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    storage = OCIObjectStorage(**{**oci_storage_options, "OCI_CONFIG_FILE": str(tmp_path / "none")})
    with pytest.raises(ImproperlyConfigured, match="set OCI_CONFIG_FILE and OCI_PROFILE"):
        storage.exists("a.txt")


def test_resource_principal_auth(
    oci_storage_options, oci_storage, objectstorage_emulator, oci_config, monkeypatch
):
    """As in OCI Functions: a resource principal session token (RPST) and its key from the environment.
    The emulator verifies the signature with the key; the keyId is the session token's."""
    import base64
    import time

    def segment(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {
        "exp": int(time.time()) + 3600,
        "res_tenant": oci_config.tenancy,
        "sub": "ocid1.fnfunc.oc1..pizza",
    }
    token = f"{segment({'alg': 'RS256', 'typ': 'JWT'})}.{segment(claims)}.c2lnbmF0dXJl"
    monkeypatch.setenv("OCI_RESOURCE_PRINCIPAL_VERSION", "2.2")
    monkeypatch.setenv("OCI_RESOURCE_PRINCIPAL_RPST", token)
    monkeypatch.setenv("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM", str(oci_config.path.parent / "oci_api_key.pem"))
    monkeypatch.setenv("OCI_RESOURCE_PRINCIPAL_REGION", "sa-saopaulo-1")
    storage = OCIObjectStorage(
        **{**oci_storage_options, "AUTH": "resource", "OCI_CONFIG_FILE": "/nonexistent"}
    )
    name = storage.save("menu/fn.jpg", ContentFile(b"fn"))
    assert objectstorage_emulator.stats()["last_headers"]["authorization"].count('keyId="ST$') == 1
    assert fetch(storage.url(name)) == b"fn"
