"""The Oracle backend (borneo over HTTP to the emulator subprocess) against the embedded SQLite backend
doing the same work, in the same run.

Usage: .venv/bin/python perf/bench_oracle.py [--rows 2000] [--repeat 1000]
Prints p50 in microseconds for get, put and a one-page query on each backend, and the oracle/sqlite
ratio. The Oracle side pays a network round trip, borneo's request building and the emulator's own work
(one Python process that filters and sorts queries itself), so the ratio measures the cost of the driver
path on this machine, not the speed of a real Oracle NoSQL Database.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocipizza.settings.local")

import django

django.setup()

from emulators.nosql.tests.support import EmulatorProcess  # noqa: E402
from ocipizza.nosql import Eq, Query  # noqa: E402
from ocipizza.nosql.backends.oracle import OracleStore  # noqa: E402
from ocipizza.nosql.backends.sqlite import SQLiteStore  # noqa: E402
from ocipizza.nosql.tables import SCHEMA  # noqa: E402
from perf.timing import p50, timed  # noqa: E402


def pizza(n, rows, now, name=None):
    return {
        "slug": f"p{n % rows}",
        "name": name or f"Pizza {n % rows}",
        "category": f"c{n % rows % 10}",
        "price": Decimal("39.90"),
        "position": n % rows,
        "updated_at": now,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-oracle-"))
    emulator = EmulatorProcess().start()
    try:
        stores = {
            "oracle": OracleStore("bench", SCHEMA, {"MODE": "onprem", "ENDPOINT": emulator.url}),
            "sqlite": SQLiteStore("bench", SCHEMA, {"PATH": str(folder / "store.sqlite3")}),
        }
        now = dt.datetime.now(dt.UTC)
        rows = args.rows
        for name, store in stores.items():
            for statement in SCHEMA.statements:
                store.execute_ddl(statement)
            print(f"Loading {rows} rows into {name} ...", flush=True)
            for n in range(rows):
                store.put("pizza", pizza(n, rows, now))

        def cases(store):
            return {
                "get": lambda i: store.get("pizza", {"slug": f"p{i % rows}"}),
                "put": lambda i: store.put("pizza", pizza(i, rows, now, name="x")),
                "query (20 rows)": lambda i: store.query(
                    Query("pizza", where=[Eq("category", f"c{i % 10}")], order_by=["position"], limit=20)
                ),
            }

        oracle, sqlite = cases(stores["oracle"]), cases(stores["sqlite"])
        print(f"{'operation':<18}{'oracle p50 µs':>15}{'sqlite p50 µs':>15}{'ratio':>8}")
        for name in oracle:
            repeat = args.repeat if name != "put" else args.repeat // 2
            timed(oracle[name], 100), timed(sqlite[name], 100)  # warm up
            ours, base = p50(timed(oracle[name], repeat)), p50(timed(sqlite[name], repeat))
            print(f"{name:<18}{ours:>15.1f}{base:>15.1f}{ours / base:>7.1f}x")
        for store in stores.values():
            store.close()
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
