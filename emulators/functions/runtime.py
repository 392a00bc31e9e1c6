"""Functions run as Fn runs them: a hot process per container, fdk listening on a unix socket.

Fn starts a function's image with ``FN_FORMAT=http-stream`` and ``FN_LISTENER=unix:/tmp/iofs/lsnr.sock``
plus the app's and the function's configuration as environment variables; the FDK binds a "phony"
socket, symlinks ``lsnr.sock`` to it once it serves, and then answers ``POST /call`` over HTTP/1.1.
Fn forwards each invocation there with ``Fn-Call-Id`` and ``Fn-Deadline``; the FDK answers 200, or 502
(the function raised) or 504 (it timed out), and anything else makes Fn discard the container.
This module does the same with a local process instead of a container.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("emulators.functions")

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # OCI Functions' limit for a synchronous invocation
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
LOGFRAME_NAME = "fn_call_id"  # what the FDK prints before each call's log lines (FN_LOGFRAME_NAME)
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
    # Credentials stop at the front door, as on OCI: the function never sees the caller's signature.
    "authorization",
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A 26-character ULID-like id (time-ordered), the shape of Fn's call and container ids."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class FnError(Exception):
    """An invocation that failed in the platform's terms: Fn's status and message, OCI's error code."""

    def __init__(self, status: int, message: str, oci_code: str):
        super().__init__(message)
        self.status = status
        self.message = message
        self.oci_code = oci_code


def function_failed():
    return FnError(502, "function failed", "FunctionInvokeExecutionFailed")


def response_error():
    return FnError(502, "error receiving function response", "FunctionInvokeExecutionError")


def invalid_response():
    return FnError(502, "invalid function response", "FunctionInvokeInvalidResponse")


def timed_out():
    return FnError(504, "Timed out", "FunctionInvokeTimeout")


def init_failed():
    return FnError(
        502,
        "Container failed to initialize, please ensure you are using the latest fdk and check the logs",
        "FunctionInvokeContainerInitFail",
    )


def init_timed_out():
    return FnError(
        504,
        "Container initialization timed out, please ensure you are using the latest fdk and check the logs",
        "FunctionInvokeContainerInitTimeout",
    )


def server_busy():
    return FnError(503, "Timed out - server too busy", "FunctionInvokeServiceUnavailable")


# --- func.yaml ------------------------------------------------------------------------------------


def parse_func_yaml(text: str) -> dict:
    """The subset of YAML that func.yaml uses: ``key: value`` and one level of nested mappings
    (``config:``, ``annotations:``); lists (``triggers:``) are skipped. No PyYAML needed."""
    result: dict = {}
    current: dict | None = None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip() or line.lstrip().startswith("-"):
            continue
        indented = line[0] in " \t"
        key, sep, value = line.strip().partition(":")
        if not sep:
            raise ValueError(f"func.yaml: cannot read the line {raw!r}")
        value = _scalar(value.strip())
        if indented:
            if current is not None:
                current[key.strip()] = value
            continue
        if value == "":
            current = result.setdefault(key.strip(), {})
        else:
            current = None
            result[key.strip()] = value
    return result


def _scalar(value: str):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


@dataclass(frozen=True)
class FunctionSpec:
    """What Fn reads from a function directory."""

    name: str
    directory: Path
    args: tuple[str, ...]  # the FDK's arguments: the module path and the handler's name
    timeout: float = 30.0
    idle_timeout: float = 30.0
    memory: int = 128
    config: dict = field(default_factory=dict)
    requirements: tuple[str, ...] = ()

    @classmethod
    def from_directory(cls, directory: str | Path) -> FunctionSpec:
        directory = Path(directory).resolve()
        path = directory / "func.yaml"
        if not path.is_file():
            raise ValueError(f"{directory} has no func.yaml: is it a function directory (fn init)?")
        data = parse_func_yaml(path.read_text())
        name = str(data.get("name") or directory.name)
        command = str(data.get("entrypoint") or data.get("cmd") or "")
        tokens = shlex.split(command)
        fdk = next((i for i, t in enumerate(tokens) if os.path.basename(t) == "fdk"), None)
        if fdk is None or len(tokens) < fdk + 2:
            raise ValueError(
                f"{path}: only the Python FDK's entrypoint is supported "
                f"('/python/bin/fdk /function/func.py handler'), not {command!r}"
            )
        args = tuple(
            str(directory / t[len("/function/") :]) if t.startswith("/function/") else t
            for t in tokens[fdk + 1 :]
        )
        if not Path(args[0]).is_file():
            raise ValueError(f"{path}: the entrypoint names {args[0]}, which does not exist")
        requirements = ()
        if (directory / "requirements.txt").is_file():
            requirements = tuple(
                line.split("#", 1)[0].strip()
                for line in (directory / "requirements.txt").read_text().splitlines()
                if line.split("#", 1)[0].strip()
            )
        config = data.get("config") if isinstance(data.get("config"), dict) else {}
        return cls(
            name=name,
            directory=directory,
            args=args,
            timeout=float(data.get("timeout") or 30),
            idle_timeout=float(data.get("idle_timeout") or 30),
            memory=int(data.get("memory") or 128),
            config={str(k): str(v) for k, v in config.items()},
            requirements=requirements,
        )


