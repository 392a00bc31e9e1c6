"""HTTP front end: Fn's invoke API, OCI Functions' invoke API, request signatures, fault knobs, admin."""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlparse

from ..httpbase import EmulatorHandler, EmulatorServer, serve
from ..ocisignature import SignatureError, Verifier
from .runtime import (
    HOP_BY_HOP,
    MAX_REQUEST_BYTES,
    FnError,
    Function,
    LogStore,
    function_failed,
    new_id,
    timed_out,
)

log = logging.getLogger("emulators.functions")

ADMIN_PREFIX = "/_emulator/"
FN_INVOKE = re.compile(r"^/invoke/([^/]+)$")
# The SDK's base path is the API version: 20181201 for years, newer SDKs send a newer date.
OCI_INVOKE = re.compile(r"^/(\d{8})/functions/([^/]+)/actions/invoke$")
NOT_FOUND = ("NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.")
NOT_AUTHENTICATED = (
    "NotAuthenticated",
    "The required information to complete authentication was not provided or was incorrect.",
)


@dataclass
class Faults:
    """Test knobs. Counters (-1 = until cleared) count down as invocations consume them."""

    function_error: int = 0  # the function fails as one that raised: 502 "function failed"
    timeout: int = 0  # the function runs past its timeout: 504 "Timed out" once it has elapsed
    refuse_connections: int = 0  # the connection is reset, as when the service is unreachable
    cold_start_ms: int = 0  # added to every container start, as an image pull would
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    KNOBS = ("function_error", "timeout", "refuse_connections", "cold_start_ms")

    def as_dict(self) -> dict:
        with self.lock:
            return {knob: getattr(self, knob) for knob in self.KNOBS}

    def update(self, values: dict) -> None:
        with self.lock:
            for key, value in values.items():
                if key not in self.KNOBS:
                    raise ValueError(f"unknown fault knob {key!r}; knobs: {', '.join(self.KNOBS)}")
                if isinstance(value, bool):
                    value = -1 if value else 0
                floor = 0 if key == "cold_start_ms" else -1
                if not isinstance(value, int) or value < floor:
                    raise ValueError(f"{key} must be an integer >= {floor}")
                setattr(self, key, value)

    def clear(self) -> None:
        self.update(dict.fromkeys(self.KNOBS, 0))

    def take(self, knob: str) -> bool:
        with self.lock:
            current = getattr(self, knob)
            if current == 0:
                return False
            if current > 0:
                setattr(self, knob, current - 1)
            return True


@dataclass(frozen=True)
class Outcome:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    call_id: str
    error: FnError | None = None


