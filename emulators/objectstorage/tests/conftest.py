"""The Object Storage emulator as a real subprocess, driven by the official oci SDK.

No Django and no Redis: the project's autouse fixtures are replaced by no-ops, so
``pytest emulators/objectstorage/tests -p no:django`` runs on its own.
"""

from __future__ import annotations

import pytest

from emulators.nosql.tests.support import write_oci_config

from .support import ObjectStorageProcess, make_client

# --- neutralize the project's autouse fixtures (they need Django settings and Redis) ---------------------


@pytest.fixture
def nosql_store():
    return None


@pytest.fixture
def fresh_cache():
    return None


@pytest.fixture
def media_root():
    return None


@pytest.fixture
def password_hasher():
    return None


@pytest.fixture
def default_language():
    return None


# --- emulators and clients ---------------------------------------------------------------------------------

NS = "ocipizza"
BUCKET = "fotos"


@pytest.fixture(scope="session")
def key(tmp_path_factory):
    """A throwaway API key and OCI config file (profiles DEFAULT and OCIPIZZA)."""
    return write_oci_config(tmp_path_factory.mktemp("oci-os"))


@pytest.fixture(scope="session")
def emulator():
    """An emulator in open mode (signatures not required), for the API's behaviour."""
    process = ObjectStorageProcess().start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def cloud(key):
    """An emulator in cloud mode that verifies every signature against the test key's public half."""
    process = ObjectStorageProcess(
        "--cloud", "--public-key", str(key.path.parent / "oci_api_key.pem")
    ).start()
    yield process
    process.stop()


@pytest.fixture
def fresh(emulator):
    """The open emulator emptied, with the bucket ``fotos``."""
    return emulator.fresh(BUCKET)


@pytest.fixture
def client(fresh, key):
    return make_client(fresh.url, key.path)
