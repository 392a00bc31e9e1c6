"""Embedded store against raw sqlite3 on the same kind of table, in the same run.

Usage: .venv/bin/python perf/bench_store.py [--rows 2000] [--repeat 3000]
Prints p50 in microseconds for get, put and a one-page query, and the store/raw ratio (goal: get ≤ 3x).
"""

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocipizza.settings.local")

import django

django.setup()

from ocipizza.nosql import Eq, Query  # noqa: E402
from ocipizza.nosql.backends.sqlite import SQLiteStore  # noqa: E402
from ocipizza.nosql.tables import SCHEMA  # noqa: E402
from perf.timing import p50, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    store = SQLiteStore("bench", SCHEMA, {"PATH": str(folder / "store.sqlite3")})
    for statement in SCHEMA.statements:
        store.execute_ddl(statement)
    now = dt.datetime.now(dt.UTC)
    print(f"Loading {args.rows} rows ...", flush=True)
    for n in range(args.rows):
        store.put(
            "pizza",
            {
                "slug": f"p{n}",
                "name": f"Pizza {n}",
                "category": f"c{n % 10}",
                "price": Decimal("39.90"),
                "position": n,
                "updated_at": now,
            },
        )

    raw = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute(
        "CREATE TABLE pizza (slug TEXT PRIMARY KEY, name TEXT, category TEXT, price TEXT, "
        "position INTEGER, updated_at TEXT) WITHOUT ROWID"
    )
    raw.execute("CREATE INDEX raw_cat ON pizza (category, position)")
    for n in range(args.rows):
        raw.execute(
            "INSERT INTO pizza VALUES (?, ?, ?, ?, ?, ?)",
            (f"p{n}", f"Pizza {n}", f"c{n % 10}", "39.90", n, now.isoformat()),
        )

    rows = args.rows
    cases = {
        "get": (
            lambda i: store.get("pizza", {"slug": f"p{i % rows}"}),
            lambda i: raw.execute("SELECT * FROM pizza WHERE slug = ?", (f"p{i % rows}",)).fetchone(),
        ),
        "put": (
            lambda i: store.put(
                "pizza",
                {
                    "slug": f"p{i % rows}",
                    "name": "x",
                    "category": f"c{i % rows % 10}",
                    "price": Decimal("41.90"),
                    "position": i % rows,
                    "updated_at": now,
                },
            ),
            lambda i: raw.execute(
                "INSERT OR REPLACE INTO pizza VALUES (?, ?, ?, ?, ?, ?)",
                (f"p{i % rows}", "x", f"c{i % rows % 10}", "41.90", i % rows, now.isoformat()),
            ),
        ),
        "query (20 rows)": (
            lambda i: store.query(
                Query("pizza", where=[Eq("category", f"c{i % 10}")], order_by=["position"], limit=20)
            ),
            lambda i: raw.execute(
                "SELECT * FROM pizza WHERE category = ? ORDER BY position, slug LIMIT 21", (f"c{i % 10}",)
            ).fetchall(),
        ),
    }
    print(f"{'operation':<18}{'store p50 µs':>14}{'raw p50 µs':>12}{'ratio':>8}")
    for name, (ours, theirs) in cases.items():
        repeat = args.repeat if name != "put" else args.repeat // 3
        timed(ours, 200), timed(theirs, 200)  # warm up
        mine, base = p50(timed(ours, repeat)), p50(timed(theirs, repeat))
        goal = "  (goal ≤ 3x)" if name == "get" else ""
        print(f"{name:<18}{mine:>14.1f}{base:>12.1f}{mine / base:>7.2f}x{goal}")


if __name__ == "__main__":
    main()
