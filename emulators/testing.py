"""A local emulator as a subprocess, for tests and benches: started, waited for, stopped by its PID.

Each emulator package's ``tests/support.py`` subclasses ``EmulatorSubprocess`` with its module and any
extra command-line arguments; ``admin()`` drives the ``/_emulator/`` endpoints they all serve.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float = 20.0, interval: float = 0.2, what: str = "the condition"):
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


class EmulatorSubprocess:
    module = ""  # e.g. "emulators.nosql"
    name = "emulator"  # for messages
    start_seconds = 15.0
    admin_timeout = 10.0

    def __init__(self, *args: str, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", self.module, "--port", str(self.port), *self.args]

    def start(self):
        # Its log goes to a file, not a pipe nobody reads (a full pipe would block the emulator).
        self.log = tempfile.NamedTemporaryFile(prefix=f"{self.module}-", suffix=".log")  # noqa: SIM115 - stop()
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.name} exited: {self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the {self.name} did not listen on port {self.port}: {self.output()}")

    def output(self) -> str:
        """What the emulator wrote to its stderr."""
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
        with urllib.request.urlopen(request, timeout=self.admin_timeout) as response:
            return json.loads(response.read())

    def stats(self) -> dict:
        return self.admin("requests", method="GET")
