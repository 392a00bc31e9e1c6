"""HTTP front end: the proxy's data path, the admin endpoints for tests, auth checks and fault knobs."""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from http import HTTPStatus
from urllib.parse import urlparse

from ..httpbase import EmulatorHandler, EmulatorServer, serve
from ..ocisignature import SignatureError, parse_authorization
from . import errors
from .service import PROXY_VERSION_HEADER, SERIAL_VERSION, Faults, Service, error_response, v3_error
from .store import Store

log = logging.getLogger("emulators.nosql")

DATA_PATHS = ("/V2/nosql/data", "/V0/nosql/data")
ADMIN_PREFIX = "/_emulator/"


def check_authorization(value: str | None) -> str | None:
    """Return an error message when the header is not an acceptable cloud credential, else None.

    The signature's shape only: NoSQL's emulator never verifies it (``emulators/ocisignature.py``).
    """
    if value is None or not value.strip():
        return "Authorization header is missing"
    value = value.strip()
    if value.startswith("Bearer ") and value[7:].strip():
        return None  # the legacy bearer form the cloud simulator also accepts
    try:
        parse_authorization(value)
    except SignatureError as e:
        return f"Invalid authorization header {value}: {e}"
    return None


class Emulator:
    """Everything a running emulator shares between request threads."""

    def __init__(self, *, data: str | None = None, cloud: bool = False, faults: dict | None = None):
        self.store = Store(data, cloud=cloud)
        self.faults = Faults()
        if faults:
            self.faults.update(faults)
        self.cloud = cloud
        self.service = Service(self.store, self.faults, cloud=cloud)
        self.lock = threading.Lock()
        self.requests = 0
        self.data_requests = 0
        self.refused = 0
        self.auth_failures = 0
        self.last_authorization: str | None = None
        self.last_headers: dict[str, str] = {}

    def set_cloud(self, cloud: bool) -> None:
        self.cloud = cloud
        self.store.cloud = cloud
        self.service.cloud = cloud

    def stats(self) -> dict:
        with self.lock:
            out = {
                "requests": self.requests,
                "data_requests": self.data_requests,
                "refused_connections": self.refused,
                "auth_failures": self.auth_failures,
                "last_authorization": self.last_authorization,
                "last_headers": dict(self.last_headers),
            }
        with self.service.stats_lock:
            out["operations"] = dict(self.service.op_counts)
        out["cloud"] = self.cloud
        out["faults"] = self.faults.as_dict()
        out["clock_offset_seconds"] = self.store.clock_offset_ms / 1000
        return out

    def reset_stats(self) -> None:
        with self.lock:
            self.requests = self.data_requests = self.refused = self.auth_failures = 0
            self.last_authorization = None
            self.last_headers = {}
        with self.service.stats_lock:
            self.service.op_counts.clear()