def oci_error(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def canonical(name: str) -> str:
    """Go's CanonicalHeaderKey, which is how Fn spells the headers it passes on."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class Emulator:
    """Everything the request threads share: the functions, faults, logs and counters."""

    def __init__(
        self,
        functions: list[Function],
        *,
        logs: LogStore,
        cloud: bool = False,
        verifier: Verifier | None = None,
        faults: dict | None = None,
    ):
        self.functions = {f.id: f for f in functions}
        self.logs = logs
        self.cloud = cloud
        self.verifier = verifier or Verifier()
        self.faults = Faults()
        if faults:
            self.faults.update(faults)
        self.lock = threading.Lock()
        self.stats: dict = {}
        self.reset_stats()
        self._stop = threading.Event()
        threading.Thread(target=self._reaper, daemon=True).start()

    def reset_stats(self) -> None:
        with self.lock:
            self.stats = {
                "invocations": 0,
                "statuses": {},
                "cold_starts": 0,
                "refused_connections": 0,
                "auth_failures": 0,
                "last_auth_failure": None,
                "last_key_id": None,
                "last_headers": {},
            }

    def snapshot(self) -> dict:
        with self.lock:
            out = json.loads(json.dumps(self.stats))
        out["cloud"] = self.cloud
        out["verifies_signatures"] = self.verifier.verifies
        out["faults"] = self.faults.as_dict()
        return out

    def find(self, key: str) -> Function | None:
        """By id, or by name for the admin endpoints' convenience."""
        if key in self.functions:
            return self.functions[key]
        return next((f for f in self.functions.values() if f.spec.name == key), None)

    def _reaper(self) -> None:
        while not self._stop.wait(1.0):
            for function in list(self.functions.values()):
                try:
                    function.reap()
                except Exception:  # the reaper must outlive any one failure
                    log.exception("reaping %s", function.spec.name)

    def close(self) -> None:
        self._stop.set()
        for function in self.functions.values():
            function.recycle()
            with function.condition:
                function.max_containers = 0

    def invoke(
        self, function: Function, headers: list[tuple[str, str]], body: bytes, call_id: str | None = None
    ) -> Outcome:
        """Run one call as Fn does; the answer is the function's, or Fn's error."""
        call_id = call_id or new_id()
        try:
            reply_headers, data = self._run(function, call_id, headers, body)
        except FnError as e:
            log.warning("%s call %s: %d %s", function.spec.name, call_id, e.status, e.message)
            self._count(e.status)
            return Outcome(e.status, [], b"", call_id, e)
        self._count(200)
        return Outcome(200, reply_headers, data, call_id)

    def _count(self, status: int) -> None:
        with self.lock:
            self.stats["invocations"] += 1
            key = str(status)
            self.stats["statuses"][key] = self.stats["statuses"].get(key, 0) + 1

    def _run(self, function: Function, call_id: str, headers, body: bytes):
        if len(body) > MAX_REQUEST_BYTES:
            raise FnError(413, "Request content too large", "PayloadTooLarge")
        start = time.monotonic()
        if self.faults.take("function_error"):
            self.logs.add(function, "-", call_id, "stderr", "emulator fault: the function raised")
            raise function_failed()
        if self.faults.take("timeout"):
            self.logs.add(function, "-", call_id, "stderr", "emulator fault: the function hangs (timeout)")
            time.sleep(function.timeout)
            raise timed_out()
        cold_delay = self.faults.as_dict()["cold_start_ms"] / 1000
        container, cold = function.acquire(deadline=start + function.timeout, cold_start_delay=cold_delay)
        if cold:
            with self.lock:
                self.stats["cold_starts"] += 1
        try:
            reply = container.call(
                call_id=call_id, headers=headers, body=body, deadline=time.monotonic() + function.timeout
            )
        finally:
            function.release(container)
        passed = [
            (canonical(k), v)
            for k, v in reply.headers
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("fn-call-id", "date", "server")
        ]
        return passed, reply.body


class Handler(EmulatorHandler):
    server_version = "FnEmulator/1.0"
    emulator: Emulator  # bound by make_server
    logger = log

    # --- plumbing ---------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload, extra: list[tuple[str, str]] | None = None) -> None:
        body = (json.dumps(payload) + "\n").encode()
        self._send(status, body, [("Content-Type", "application/json; charset=utf-8"), *(extra or [])])

    def _refuse(self) -> None:
        with self.emulator.lock:
            self.emulator.stats["refused_connections"] += 1
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _opc_request_id(self) -> str:
        # OCI answers the client's id followed by its own parts; without one, only its own.
        own = secrets.token_hex(16).upper()
        sent = self.headers.get("opc-request-id")
        return f"{sent}/{own}" if sent else own

    # --- verbs ------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlparse(self.path)
        emulator = self.emulator
        if url.path == ADMIN_PREFIX + "health":
            self._json(200, {"ok": True, "cloud": emulator.cloud})
        elif url.path == ADMIN_PREFIX + "requests":
            self._json(200, emulator.snapshot())
        elif url.path == ADMIN_PREFIX + "faults":
            self._json(200, emulator.faults.as_dict())
        elif url.path == ADMIN_PREFIX + "functions":
            self._json(200, {"functions": [f.describe() for f in emulator.functions.values()]})
        elif url.path == ADMIN_PREFIX + "logs":
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            lines = emulator.logs.query(call_id=query.get("call_id"), fn_id=query.get("fn_id"))
            self._json(200, {"lines": lines})
        elif url.path == "/version":
            self._json(200, {"version": "0.3.750-emulator"})
        elif url.path.startswith("/v2/") and not emulator.cloud:
            self._fn_api(url.path, {k: v[-1] for k, v in parse_qs(url.query).items()})
        else:
            self._not_found(url.path)

    def _fn_api(self, path: str, query: dict) -> None:
        """The read side of Fn's management API, enough for ``fn list`` / ``fn inspect`` / ``fn invoke``
        (which finds the function's ``fnproject.io/fn/invokeEndpoint`` annotation here)."""
        functions = list(self.emulator.functions.values())
        apps = {f.app_id: f for f in functions}
        host = self.headers.get("Host") or "127.0.0.1"

        def app_doc(f: Function) -> dict:
            return {"id": f.app_id, "name": f.app_name, "config": f.app_config, "annotations": {}}

        def fn_doc(f: Function) -> dict:
            return {
                "id": f.id,
                "name": f.spec.name,
                "app_id": f.app_id,
                "image": f"{f.spec.name}:emulator",
                "memory": f.spec.memory,
                "timeout": int(f.timeout),
                "idle_timeout": int(f.idle_timeout),
                "config": f.config,
                "annotations": {"fnproject.io/fn/invokeEndpoint": f"http://{host}/invoke/{f.id}"},
            }

        parts = path.strip("/").split("/")
        if parts[1:] == ["apps"]:
            items = [app_doc(f) for f in apps.values() if query.get("name") in (None, f.app_name)]
            self._json(200, {"items": items})
        elif len(parts) == 3 and parts[1] == "apps":
            found = apps.get(parts[2])
            if found is None:
                self._json(404, {"message": "App not found"})
            else:
                self._json(200, app_doc(found))
        elif parts[1:] == ["fns"]:
            items = [
                fn_doc(f)
                for f in functions
                if query.get("app_id") in (None, f.app_id) and query.get("name") in (None, f.spec.name)
            ]
            self._json(200, {"items": items})
        elif len(parts) == 3 and parts[1] == "fns":
            found = self.emulator.functions.get(parts[2])
            if found is None:
                self._json(404, {"message": "Fn not found"})
            else:
                self._json(200, fn_doc(found))
        else:
            self._json(404, {"message": "Path not found"})

    def do_POST(self) -> None:
        path = urlparse(self.path).path
        if path.startswith(ADMIN_PREFIX):
            self._admin(path[len(ADMIN_PREFIX) :])
        elif match := OCI_INVOKE.match(path):
            self._invoke(unquote(match.group(2)), oci=True)
        elif (match := FN_INVOKE.match(path)) and not self.emulator.cloud:
            self._invoke(unquote(match.group(1)), oci=False)
        else:
            self._body()
            self._not_found(path)

    def _not_found(self, path: str) -> None:
        if OCI_INVOKE.match(path) or self.emulator.cloud:
            self._json(404, oci_error(*NOT_FOUND), [("opc-request-id", self._opc_request_id())])
        else:
            self._json(404, {"message": "Path not found"})

    def _invoke(self, function_id: str, *, oci: bool) -> None:
        emulator = self.emulator
        with emulator.lock:
            emulator.stats["last_headers"] = {k.lower(): v for k, v in self.headers.items()}
        if emulator.faults.take("refuse_connections"):
            self._refuse()
            return
        body = self._body()
        extra = [("opc-request-id", self._opc_request_id())] if oci else []
        if oci and emulator.cloud:
            try:
                key_id = emulator.verifier.verify(
                    method=self.command,
                    target=self.path,
                    headers=self.headers,
                    body=body,
                    body_signed=self.command in ("POST", "PUT", "PATCH"),
                )
            except SignatureError as e:
                log.warning("refused an unauthenticated invocation: %s", e)
                with emulator.lock:
                    emulator.stats["auth_failures"] += 1
                    emulator.stats["last_auth_failure"] = str(e)
                self._json(401, oci_error(*NOT_AUTHENTICATED), extra)
                return
            with emulator.lock:
                emulator.stats["last_key_id"] = key_id
        function = emulator.functions.get(function_id)
        if function is None:
            if oci:
                self._json(404, oci_error(*NOT_FOUND), extra)
            else:
                self._json(404, {"message": "Fn not found"})
            return
        headers = list(self.headers.items())
        if (self.headers.get("Fn-Invoke-Type") or "").lower() == "detached":
            # Accepted now, run in the background; the caller never sees the answer (Fn's 202).
            call_id = new_id()
            threading.Thread(
                target=emulator.invoke, args=(function, headers, body, call_id), daemon=True
            ).start()
            self._send(202, b"", [*extra, ("Fn-Call-Id", call_id)])
            return
        outcome = emulator.invoke(function, headers, body)
        extra.append(("Fn-Call-Id", outcome.call_id))
        if outcome.error is not None:
            error = outcome.error
            payload = oci_error(error.oci_code, error.message) if oci else {"message": error.message}
            self._json(error.status, payload, extra)
            return
        self._send(outcome.status, outcome.body, [*outcome.headers, *extra])

    def _admin(self, name: str) -> None:
        emulator = self.emulator
        raw = self._body()
        try:
            payload = json.loads(raw) if raw.strip() else {}
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as e:
            self._json(400, {"error": f"invalid JSON: {e}"})
            return
        try:
            if name == "faults":
                if payload.pop("clear", False):
                    emulator.faults.clear()
                emulator.faults.update(payload)
                self._json(200, emulator.faults.as_dict())
            elif name == "reset":
                emulator.faults.clear()
                emulator.logs.clear()
                emulator.reset_stats()
                self._json(200, {"ok": True})
            elif name == "requests":
                if payload.get("reset"):
                    emulator.reset_stats()
                self._json(200, emulator.snapshot())
            elif name in ("config", "warm", "recycle"):
                function = emulator.find(str(payload.get("function", "")))
                if function is None:
                    names = ", ".join(f"{f.spec.name} ({f.id})" for f in emulator.functions.values())
                    raise ValueError(f"name a function by id or name: {names}")
                if name == "config":
                    self._configure(function, payload)
                elif name == "recycle":
                    function.recycle()
                else:
                    container, _cold = function.acquire(deadline=time.monotonic() + function.timeout)
                    function.release(container)
                self._json(200, function.describe())
            else:
                self._json(404, {"error": f"unknown admin endpoint {name}"})
        except ValueError as e:
            self._json(400, {"error": str(e)})
        except FnError as e:
            self._json(e.status, {"error": e.message})

    @staticmethod
    def _configure(function: Function, payload: dict) -> None:
        """Like ``fn config function`` / ``fn update function``: new settings restart the containers."""
        config = payload.get("config", {})
        if not isinstance(config, dict) or not all(isinstance(v, str | type(None)) for v in config.values()):
            raise ValueError("config must map names to strings (null removes one)")
        for key in ("timeout", "idle_timeout"):
            if key in payload and (not isinstance(payload[key], int | float) or payload[key] <= 0):
                raise ValueError(f"{key} must be a positive number of seconds")
        for key, value in config.items():
            if value is None:
                function.config.pop(key, None)
            else:
                function.config[key] = value
        function.timeout = float(payload.get("timeout", function.timeout))
        function.idle_timeout = float(payload.get("idle_timeout", function.idle_timeout))
        function.recycle()


def make_server(host: str, port: int, emulator: Emulator) -> EmulatorServer:
    return serve(host, port, Handler, emulator)