def check_requirements(python: str, requirements: tuple[str, ...]) -> list[str]:
    """Problems with the interpreter's packages against the function's requirements.txt (Fn would have
    installed them in the image): ``name==version`` pins are compared, other lines only looked up."""
    if not requirements:
        return []
    script = (
        "import sys, importlib.metadata as m\n"
        "for line in sys.argv[1:]:\n"
        "    name = line.split('==')[0].split('>')[0].split('<')[0].split('[')[0].strip()\n"
        "    try: print(line, m.version(name), sep='\\t')\n"
        "    except m.PackageNotFoundError: print(line, '', sep='\\t')\n"
    )
    out = subprocess.run(
        [python, "-c", script, *requirements], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    problems = []
    for row in out.splitlines():
        line, _, installed = row.partition("\t")
        if not installed:
            problems.append(f"{line}: not installed")
        elif "==" in line and line.split("==", 1)[1].strip() != installed:
            problems.append(f"{line}: {installed} is installed")
    return problems


# --- one hot container ----------------------------------------------------------------------------


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Container:
    """One function process; serves one call at a time, as Fn's hot containers do."""

    def __init__(self, function: Function, generation: int):
        self.function = function
        self.generation = generation
        self.id = new_id()
        self.iofs = tempfile.mkdtemp(prefix="fn-iofs-")
        self.listener = os.path.join(self.iofs, "lsnr.sock")
        self.process: subprocess.Popen | None = None
        self.last_used = time.monotonic()
        self.calls = 0

    def start(self, init_timeout: float) -> None:
        function = self.function
        env = function.environment(self.listener)
        command = [function.python, "-c", FDK_MAIN, *function.spec.args]
        self.process = subprocess.Popen(
            command,
            cwd=function.spec.directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills whatever it spawned
        )
        for stream, name in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr")):
            threading.Thread(target=self._pump, args=(stream, name), daemon=True).start()
        deadline = time.monotonic() + init_timeout
        # The FDK symlinks lsnr.sock to its phony socket only once it accepts connections.
        while not os.path.exists(self.listener):
            if self.process.poll() is not None:
                self.kill()
                raise init_failed()
            if time.monotonic() > deadline:
                self.kill()
                raise init_timed_out()
            time.sleep(0.01)

    def _pump(self, stream, name: str) -> None:
        current = None  # the call whose lines these are, from the FDK's log frames
        frame = re.compile(rf"^{LOGFRAME_NAME}=(\S+)$")
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if match := frame.match(line):
                current = match.group(1)
                continue
            if line:
                self.function.logs.add(self.function, self.id, current, name, line)
        stream.close()

    def call(self, *, call_id: str, headers: list[tuple[str, str]], body: bytes, deadline: float) -> Reply:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out()
        connection = _UnixHTTPConnection(self.listener, timeout=remaining)
        self.calls += 1
        try:
            connection.putrequest("POST", "/call", skip_accept_encoding=True)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP and key.lower() not in ("fn-call-id", "fn-deadline"):
                    connection.putheader(key, value)
            connection.putheader("Fn-Call-Id", call_id)
            wall = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=remaining)
            connection.putheader("Fn-Deadline", wall.strftime("%Y-%m-%dT%H:%M:%SZ"))
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            data = response.read(MAX_RESPONSE_BYTES + 1)
            reply = Reply(response.status, response.getheaders(), data)
        except TimeoutError:
            self.kill()  # the FDK may still be running the call: the container cannot continue
            raise timed_out() from None
        except (OSError, http.client.HTTPException) as e:
            log.warning("%s: no answer from container %s: %s", self.function.spec.name, self.id, e)
            self.kill()
            raise response_error() from e
        finally:
            connection.close()
        if len(reply.body) > MAX_RESPONSE_BYTES:
            raise FnError(502, "function response body too large", "FunctionInvokeResponseBodyTooLarge")
        if reply.status == 200:
            return reply
        if reply.status == 502:
            raise function_failed()
        if reply.status == 504:
            raise timed_out()
        self.kill()
        raise invalid_response()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        shutil.rmtree(self.iofs, ignore_errors=True)


# The FDK's own command-line entry point (the image's /python/bin/fdk), run by the chosen interpreter,
# with one addition: the process ends when the emulator is gone (killed without cleaning up), as a
# container ends with its host, instead of lingering on its socket.
FDK_MAIN = """\
import os, sys, threading, time
parent = os.getppid()
def orphaned():
    while os.getppid() == parent:
        time.sleep(1)
    import shutil
    shutil.rmtree(os.path.dirname(os.environ.get("FN_LISTENER", "")[len("unix:"):]), ignore_errors=True)
    os._exit(0)
threading.Thread(target=orphaned, daemon=True).start()
from fdk.scripts.fdk import main
sys.exit(main())
"""


# --- a function and its containers ----------------------------------------------------------------


