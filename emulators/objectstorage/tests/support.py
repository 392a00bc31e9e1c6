"""The Object Storage emulator as a subprocess, and SDK clients for it (shared with the app's tests)."""

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

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ObjectStorageProcess:
    """A running ``python -m emulators.objectstorage``, stopped by its PID; ``admin()`` drives its knobs."""

    def __init__(self, *args: str, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.process: subprocess.Popen | None = None
        self.namespace = "ocipizza"

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "emulators.objectstorage", "--port", str(self.port), *self.args]

    def start(self) -> ObjectStorageProcess:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
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
        raise RuntimeError(f"the Object Storage emulator did not listen on port {self.port}")

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

    def fresh(self, *buckets: str, public: tuple[str, ...] = ()) -> ObjectStorageProcess:
        """Empty the emulator (no buckets, no faults, counters at zero) and create ``buckets``."""
        self.admin("reset")
        for name in buckets:
            self.admin(
                "buckets", {"name": name, "publicAccessType": "ObjectRead" if name in public else None}
            )
        return self


def make_client(url: str, config_path, profile: str = "DEFAULT", *, timeout=(2, 10), retries: int = 0):
    """An ``ObjectStorageClient`` signing with the test key, pointed at the emulator, no SDK retries
    (tests see each failure as it happens) and no circuit breaker carried between tests."""
    import oci

    config = oci.config.from_file(str(config_path), profile)
    retry = (
        oci.retry.NoneRetryStrategy()
        if retries == 0
        else oci.retry.RetryStrategyBuilder(
            max_attempts=retries + 1,
            retry_base_sleep_time_seconds=0.05,
            retry_max_wait_between_calls_seconds=0.5,
        ).get_retry_strategy()
    )
    return oci.object_storage.ObjectStorageClient(
        config,
        service_endpoint=url,
        timeout=timeout,
        retry_strategy=retry,
        circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
    )
