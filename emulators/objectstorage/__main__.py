"""Command line: ``python -m emulators.objectstorage --port 8081 [--bucket NAME[:public]] [--cloud] ...``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from ..ocisignature import Verifier
from .server import Emulator, make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.objectstorage",
        description="Local emulator of OCI Object Storage's REST API (emulators/objectstorage/README.md).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081, 0 = any)")
    parser.add_argument(
        "--data", metavar="PATH", help="file to keep buckets and objects in across restarts (default: memory)"
    )
    parser.add_argument("--namespace", default="ocipizza", help="the tenancy's namespace (default ocipizza)")
    parser.add_argument(
        "--bucket",
        action="append",
        default=[],
        metavar="NAME[:public]",
        help="create this bucket at start (':public': objects readable without a signature); repeatable",
    )
    parser.add_argument(
        "--cloud",
        action="store_true",
        help="require signed requests (OCI HTTP signatures), as the cloud service does",
    )
    parser.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="PEM",
        help="verify signatures with this public key (a private key file also does); repeatable. "
        "Without one, --cloud checks everything but the RSA signature",
    )
    parser.add_argument("--latency-ms", type=int, default=0, metavar="MS", help="delay every request by MS")
    parser.add_argument(
        "--fail-requests",
        type=int,
        default=0,
        metavar="N",
        help="answer the next N requests with --error-status",
    )
    parser.add_argument(
        "--fail-skip",
        type=int,
        default=0,
        metavar="N",
        help="let N requests through before --fail-requests starts",
    )
    parser.add_argument(
        "--error-status", type=int, default=503, help="status of injected failures (default 503)"
    )
    parser.add_argument(
        "--refuse-connections",
        type=int,
        default=0,
        metavar="N",
        help="reset the connection of the next N requests (-1: all, until cleared at /_emulator/faults)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )

    try:
        verifier = Verifier.from_files(args.public_key)
    except (OSError, ValueError) as e:
        parser.error(f"--public-key: {e}; pass a PEM public key (or the private key's file)")
    try:
        emulator = Emulator(
            namespace=args.namespace,
            data=args.data,
            cloud=args.cloud,
            verifier=verifier,
            faults={
                "latency_ms": args.latency_ms,
                "fail_requests": args.fail_requests,
                "fail_skip": args.fail_skip,
                "error_status": args.error_status,
                "refuse_connections": args.refuse_connections,
            },
        )
    except ValueError as e:
        parser.error(str(e))
    for spec in args.bucket:
        name, _, access = spec.partition(":")
        if access not in ("", "public"):
            parser.error(f"--bucket {spec}: write NAME or NAME:public")
        if name in emulator.store.buckets:  # kept in --data from an earlier run
            continue
        emulator.store.create_bucket(
            args.namespace, name, public_access_type="ObjectRead" if access else "NoPublicAccess"
        )
    server = make_server(args.host, args.port, emulator)
    host, port = server.server_address[:2]
    checked = "verified" if verifier.verifies else "checked but not verified (no --public-key)"
    mode = f"cloud, signatures {checked}" if args.cloud else "open"
    print(
        f"OCI Object Storage emulator ({mode}) listening on http://{host}:{port}, namespace {args.namespace}",
        flush=True,
    )

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
