"""A local emulator of the Oracle NoSQL Database HTTP proxy (protocol V4 / NSON), standard library only.

Run it with ``python -m emulators.nosql --port 8080``; see README.md beside this file.
"""

from .server import Emulator, make_server

__all__ = ["Emulator", "make_server"]
