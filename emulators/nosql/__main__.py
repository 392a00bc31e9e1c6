"""Command line: ``python -m emulators.nosql --host 127.0.0.1 --port 8080 [--data PATH] [--cloud] ...``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .server import Emulator, make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.nosql",
        description="Local emulator of the Oracle NoSQL Database HTTP proxy (see emulators/nosql/README.md).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080, 0 = any)")
    parser.add_argument("--data", help="SQLite file to keep tables and rows in (default: memory only)")
    parser.add_argument(
        "--cloud",
        action="store_true",
        help="behave like the cloud service: require a signed Authorization header, table limits, "
        "report consumed capacity",
    )
    parser.add_argument(
        "--throttle", type=int, default=0, metavar="N", help="throttle the first N data requests"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, metavar="MS", help="delay every data request by MS"
    )
    parser.add_argument(
        "--fail-after-commit",
        type=int,
        default=0,
        metavar="N",
        help="apply the next N writes, then answer SERVER_ERROR",
    )
    parser.add_argument(
        "--refuse-connections",
        type=int,
        default=0,
        metavar="N",
        help="reset the connection of the next N data requests (-1: all, until cleared at /_emulator/faults)",
    )
    parser.add_argument(
        "--error-requests",
        type=int,
        default=0,
        metavar="N",
        help="answer the next N requests with --error-code (e.g. 104 SECURITY_INFO_UNAVAILABLE)",
    )
    parser.add_argument(
        "--error-code",
        type=int,
        default=0,
        metavar="CODE",
        help="the proxy error code --error-requests answers with (see emulators/nosql/errors.py)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )

    if args.error_requests and not args.error_code:
        parser.error("--error-requests needs --error-code (for example 104, SECURITY_INFO_UNAVAILABLE)")
    try:
        emulator = Emulator(
            data=args.data,
            cloud=args.cloud,
            faults={
                "throttle_requests": args.throttle,
                "latency_ms": args.latency_ms,
                "fail_after_commit": args.fail_after_commit,
                "refuse_connections": args.refuse_connections,
                "error_requests": args.error_requests,
                "error_code": args.error_code,
            },
        )
    except ValueError as e:
        parser.error(str(e))
    server = make_server(args.host, args.port, emulator)
    host, port = server.server_address[:2]
    mode = "cloud" if args.cloud else "on-premises"
    print(f"Oracle NoSQL emulator ({mode}) listening on http://{host}:{port}", flush=True)

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        emulator.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
