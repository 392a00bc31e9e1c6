"""Shared pieces of the HTTP benchmarks: real gunicorn on loopback, keep-alive clients, bounded runs.

Every run is bounded in time and in requests, talks only to 127.0.0.1, and stops gunicorn by its PID.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS_PER_CLIENT = 200_000  # a bound even if the clock misbehaves
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                raise SystemExit(f"GET {path} answered {response.status}; is the app configured?")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port} within {timeout}s")


def client(args) -> tuple[int, int, float]:
    """One keep-alive connection sending the requests in turn until the deadline; (ok, errors, seconds).

    ``args`` is ``(port, requests, seconds, ok_statuses)``; a request is a path, or a tuple
    ``(method, path, body, headers)``.
    """
    port, requests, seconds, ok_statuses = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    ok = errors = 0
    started = time.perf_counter()
    deadline = started + seconds
    index = 0
    while time.perf_counter() < deadline and ok + errors < MAX_REQUESTS_PER_CLIENT:
        request = requests[index % len(requests)]
        index += 1
        method, path, body, headers = ("GET", request, None, {}) if isinstance(request, str) else request
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()  # the server closed a kept-alive connection: open another one
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            errors += 1
            continue
        if response.status in ok_statuses:
            ok += 1
        else:
            errors += 1
    connection.close()
    return ok, errors, time.perf_counter() - started


def load(pool, port: int, per_client: list[list], seconds: float, ok_statuses=(200,)) -> tuple[float, int]:
    """Successful requests per second across the clients (one request list each), and the failures."""
    results = pool.map(client, [(port, requests, seconds, ok_statuses) for requests in per_client])
    ok = sum(r[0] for r in results)
    return ok / max(r[2] for r in results), sum(r[1] for r in results)


@contextlib.contextmanager
def gunicorn(environment: dict, *, workers: int = 1, threads: int = 4, access_log: bool = False):
    """Start the app under real gunicorn (production settings) on a free port; yields the port."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocipizza.settings.production",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PERF_HELLO_VIEW": "true",
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    command = [
        sys.executable, "-m", "gunicorn", "ocipizza.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--keep-alive", "30", "--log-level", "warning",
    ]  # fmt: skip
    if not access_log:
        command += ["--access-logfile", os.devnull]
    # The server's own output goes to a file, shown only if it fails to start.
    with tempfile.TemporaryFile() as server_log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_for(port, "/perf/hello")
            except SystemExit:
                server_log.seek(0)
                sys.stderr.write(server_log.read().decode(errors="replace")[-4000:])
                raise
            yield port
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
