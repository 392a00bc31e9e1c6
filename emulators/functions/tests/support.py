"""The Fn emulator as a subprocess for tests: started and stopped by PID, driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from emulators.functions.__main__ import default_id

ROOT = Path(__file__).resolve().parents[3]
SEND_MAIL = ROOT / "functions" / "send_mail"
ECHO = Path(__file__).resolve().parent / "echo"
SEND_MAIL_ID = default_id("send-mail")
ECHO_ID = default_id("echo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FnEmulatorProcess:
    """A running ``python -m emulators.functions``; ``admin()`` talks to its /_emulator/ endpoints."""

    def __init__(self, *args: str, functions: tuple[Path, ...] = (SEND_MAIL,)):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.cloud = "--cloud" in args
        self.functions = functions
        self.process: subprocess.Popen | None = None

    def start(self) -> FnEmulatorProcess:
        # Its log goes to a file, not a pipe nobody reads (a full pipe would block the emulator).
        self.log = tempfile.NamedTemporaryFile(prefix="fn-emulator-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulators.functions",
                "--port",
                str(self.port),
                "--parent-pid",
                str(os.getpid()),
                *self.args,
                *map(str, self.functions),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Fn emulator exited: {self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the Fn emulator did not listen on port {self.port}: {self.output()}")

    def output(self) -> str:
        """What the emulator wrote to its stderr: its own log and the functions' lines."""
        return Path(self.log.name).read_text(errors="replace")

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
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stats(self) -> dict:
        return self.admin("requests", method="GET")

    def logs(self, call_id: str | None = None) -> list[str]:
        query = f"?call_id={call_id}" if call_id else ""
        return [r["line"] for r in self.admin(f"logs{query}", method="GET")["lines"]]

    def configure(self, function: str, **payload) -> dict:
        """``config`` (a dict, merged), ``timeout``, ``idle_timeout``: the containers restart."""
        return self.admin("config", {"function": function, **payload})

    def post(self, path: str, body: bytes, headers: dict | None = None, timeout: float = 30):
        """POST without any SDK: (status, headers, body), error statuses included."""
        request = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()


def public_key_pem(oci_config, folder: Path) -> Path:
    """The public half of a test OCI key (``conftest.oci_config``), for ``--public-key``."""
    from cryptography.hazmat.primitives import serialization

    path = folder / "oci_api_key_public.pem"
    path.write_bytes(
        oci_config.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def route_mail_through_fn(settings, smtp, emulator: FnEmulatorProcess, oci_config, *, timeout: float = 30):
    """Point the outbox at ``emulator``'s send_mail function and the function at ``smtp`` (the
    ``smtp_server`` fixture): MAIL_DISPATCHER=oci_functions, signed by the oci SDK with ``oci_config``'s
    key when the emulator plays OCI Functions, Fn's plain /invoke otherwise. The function's container is
    started before the test, so the first e-mail does not wait for a cold start."""
    emulator.admin("reset")
    emulator.configure(
        SEND_MAIL_ID,
        timeout=timeout,
        idle_timeout=3600,
        config={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "false",
            "SMTP_TIMEOUT": "10",
        },
    )
    emulator.admin("warm", {"function": SEND_MAIL_ID})
    settings.MAIL_DISPATCHER = "oci_functions"
    settings.MAIL_FN = {
        "ENDPOINT": emulator.url,
        "FUNCTION_ID": SEND_MAIL_ID,
        "AUTH": "config" if emulator.cloud else "none",
        "OCI_CONFIG_FILE": str(oci_config.path),
        "OCI_PROFILE": "OCIPIZZA",
    }
