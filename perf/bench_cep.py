"""The CEP API against the hello-world app outside the project (through ``perf/run.py``), and the
in-process lookup against raw sqlite3 point lookups on the same file.

Usage: .venv/bin/python perf/bench_cep.py [--db PATH] [--repeat 20000] [perf/run.py options...]

First the HTTP part: ``perf/run.py --pages floor,cep --growth cep`` in its own process (the CEP API and the
middleware floor paired with the outside hello world, goal CEP API ≥ 0.70, and the cost across the range
of CEPs; options this script does not know go to it, e.g. ``--seconds 3 --pairs 3 --reference PATH``).
Then lookup p50 in microseconds against raw sqlite3 (goal: ≤ 5x), on the CEP database at ``--db``,
built first if it is missing or stale (default settings.CEP_DB_PATH).
"""

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", type=Path, default=settings.CEP_DB_PATH, help="CEP database (built if needed)"
    )
    parser.add_argument("--repeat", type=int, default=20_000, help="in-process lookups per measurement")
    args, runner_args = parser.parse_known_args()

    runner = [sys.executable, str(ROOT / "perf" / "run.py"), "--pages", "floor,cep", "--growth", "cep"]
    done = subprocess.run([*runner, *runner_args], check=False)
    if done.returncode:
        raise SystemExit(done.returncode)

    print(f"\nCEP database: {args.db}")
    with open(os.devnull, "w") as quiet:
        call_command("build_cep_db", "--output", str(args.db), "--no-progress", stdout=quiet)
    streets, mix = sample_ceps(args.db, 4000)
    in_process(args.db, streets, mix, args.repeat)


if __name__ == "__main__":
    main()
