"""The Fn emulator's own tests: real emulator subprocesses, functions run by the real fdk.

They need neither Django nor Redis: the project-wide autouse fixtures of the root conftest are
overridden here by no-ops, so ``pytest emulators/functions/tests -p no:django`` works on its own.
"""

from __future__ import annotations

import pytest

from .support import ECHO, ECHO_ID, SEND_MAIL, FnEmulatorProcess

# --- neutralize the project's autouse fixtures (they need Django settings and Redis) ---------------------


@pytest.fixture
def nosql_store():
    return None


@pytest.fixture
def fresh_cache():
    return None


@pytest.fixture
def media_root():
    return None


@pytest.fixture
def password_hasher():
    return None


@pytest.fixture
def default_language():
    return None


# --- emulator processes ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fn_server():
    """An Fn server (no auth) with the echo and send_mail functions and an app-wide setting."""
    process = FnEmulatorProcess("--config", "APP_WIDE=yes", functions=(ECHO, SEND_MAIL)).start()
    yield process
    process.stop()


@pytest.fixture
def fn(fn_server):
    """The module's Fn server with faults, logs and counters cleared and echo's settings restored."""
    fn_server.admin("reset")
    fn_server.configure(ECHO_ID, timeout=30, config={"GREETING": "olá da func.yaml"})
    return fn_server
