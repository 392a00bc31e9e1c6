"""The Oracle backend (borneo over HTTP to the emulator subprocess) against the embedded SQLite backend
doing the same work, in the same run.

Usage: .venv/bin/python perf/bench_oracle.py [--rows 2000] [--repeat 1000]
Prints p50 in microseconds for get, put and a one-page query on each backend, and the oracle/sqlite
ratio. The Oracle side pays a network round trip, borneo's request building and the emulator's own work
(one Python process that filters and sorts queries itself), so the ratio measures the cost of the driver
path on this machine, not the speed of a real Oracle NoSQL Database.

With --faults [--budget 1.0] it prints instead how long the Oracle backend takes to answer under each of
the emulator's faults, against the request budget (REQUEST_TIMEOUT) of the same run: refused connections
should answer at once, throttling that clears well inside the budget, and faults that do not clear at
about the budget, never later. The tests check how each answer comes about, never its duration.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocipizza.settings.local")

import django

django.setup()

from emulators.nosql.tests.support import EmulatorProcess  # noqa: E402
from ocipizza.nosql import Eq, Query, StoreUnavailable  # noqa: E402
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


# (what goes wrong, the emulator's fault knobs, the operation tried); None: the budget plus one second.
FAULTS = [
    ("connections refused", {"refuse_connections": -1}, "get"),
    ("throttled twice, then clears", {"throttle_requests": 2}, "get"),
    ("throttled for good", {"throttle_requests": 10**6}, "put"),
    ("server errors for good", {"fail_after_commit": 10**6}, "put"),
    ("slower than the budget", {"latency_ms": None}, "get"),
]


def faults(emulator, budget: float) -> None:
    store = OracleStore(
        "faults", SCHEMA, {"MODE": "onprem", "ENDPOINT": emulator.url, "REQUEST_TIMEOUT": budget}
    )
    for statement in SCHEMA.statements:
        store.execute_ddl(statement)
    now = dt.datetime.now(dt.UTC)
    store.put("pizza", pizza(0, 1, now))
    operations = {
        "get": lambda: store.get("pizza", {"slug": "p0"}),
        "put": lambda: store.put("pizza", pizza(0, 1, now, name="x")),
    }
    print(f"Time to answer under each fault; the request budget (REQUEST_TIMEOUT) is {budget} s")
    print(f"{'fault':<30}{'operation':>10}{'answer':>18}{'seconds':>9}{'/ budget':>10}")
    try:
        for label, knobs, operation in FAULTS:
            emulator.admin("faults", {"clear": True})
            if knobs.get("latency_ms", 0) is None:
                knobs = {"latency_ms": int(budget * 1000) + 1000}
            emulator.admin("faults", knobs)
            start = time.perf_counter()
            try:
                operations[operation]()
                answer = "ok"
            except StoreUnavailable:
                answer = "StoreUnavailable"
            took = time.perf_counter() - start
            print(f"{label:<30}{operation:>10}{answer:>18}{took:>9.3f}{took / budget:>9.2f}x")
    finally:
        emulator.admin("faults", {"clear": True})
        store.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--faults", action="store_true", help="time the answers under faults instead")
    parser.add_argument("--budget", type=float, default=1.0, help="REQUEST_TIMEOUT for --faults, seconds")
    args = parser.parse_args()
    if not 0 < args.budget <= 10:
        parser.error("keep it bounded: 0 < --budget <= 10")
    emulator = EmulatorProcess().start()
    if args.faults:
        try:
            faults(emulator, args.budget)
        finally:
            emulator.stop()
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-oracle-"))
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
