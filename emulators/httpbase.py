"""What the emulators' HTTP front ends share: a keep-alive handler, a threaded server, the binding of the two.

Standard library only, as the NoSQL emulator is.
"""

from __future__ import annotations

import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class EmulatorHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as the SDKs' connection pools expect; ``emulator`` is bound by serve()."""

    protocol_version = "HTTP/1.1"
    logger = logging.getLogger("emulators")  # each emulator's handler sets its own
    emulator = None

    def log_message(self, format: str, *args) -> None:
        self.logger.debug("%s - %s", self.address_string(), format % args)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle plus delayed ACKs add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _body(self) -> bytes:
        """The request body, sent with a Content-Length or chunked (as the oci SDK streams uploads)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(host: str, port: int, handler: type[EmulatorHandler], emulator) -> EmulatorServer:
    """A server (not yet serving) whose handler threads all see ``emulator``."""
    bound = type("BoundHandler", (handler,), {"emulator": emulator})
    return EmulatorServer((host, port), bound)
