"""The contract suite's store fixture: one parameter per backend, the same tests for each.

A backend joins the suite by adding a factory to ``BACKENDS``: called with the pytest ``request`` and
``tmp_path``, it returns a store built on ``CONTRACT_SCHEMA`` with every table created, and a function that
moves the store's clock forward.
"""

from collections.abc import Callable

import pytest

from ocipizza.nosql.backends.oracle import OracleStore
from ocipizza.nosql.backends.sqlite import SQLiteStore
from ocipizza.nosql.schema import Schema

CONTRACT_SCHEMA = Schema(
    (
        """CREATE TABLE IF NOT EXISTS item (
            id STRING,
            name STRING NOT NULL DEFAULT 'unnamed',
            qty INTEGER DEFAULT 0,
            big LONG,
            ratio DOUBLE,
            price NUMBER,
            active BOOLEAN DEFAULT TRUE,
            created TIMESTAMP(3),
            status ENUM(NEW, DONE) DEFAULT NEW,
            data JSON,
            blob BINARY,
            PRIMARY KEY (id))""",
        "CREATE INDEX IF NOT EXISTS idx_item_name ON item (name)",
        "CREATE INDEX IF NOT EXISTS idx_item_city ON item (data.city AS STRING)",
        """CREATE TABLE IF NOT EXISTS account (
            region STRING,
            id STRING,
            email STRING,
            PRIMARY KEY (SHARD(region), id))""",
        """CREATE TABLE IF NOT EXISTS account.purchase (
            purchase_id STRING,
            total NUMBER,
            placed TIMESTAMP(3),
            PRIMARY KEY (purchase_id))""",
        """CREATE TABLE IF NOT EXISTS token (
            hash STRING,
            owner STRING,
            PRIMARY KEY (hash)) USING TTL 1 DAYS""",
    )
)


def _sqlite(request, tmp_path) -> tuple[SQLiteStore, Callable[[float], None]]:
    store = SQLiteStore("contract", CONTRACT_SCHEMA, {"PATH": str(tmp_path / "contract.sqlite3")})
    for statement in CONTRACT_SCHEMA.statements:
        store.execute_ddl(statement)
    return store, store.advance_clock


def _oracle(request, tmp_path) -> tuple[OracleStore, Callable[[float], None]]:
    """borneo, over HTTP, to the session's emulator subprocess (root conftest), emptied for each test."""
    emulator = request.getfixturevalue("nosql_emulator")
    emulator.admin("reset")
    store = OracleStore("contract", CONTRACT_SCHEMA, {"MODE": "onprem", "ENDPOINT": emulator.url})
    for statement in CONTRACT_SCHEMA.statements:
        store.execute_ddl(statement)
    return store, lambda seconds: emulator.admin("clock", {"advance_seconds": seconds})


BACKENDS: dict[str, Callable] = {"sqlite": _sqlite, "oracle": _oracle}


@pytest.fixture(params=sorted(BACKENDS))
def contract(request, tmp_path):
    store, advance_clock = BACKENDS[request.param](request, tmp_path)
    yield store, advance_clock
    store.close()


@pytest.fixture
def store(contract):
    return contract[0]


@pytest.fixture
def advance_clock(contract):
    """Move the backend's clock forward by N seconds (TTL tests)."""
    return contract[1]