class LogStore:
    """The functions' stdout and stderr lines, each tied to its call by the FDK's log frames."""

    def __init__(self, maxlen: int = 20000):
        self.lines: deque = deque(maxlen=maxlen)
        self.lock = threading.Lock()

    def add(self, function: Function, container_id: str, call_id: str | None, stream: str, line: str):
        record = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "app_id": function.app_id,
            "fn_id": function.id,
            "fn_name": function.spec.name,
            "container_id": container_id,
            "call_id": call_id,
            "stream": stream,
            "line": line,
        }
        # The emulator's own log first: whoever sees the line in a query finds it there too.
        log.info("%s %s %s | %s", function.spec.name, call_id or container_id, stream, line)
        with self.lock:
            self.lines.append(record)

    def query(self, *, call_id: str | None = None, fn_id: str | None = None) -> list[dict]:
        with self.lock:
            lines = list(self.lines)
        return [
            r for r in lines if (call_id is None or r["call_id"] == call_id) and (fn_id in (None, r["fn_id"]))
        ]

    def clear(self) -> None:
        with self.lock:
            self.lines.clear()


class Function:
    """A deployed function: its spec, configuration and pool of hot containers."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        function_id: str,
        app_id: str,
        app_name: str,
        app_config: dict,
        python: str,
        logs: LogStore,
        max_containers: int = 4,
        init_timeout: float = 10.0,
    ):
        self.spec = spec
        self.id = function_id
        self.app_id = app_id
        self.app_name = app_name
        self.app_config = dict(app_config)
        self.config = dict(spec.config)
        self.timeout = spec.timeout
        self.idle_timeout = spec.idle_timeout
        self.python = python
        self.logs = logs
        self.max_containers = max_containers
        self.init_timeout = init_timeout
        self.generation = 0
        self.idle: list[Container] = []
        self.busy = 0
        self.cold_starts = 0
        self.condition = threading.Condition()

    def environment(self, listener: str) -> dict:
        """What a container's process sees: a clean environment, the configuration, Fn's variables."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tempfile.gettempdir(),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.app_config)
        env.update(self.config)
        env.update(
            {
                "FN_FORMAT": "http-stream",
                "FN_LISTENER": f"unix:{listener}",
                "FN_APP_ID": self.app_id,
                "FN_APP_NAME": self.app_name,
                "FN_FN_ID": self.id,
                "FN_FN_NAME": self.spec.name,
                "FN_MEMORY": str(self.spec.memory),
                "FN_TYPE": "sync",
                "FN_LOGFRAME_NAME": LOGFRAME_NAME,
                "FN_LOGFRAME_HDR": "Fn-Call-Id",
            }
        )
        return env

    def acquire(self, *, deadline: float, cold_start_delay: float = 0.0) -> tuple[Container, bool]:
        """An idle container, or a new one (a cold start) while under ``max_containers``; waits for one
        to come free until ``deadline``, then answers as Fn does when it is too busy."""
        with self.condition:
            while True:
                while self.idle:
                    container = self.idle.pop()
                    if container.alive and container.generation == self.generation:
                        self.busy += 1
                        return container, False
                    container.kill()
                if self.busy < self.max_containers:
                    self.busy += 1
                    generation = self.generation
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise server_busy()
                self.condition.wait(remaining)
        try:
            if cold_start_delay > 0:
                time.sleep(cold_start_delay)
            container = Container(self, generation)
            container.start(self.init_timeout)
        except BaseException:
            with self.condition:
                self.busy -= 1
                self.condition.notify()
            raise
        with self.condition:
            self.cold_starts += 1
        log.info("%s: container %s started (cold start)", self.spec.name, container.id)
        return container, True

    def release(self, container: Container) -> None:
        container.last_used = time.monotonic()
        with self.condition:
            self.busy -= 1
            if container.alive and container.generation == self.generation:
                self.idle.append(container)
            else:
                container.kill()
            self.condition.notify()

    def recycle(self) -> None:
        """Drop every container (a configuration change restarts them, as in Fn)."""
        with self.condition:
            self.generation += 1
            idle, self.idle = self.idle, []
        for container in idle:
            container.kill()

    def reap(self) -> None:
        """Stop containers idle for longer than the function's idle timeout."""
        now = time.monotonic()
        with self.condition:
            stale = [c for c in self.idle if now - c.last_used > self.idle_timeout]
            self.idle = [c for c in self.idle if c not in stale]
        for container in stale:
            log.info("%s: container %s stopped, idle too long", self.spec.name, container.id)
            container.kill()

    def describe(self) -> dict:
        with self.condition:
            hot = len(self.idle) + self.busy
        return {
            "id": self.id,
            "name": self.spec.name,
            "app_id": self.app_id,
            "app_name": self.app_name,
            "directory": str(self.spec.directory),
            "timeout": self.timeout,
            "idle_timeout": self.idle_timeout,
            "memory": self.spec.memory,
            "config": {**self.app_config, **self.config},
            "containers": hot,
            "cold_starts": self.cold_starts,
        }


def default_python() -> str:
    return sys.executable
