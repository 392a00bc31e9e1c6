"""The Fn emulator as a subprocess for tests: started and stopped by PID, driven over HTTP."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from emulators.functions.__main__ import default_id
from emulators.testing import ROOT, EmulatorSubprocess, wait_until

SEND_MAIL = ROOT / "functions" / "send_mail"
ECHO = Path(__file__).resolve().parent / "echo"
SEND_MAIL_ID = default_id("send-mail")
ECHO_ID = default_id("echo")


class FnEmulatorProcess(EmulatorSubprocess):
    """A running ``python -m emulators.functions``; ``admin()`` talks to its /_emulator/ endpoints."""

    module = "emulators.functions"
    name = "Fn emulator"
    start_seconds = 30.0  # it starts its functions' processes (fdk) before it listens
    admin_timeout = 30.0

    def __init__(self, *args: str, functions: tuple[Path, ...] = (SEND_MAIL,)):
        super().__init__(*args)
        self.cloud = "--cloud" in args
        self.functions = functions

    @property
    def command(self) -> list[str]:
        # --parent-pid: the emulator (and its functions) go when the test process does, even if killed.
        return [*super().command, "--parent-pid", str(os.getpid()), *map(str, self.functions)]

    def logs(
        self, call_id: str | None = None, *, until: str | None = None, timeout: float = 10.0
    ) -> list[str]:
        """The log lines (of one call); with ``until``, once a line holding that text has arrived.

        The lines reach the emulator through the containers' pipes, after the call's answer may have,
        as in Fn itself: a test reading a line it expects waits for it instead of racing the pipe.
        """
        query = f"?call_id={call_id}" if call_id else ""

        def read() -> list[str]:
            return [r["line"] for r in self.admin(f"logs{query}", method="GET")["lines"]]

        if until is None:
            return read()

        def arrived() -> list[str] | None:
            lines = read()
            return lines if any(until in line for line in lines) else None

        return wait_until(arrived, timeout=timeout, interval=0.05, what=f"a log line with {until!r}")

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
