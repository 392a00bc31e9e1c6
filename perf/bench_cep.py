"""The CEP API under real gunicorn against a hello-world view of the same server, in the same run; and
the in-process lookup against raw sqlite3 point lookups on the same file.

Usage: .venv/bin/python perf/bench_cep.py [--seconds 3] [--rounds 3] [--clients 2] [--workers 1] [--threads 4]

Prints requests/s of /perf/hello and /api/cep/<cep>/ and their ratio (goal: CEP API ≥ 0.60 of hello
world), then lookup p50 in microseconds against raw sqlite3 (goal: ≤ 5x). Builds the CEP database first
if it is missing or stale (settings.CEP_DB_PATH; --db to choose another file). Needs Redis on
127.0.0.1:6379, where the API's rate limit counts as in production (database 14; the limit is raised so
the benchmark is never refused, but every request still pays for the counter). Loopback only; every run
is bounded in time and in requests; gunicorn is stopped by its PID.
"""

import argparse
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocipizza.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from locations.database import STREET_QUERY  # noqa: E402
from locations.selectors import cep_lookup  # noqa: E402
from perf.httpbench import gunicorn, load  # noqa: E402

HELLO = "/perf/hello"
REDIS_URL = "redis://127.0.0.1:6379/14"


def sample_ceps(db_path: Path, count: int, seed: int = 6) -> tuple[list[int], list[str]]:
    """(street-level CEPs as integers, a request mix as typed: 80% street hits, 20% city fallbacks)."""
    rng = random.Random(seed)
    connection = sqlite3.connect(f"file:{quote(str(db_path))}?mode=ro", uri=True)
    low, high = connection.execute("SELECT min(cep), max(cep) FROM ceps").fetchone()
    streets: list[int] = []
    while len(streets) < count:
        row = connection.execute(
            "SELECT cep FROM ceps WHERE cep >= ? LIMIT 1", (rng.randint(low, high),)
        ).fetchone()
        if row:
            streets.append(row[0])
    ranges = connection.execute("SELECT cep_start, cep_end FROM city_ranges").fetchall()
    cities: list[int] = []
    while len(cities) < count // 4:
        start, end = rng.choice(ranges)
        candidate = rng.randint(start, end)
        if connection.execute("SELECT 1 FROM ceps WHERE cep = ?", (candidate,)).fetchone() is None:
            cities.append(candidate)
    connection.close()
    mix = [f"{cep:08d}" for cep in streets[: count * 4 // 5]] + [f"{cep:08d}" for cep in cities]
    rng.shuffle(mix)
    return streets, [f"{cep[:5]}-{cep[5:]}" if i % 2 else cep for i, cep in enumerate(mix)]


def p50_us(function, arguments, repeat: int) -> float:
    samples = []
    for index in range(repeat):
        argument = arguments[index % len(arguments)]
        start = time.perf_counter_ns()
        function(argument)
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def in_process(db_path: Path, streets: list[int], mix: list[str], repeat: int) -> None:
    settings.CEP_DB_PATH = db_path
    typed = [f"{cep:08d}" for cep in streets]
    raw = sqlite3.connect(db_path)
    raw_immutable = sqlite3.connect(f"file:{quote(str(db_path))}?mode=ro&immutable=1", uri=True)
    cases = [
        ("cep_lookup(), street level", lambda cep: cep_lookup(cep=cep), typed),
        ("cep_lookup(), request mix", lambda cep: cep_lookup(cep=cep), mix),
        (
            "raw sqlite3: ceps row by key",
            lambda n: raw.execute("SELECT * FROM ceps WHERE cep = ?", (n,)).fetchone(),
            streets,
        ),
        ("raw sqlite3: address by key", lambda n: raw.execute(STREET_QUERY, (n,)).fetchone(), streets),
        (
            "raw immutable: address by key",
            lambda n: raw_immutable.execute(STREET_QUERY, (n,)).fetchone(),
            streets,
        ),
    ]
    results = {}
    for name, function, arguments in cases:
        p50_us(function, arguments, 2000)  # warm the page cache and the statement cache
        results[name] = p50_us(function, arguments, repeat)
    print(f"\n{'in-process lookup':<32}{'p50 µs':>9}")
    for name, value in results.items():
        print(f"{name:<32}{value:>9.2f}")
    ours = results["cep_lookup(), street level"]
    for baseline in ("raw sqlite3: ceps row by key", "raw sqlite3: address by key"):
        print(f"cep_lookup / {baseline[13:]:<18}{ours / results[baseline]:>8.2f}x  (goal ≤ 5x)")


def measure(args, port: int, cep_paths: list[str]) -> None:
    print(
        f"gunicorn {args.workers} worker(s) x {args.threads} threads (gthread), access log "
        f"{'on' if args.access_log else 'off'}; {args.clients} client processes with keep-alive; "
        f"{args.seconds:g} s per run, best of {args.rounds}; 127.0.0.1"
    )
    best = {"hello": 0.0, "cep": 0.0}
    failures = 0
    with multiprocessing.Pool(args.clients) as pool:
        hello = [[HELLO]] * args.clients
        cep = [cep_paths[i :: args.clients] or cep_paths for i in range(args.clients)]
        load(pool, port, hello, 1.0)  # warm-up: imports, connections, page cache
        load(pool, port, cep, 1.0)
        for _ in range(args.rounds):
            for name, requests in (("hello", hello), ("cep", cep)):
                rate, errors = load(pool, port, requests, args.seconds)
                best[name] = max(best[name], rate)
                failures += errors
    print(f"\n{'view':<32}{'req/s':>9}")
    print(f"{'hello world (' + HELLO + ')':<32}{best['hello']:>9.0f}")
    print(f"{'CEP API (/api/cep/<cep>/)':<32}{best['cep']:>9.0f}")
    print(f"{'CEP API / hello world':<32}{best['cep'] / best['hello']:>9.2f}   (goal ≥ 0.60)")
    if failures:
        print(f"!! {failures} requests failed or were not 200")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", type=Path, default=settings.CEP_DB_PATH, help="CEP database (built if needed)"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each view, alternated; best is kept")
    parser.add_argument("--clients", type=int, default=2, help="client processes, one connection each")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument(
        "--access-log", action="store_true", help="keep gunicorn.conf.py's access log (to a discarded pipe)"
    )
    parser.add_argument("--repeat", type=int, default=20_000, help="in-process lookups per measurement")
    args = parser.parse_args()
    if not 0 < args.seconds <= 60 or not 0 < args.rounds <= 10 or not 0 < args.clients <= 16:
        parser.error("keep it bounded: --seconds ≤ 60, --rounds ≤ 10, --clients ≤ 16")

    print(f"CEP database: {args.db}")
    with open(os.devnull, "w") as quiet:
        call_command("build_cep_db", "--output", str(args.db), "--no-progress", stdout=quiet)
    streets, mix = sample_ceps(args.db, 4000)
    cep_paths = [f"/api/cep/{cep}/" for cep in mix]

    environment = {
        "REDIS_URL": REDIS_URL,
        "CEP_DB_PATH": str(args.db),
        "CEP_API_RATE_LIMIT": str(10**9),
    }
    with gunicorn(
        environment, workers=args.workers, threads=args.threads, access_log=args.access_log
    ) as port:
        measure(args, port, cep_paths)

    in_process(args.db, streets, mix, args.repeat)


if __name__ == "__main__":
    main()
