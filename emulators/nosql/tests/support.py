"""Helpers shared by the emulator tests: the emulator subprocess, borneo handles, DDL."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from emulators.testing import EmulatorSubprocess


class EmulatorProcess(EmulatorSubprocess):
    """A running ``python -m emulators.nosql``; ``admin()`` talks to its /_emulator/ endpoints."""

    module = "emulators.nosql"
    name = "NoSQL emulator"


def write_rsa_key(path: Path):
    """Make an RSA key for a test (never a real credential) and write it to ``path`` as an OCI API key
    file (PEM, PKCS#8, unencrypted); the key is returned for tests that check signatures with it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return key


@dataclass(frozen=True)
class OCIConfig:
    """A throwaway OCI config file (``path``) whose profiles sign with one test RSA ``key``."""

    path: Path
    key: object  # cryptography's RSAPrivateKey, for tests that verify a signature
    fingerprint: str  # the key's real fingerprint, in OCI's format
    tenancy: str
    users: dict[str, str]  # profile name -> user OCID

    def key_id(self, profile: str = "DEFAULT") -> str:
        """The ``keyId`` a request signed with ``profile`` carries: tenancy/user/fingerprint."""
        return f"{self.tenancy}/{self.users[profile]}/{self.fingerprint}"


def write_oci_config(folder: Path) -> OCIConfig:
    """Write an API key made for the test and a config file naming it under two profiles, ``DEFAULT`` and
    ``OCIPIZZA`` (two users of one tenancy, so a request's ``keyId`` tells which profile signed it)."""
    import hashlib

    from cryptography.hazmat.primitives import serialization

    key_file = folder / "oci_api_key.pem"
    key = write_rsa_key(key_file)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.md5(public, usedforsecurity=False).hexdigest()  # OCI's fingerprint format
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    tenancy = "ocid1.tenancy.oc1..aaaaaaaaocipizzatesttenancy"
    users = {
        "DEFAULT": "ocid1.user.oc1..aaaaaaaaocipizzadefaultuser",
        "OCIPIZZA": "ocid1.user.oc1..aaaaaaaaocipizzatestuser",
    }
    path = folder / "config"
    path.write_text(
        "\n".join(
            f"[{profile}]\nuser={user}\nfingerprint={fingerprint}\ntenancy={tenancy}\n"
            f"region=sa-saopaulo-1\nkey_file={key_file}\n"
            for profile, user in users.items()
        )
    )
    return OCIConfig(path, key, fingerprint, tenancy, users)


def make_handle(url: str, provider=None, retries: int | None = None, timeout_ms: int = 10000):
    from borneo import DefaultRetryHandler, NoSQLHandle, NoSQLHandleConfig
    from borneo.kv import StoreAccessTokenProvider

    config = NoSQLHandleConfig(url).set_authorization_provider(provider or StoreAccessTokenProvider())
    # Without a logger borneo writes logs/driver.log next to the running script (here .venv/bin/).
    config.set_logger(logging.getLogger("borneo"))
    config.set_timeout(timeout_ms).set_table_request_timeout(timeout_ms)
    if retries is not None:
        config.set_retry_handler(DefaultRetryHandler(retries, 0))
    return NoSQLHandle(config)


def ddl(handle, statement: str, limits=None):
    from borneo import TableRequest

    request = TableRequest().set_statement(statement)
    if limits is not None:
        request.set_table_limits(limits)
    return handle.do_table_request(request, 10000, 200)
