"""Command line: ``python -m emulators.functions [--port 8090] [--cloud --public-key PEM] DIR...``."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time

from ..ocisignature import Verifier
from .runtime import Function, FunctionSpec, LogStore, check_requirements, default_python
from .server import Emulator, make_server


def default_id(name: str) -> str:
    """An OCID-shaped id per function name, stable across restarts (so settings can name it)."""
    return "ocid1.fnfunc.oc1..emulator" + re.sub(r"[^a-z0-9]", "", name.lower())


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, not {text!r}")
    return key, value


def _stop_with(pid: int, server) -> None:
    while True:
        time.sleep(1)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"process {pid} is gone: stopping", file=sys.stderr, flush=True)
            server.shutdown()
            return
        except PermissionError:
            pass  # alive, someone else's


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.functions",
        description="Local Fn server and OCI Functions invoke endpoint running functions under the real "
        "fdk (see emulators/functions/README.md).",
    )
    parser.add_argument("functions", nargs="+", metavar="DIR", help="function directories (with func.yaml)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port to listen on (default 8090, 0 = any)")
    parser.add_argument("--app", default="ocipizza", help="the application's name (default ocipizza)")
    parser.add_argument(
        "--id",
        action="append",
        default=[],
        type=key_value,
        metavar="NAME=ID",
        help="a function's id (default ocid1.fnfunc.oc1..emulator<name>)",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        type=key_value,
        metavar="KEY=VALUE",
        help="application configuration, passed to every function as an environment variable "
        "(fn config app); func.yaml's config: is the function's own",
    )
    parser.add_argument(
        "--python",
        default=default_python(),
        help="the interpreter that runs the functions, with fdk and their requirements.txt installed "
        "(default: this one)",
    )
    parser.add_argument("--timeout", type=float, help="override every function's timeout (seconds)")
    parser.add_argument("--idle-timeout", type=float, help="override every function's idle timeout (seconds)")
    parser.add_argument(
        "--max-containers", type=int, default=4, help="hot containers per function (default 4)"
    )
    parser.add_argument(
        "--init-timeout", type=float, default=10.0, help="seconds a container may take to listen (default 10)"
    )
    parser.add_argument(
        "--cloud",
        action="store_true",
        help="behave like OCI Functions: only the signed /YYYYMMDD/functions/{id}/actions/invoke API",
    )
    parser.add_argument(
        "--public-key",
        metavar="PEM",
        help="verify request signatures with this public key (a private key file also does; "
        "default in --cloud: check everything but the RSA signature)",
    )
    parser.add_argument("--warm", action="store_true", help="start one container per function now")
    parser.add_argument(
        "--function-error", type=int, default=0, metavar="N", help="fail the next N calls (502)"
    )
    parser.add_argument(
        "--timeout-calls", type=int, default=0, metavar="N", help="time out the next N calls (504)"
    )
    parser.add_argument(
        "--cold-start-ms", type=int, default=0, metavar="MS", help="add MS to every cold start"
    )
    parser.add_argument(
        "--refuse-connections",
        type=int,
        default=0,
        metavar="N",
        help="reset the next N invocations' connections",
    )
    parser.add_argument(
        "--parent-pid",
        type=int,
        metavar="PID",
        help="stop when this process is gone (a test run killed before its teardown leaves nothing behind)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        stream=sys.stderr,
    )

    try:
        verifier = Verifier.from_files([args.public_key] if args.public_key else [])
    except (OSError, ValueError) as e:
        parser.error(f"--public-key: {e}; pass a PEM public key (or the private key's file)")
    ids = dict(args.id)
    logs = LogStore()
    functions = []
    try:
        for directory in args.functions:
            spec = FunctionSpec.from_directory(directory)
            if problems := check_requirements(args.python, spec.requirements):
                parser.exit(
                    2,
                    f"{spec.name}: the interpreter {args.python} lacks what requirements.txt asks for "
                    f"({'; '.join(problems)}).\nInstall them: {args.python} -m pip install -r "
                    f"{spec.directory / 'requirements.txt'}\n",
                )
            function = Function(
                spec,
                function_id=ids.get(spec.name) or default_id(spec.name),
                app_id=default_id(args.app).replace("fnfunc", "fnapp"),
                app_name=args.app,
                app_config=dict(args.config),
                python=args.python,
                logs=logs,
                max_containers=args.max_containers,
                init_timeout=args.init_timeout,
            )
            if args.timeout:
                function.timeout = args.timeout
            if args.idle_timeout:
                function.idle_timeout = args.idle_timeout
            functions.append(function)
    except subprocess.SubprocessError:
        parser.exit(2, f"could not ask {args.python} which packages it has: give --python a Python 3\n")
    except (OSError, ValueError) as e:
        parser.exit(2, f"{e}\n")
    emulator = Emulator(
        functions,
        logs=logs,
        cloud=args.cloud,
        verifier=verifier,
        faults={
            "function_error": args.function_error,
            "timeout": args.timeout_calls,
            "cold_start_ms": args.cold_start_ms,
            "refuse_connections": args.refuse_connections,
        },
    )
    server = make_server(args.host, args.port, emulator)
    host, port = server.server_address[:2]
    mode = "OCI Functions (signed)" if args.cloud else "Fn server"
    for function in functions:
        print(f"function {function.spec.name}: id {function.id}", flush=True)
        if args.warm:
            container, _cold = function.acquire(deadline=float("inf"))
            function.release(container)
            print(f"function {function.spec.name}: warm", flush=True)
    print(f"Fn emulator ({mode}) listening on http://{host}:{port}", flush=True)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.parent_pid:
        threading.Thread(target=_stop_with, args=(args.parent_pid, server), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