class Handler(EmulatorHandler):
    server_version = "OracleNoSQLEmulator/1.0"
    emulator: Emulator  # bound by make_server
    logger = log

    # --- plumbing ---------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _refuse(self) -> None:
        """Drop the connection with a reset, as a crashed or unreachable proxy would."""
        with self.emulator.lock:
            self.emulator.refused += 1
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _proxy_headers(self) -> dict:
        headers = {
            "x-nosql-version": PROXY_VERSION_HEADER,
            "x-nosql-serial-version": str(SERIAL_VERSION),
        }
        request_id = self.headers.get("x-nosql-request-id")
        if request_id:
            headers["x-nosql-request-id"] = request_id
        return headers

    # --- verbs ------------------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        path = urlparse(self.path).path
        if path in DATA_PATHS:
            if self.emulator.faults.take("refuse_connections"):
                self._refuse()
                return
            self._send(HTTPStatus.OK, b"", "application/octet-stream", self._proxy_headers())
        else:
            self._send(HTTPStatus.NOT_FOUND, b"", "text/plain")

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path == ADMIN_PREFIX + "requests":
            self._json(HTTPStatus.OK, self.emulator.stats())
        elif path == ADMIN_PREFIX + "faults":
            self._json(HTTPStatus.OK, self.emulator.faults.as_dict())
        elif path == ADMIN_PREFIX + "health":
            self._json(HTTPStatus.OK, {"ok": True, "cloud": self.emulator.cloud})
        elif path == ADMIN_PREFIX + "tables":
            self._json(HTTPStatus.OK, {"tables": self.emulator.store.list_tables()})
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def do_POST(self) -> None:
        path = urlparse(self.path).path
        if path.startswith(ADMIN_PREFIX):
            self._admin(path[len(ADMIN_PREFIX) :])
        elif path in DATA_PATHS:
            self._data()
        else:
            self._body()
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _data(self) -> None:
        emulator = self.emulator
        with emulator.lock:
            emulator.requests += 1
            emulator.data_requests += 1
            authorization = self.headers.get("Authorization")
            emulator.last_authorization = authorization
            emulator.last_headers = {
                key.lower(): value
                for key, value in self.headers.items()
                if key.lower()
                in (
                    "authorization",
                    "date",
                    "x-nosql-compartment-id",
                    "x-nosql-request-id",
                    "user-agent",
                    "host",
                )
            }
        if emulator.faults.take("refuse_connections"):
            self._refuse()
            return
        body = self._body()
        latency = emulator.faults.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)
        if not self.headers.get("x-nosql-request-id"):
            response = v3_error(errors.BAD_PROTOCOL_MESSAGE, "missing requestId in header")
        elif emulator.cloud and (problem := check_authorization(authorization)) is not None:
            with emulator.lock:
                emulator.auth_failures += 1
            response = error_response(errors.INVALID_AUTHORIZATION, problem)
        else:
            try:
                response = emulator.service.handle(body, self.headers.get("x-nosql-default-ns"))
            except Exception as e:  # a bug must still answer in-band, as the proxy does
                log.exception("unexpected error")
                response = error_response(errors.UNKNOWN_ERROR, f"Unexpected emulator error: {e!r}")
        self._send(HTTPStatus.OK, response, "application/octet-stream", self._proxy_headers())

    def _admin(self, name: str) -> None:
        emulator = self.emulator
        raw = self._body()
        try:
            payload = json.loads(raw) if raw.strip() else {}
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as e:
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"invalid JSON: {e}"})
            return
        try:
            if name == "faults":
                if payload.pop("clear", False):
                    emulator.faults.update(
                        {
                            "refuse_connections": 0,
                            "throttle_requests": 0,
                            "latency_ms": 0,
                            "fail_after_commit": 0,
                            "error_requests": 0,
                            "error_code": 0,
                        }
                    )
                emulator.faults.update(payload)
                self._json(HTTPStatus.OK, emulator.faults.as_dict())
            elif name == "clock":
                seconds = payload.get("advance_seconds", payload.get("seconds", 0))
                if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                    raise ValueError("advance_seconds must be a non-negative number")
                offset = emulator.store.advance_clock(seconds)
                self._json(
                    HTTPStatus.OK, {"clock_offset_seconds": offset / 1000, "now_ms": emulator.store.now_ms()}
                )
            elif name == "reset":
                emulator.store.reset()
                if payload.get("clock", True):
                    emulator.store.reset_clock()
                if payload.get("faults", True):
                    emulator.faults.update(
                        {
                            "refuse_connections": 0,
                            "throttle_requests": 0,
                            "latency_ms": 0,
                            "fail_after_commit": 0,
                            "error_requests": 0,
                            "error_code": 0,
                        }
                    )
                if payload.get("stats", True):
                    emulator.reset_stats()
                self._json(HTTPStatus.OK, {"ok": True})
            elif name == "config":
                if "cloud" in payload:
                    emulator.set_cloud(bool(payload["cloud"]))
                self._json(HTTPStatus.OK, {"cloud": emulator.cloud})
            elif name == "requests":
                if payload.get("reset"):
                    emulator.reset_stats()
                self._json(HTTPStatus.OK, emulator.stats())
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"unknown admin endpoint {name}"})
        except ValueError as e:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(e)})


def make_server(host: str, port: int, emulator: Emulator) -> EmulatorServer:
    return serve(host, port, Handler, emulator)
