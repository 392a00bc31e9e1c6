"""The embedded store shared by several processes, as gunicorn workers share it."""

import multiprocessing

from ocipizza.nosql import ConditionFailed
from ocipizza.nosql.backends.sqlite import SQLiteStore
from ocipizza.nosql.tests.conftest import CONTRACT_SCHEMA

WORKERS = 4
WINS_EACH = 15


def increment(path: str) -> list[bytes]:
    """One worker: win WINS_EACH if_version increments; returns the versions it won over."""
    store = SQLiteStore("worker", CONTRACT_SCHEMA, {"PATH": path})
    won = []
    while len(won) < WINS_EACH:
        row = store.get("item", {"id": "counter"})
        try:
            store.put(
                "item", {"id": "counter", "name": "counter", "qty": row["qty"] + 1}, if_version=row.version
            )
        except ConditionFailed:
            continue
        won.append(row.version)
    store.close()
    return won


def test_processes_racing_on_one_row_lose_no_update(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    store = SQLiteStore("main", CONTRACT_SCHEMA, {"PATH": path})
    for statement in CONTRACT_SCHEMA.statements:
        store.execute_ddl(statement)
    store.put("item", {"id": "counter", "name": "counter", "qty": 0})
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        results = pool.map(increment, [path] * WORKERS)
    versions = [version for won in results for version in won]
    assert len(versions) == len(set(versions)) == WORKERS * WINS_EACH, "two processes won over one version"
    assert store.get("item", {"id": "counter"})["qty"] == WORKERS * WINS_EACH
    assert store._connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
