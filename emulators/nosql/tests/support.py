"""Helpers shared by the emulator tests: the emulator subprocess, borneo handles, DDL."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorProcess:
    """A running ``python -m emulators.nosql``; ``admin()`` talks to its /_emulator/ endpoints."""

    def __init__(self, *args: str, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> EmulatorProcess:
        # Its log goes to a file, not a pipe nobody reads (a full pipe would block the emulator).
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulators.nosql", "--port", str(self.port), *self.args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the emulator exited: {self.log.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the emulator did not listen on port {self.port}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.log.close()

    def admin(self, name: str, payload: dict | None = None, method: str = "POST") -> dict:
        data = None if method == "GET" else json.dumps(payload or {}).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{name}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict:
        return self.admin("requests", method="GET")


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
