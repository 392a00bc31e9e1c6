"""Start the emulator as a real subprocess and drive it with the official borneo driver.

These tests need neither Django nor Redis: the project-wide autouse fixtures of the root conftest are
overridden here by no-ops, so ``pytest emulators/nosql/tests -p no:django`` works on its own.
"""

from __future__ import annotations

import pytest

from .support import EmulatorProcess, make_handle

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


# --- the emulator process --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator():
    """One on-premises emulator for the session, started by PID and stopped by PID."""
    process = EmulatorProcess().start()
    yield process
    process.stop()


@pytest.fixture
def fresh(emulator):
    """The shared emulator, emptied: no tables, no faults, counters at zero."""
    emulator.admin("reset")
    return emulator


@pytest.fixture
def handle(fresh):
    handle = make_handle(fresh.url)
    yield handle
    handle.close()
