import csv
import io
import json
import re
import threading
import time
import urllib.request
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from locations import database
from locations.selectors import cep_lookup
from locations.services import CEPDataError, cep_db_build, ranges_read, streets_db_default

from .conftest import CEPS, RANGES_CSV, write_streets_db


def shipped_ranges(settings) -> int:
    """How many municipality ranges data/cep_ranges.csv lists (its rows, less the header)."""
    with (settings.BASE_DIR / "data" / "cep_ranges.csv").open(encoding="utf-8", newline="") as source:
        return sum(1 for _ in csv.DictReader(source))


# The second version of the street data knows this CEP's street; the first only its city (São Paulo's
# range): how a test sees which file a lookup read.
NEW_CEP = "01310-200"


@pytest.fixture
def new_streets(tmp_path):
    return write_streets_db(tmp_path / "streets-v2.sqlite", {**CEPS, 1310200: (0, 0, 0, 0)})


def build(target, cep_sources, **options):
    ranges, streets = cep_sources
    return cep_db_build(
        target=target, ranges_csv=ranges, streets_db=options.pop("streets", streets), **options
    )


def test_the_build_reports_what_it_built(tmp_path, cep_sources):
    target = tmp_path / "cep.sqlite3"
    report = build(target, cep_sources)
    assert report.built and not report.up_to_date
    assert (report.ceps, report.ranges, report.streets, report.cities) == (9, 8, 8, 6)
    assert report.size_bytes == target.stat().st_size > 0
    assert target.stat().st_mode & 0o777 == 0o644  # readable by an app running as another user


def test_building_twice_from_the_same_sources_leaves_the_file_alone(tmp_path, cep_sources):
    target = tmp_path / "cep.sqlite3"
    build(target, cep_sources)
    before = target.stat()
    report = build(target, cep_sources)
    assert report.up_to_date and not report.built
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_force_rebuilds_into_a_new_file_and_new_sources_rebuild_by_themselves(
    tmp_path, cep_sources, new_streets
):
    target = tmp_path / "cep.sqlite3"
    build(target, cep_sources)
    first = target.stat().st_ino
    assert build(target, cep_sources, force=True).built
    assert target.stat().st_ino != first  # swapped in, not rewritten in place
    assert build(target, cep_sources, streets=new_streets).built


def test_a_dry_run_validates_and_counts_but_writes_nothing(tmp_path, cep_sources):
    target = tmp_path / "var" / "cep.sqlite3"
    report = build(target, cep_sources, dry_run=True)
    assert (report.built, report.ceps, report.ranges) == (False, 9, 8)
    assert not target.parent.exists()


def test_no_temporary_file_is_left_behind(tmp_path, cep_sources):
    target = tmp_path / "var" / "cep.sqlite3"
    build(target, cep_sources)
    build(target, cep_sources, force=True)
    assert [p.name for p in target.parent.iterdir()] == ["cep.sqlite3"]


def test_a_failed_build_keeps_the_old_database_serving(cep_db, cep_sources, tmp_path):
    ranges, _ = cep_sources
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    before = cep_db.stat().st_ino
    with pytest.raises(CEPDataError):
        cep_db_build(target=cep_db, ranges_csv=ranges, streets_db=broken, force=True)
    assert cep_db.stat().st_ino == before
    assert cep_lookup(cep="01310-100").logradouro == "Avenida Paulista"
    assert [p.name for p in cep_db.parent.iterdir()] == ["cep.sqlite3"]


@pytest.mark.parametrize(
    ("csv_text", "complaint"),
    [
        ("uf;city;cep_start;cep_end\n", "first line must be uf,city,cep_start,cep_end"),
        ("uf,city,cep_start,cep_end\n", "has no ranges"),
        ("uf,city,cep_start,cep_end\nXX,lugar,01000001,01000002\n", ":2: unknown UF 'XX'"),
        ("uf,city,cep_start,cep_end\nSP,,01000001,01000002\n", ":2: the city name is empty"),
        ("uf,city,cep_start,cep_end\nSP,são paulo,1000001,05999999\n", ":2: CEPs must be 8 digits"),
        (
            "uf,city,cep_start,cep_end\nSP,são paulo,05999999,01000001\n",
            ":2: the range 05999999-01000001 ends",
        ),
        (
            "uf,city,cep_start,cep_end\nSP,são paulo,01000001,05999999\nSP,osasco,05999999,06299999\n",
            ":3: 05999999 overlaps",
        ),
        (
            "uf,city,cep_start,cep_end\nSP,osasco,06000001,06299999\nSP,são paulo,01000001,05999999\n",
            ":3: 01000001 overlaps or precedes",
        ),
        ("uf,city,cep_start,cep_end\nSP,são paulo,01000001\n", ":2: expected 4 columns"),
    ],
)
def test_malformed_ranges_are_refused_with_the_line_to_fix(tmp_path, csv_text, complaint):
    path = tmp_path / "ranges.csv"
    path.write_text(csv_text, encoding="utf-8")
    with pytest.raises(CEPDataError, match=re.escape(complaint)):
        ranges_read(path=path)


def test_the_shipped_ranges_file_is_valid_and_covers_every_state(settings):
    ranges = ranges_read(path=settings.BASE_DIR / "data" / "cep_ranges.csv")
    assert len(ranges) == shipped_ranges(settings)  # every row read, none dropped
    assert len({r.uf for r in ranges}) == 27
    names = {r.city for r in ranges}
    assert {"São Paulo", "Santa Bárbara d'Oeste", "Embu das Artes", "Pedro II"} <= names


# --- the command ------------------------------------------------------------------------------------


def run_command(*args):
    out = io.StringIO()
    call_command("build_cep_db", *args, stdout=out)
    return out.getvalue()


def test_the_command_builds_with_a_progress_bar_then_finds_nothing_to_do(tmp_path, cep_sources):
    ranges, streets = cep_sources
    target = tmp_path / "cep.sqlite3"
    sources = ["--output", str(target), "--ranges", str(ranges), "--streets", str(streets)]
    output = run_command(*sources)
    assert "streets: 100%" in output and "ceps: 100%" in output
    assert f"Built {target}" in output
    assert "is up to date with these sources; nothing to do" in run_command(*sources)
    assert f"Built {target}" in run_command(*sources, "--force", "--no-progress")


def test_the_commands_dry_run_says_what_it_would_build(tmp_path, cep_sources):
    ranges, streets = cep_sources
    target = tmp_path / "cep.sqlite3"
    output = run_command(
        "--dry-run", "--output", str(target), "--ranges", str(ranges), "--streets", str(streets)
    )
    assert "Dry run: would build" in output
    assert "9 street-level CEPs" in output and "8 municipality ranges" in output
    assert "nothing was written" in output
    assert not target.exists()


def test_the_command_turns_bad_sources_into_a_clear_error(tmp_path, cep_sources):
    _, streets = cep_sources
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(CommandError, match=r"nowhere\.csv cannot be read"):
        run_command(
            "--output", str(tmp_path / "cep.sqlite3"), "--ranges", str(missing), "--streets", str(streets)
        )


# --- swapping the file under a running app -----------------------------------------------------------


def test_in_process_lookups_never_fail_while_the_database_is_rebuilt(
    cep_db, cep_sources, new_streets, monkeypatch
):
    # Every lookup checks the file, so readers switch files as often as they possibly can.
    monkeypatch.setattr(database, "RECHECK_SECONDS", 0.0)
    ranges, streets = cep_sources
    failures, seen = [], Counter()
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                assert cep_lookup(cep="01310-100").logradouro == "Avenida Paulista"
                assert cep_lookup(cep="06849-000").localidade == "Embu das Artes"
                seen["new" if cep_lookup(cep=NEW_CEP).is_street_level else "old"] += 1
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(8):
            cep_db_build(
                target=cep_db,
                ranges_csv=ranges,
                streets_db=new_streets if round_ % 2 == 0 else streets,
                force=True,
            )
            time.sleep(0.02)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert failures == []
    assert seen["new"] > 0 and seen["old"] > 0  # both versions were read: the swaps were seen


def test_the_api_keeps_answering_while_build_cep_db_replaces_the_file(
    live_server, settings, cep_db, cep_sources, new_streets, monkeypatch
):
    # The live server runs in this process: with no recheck interval every lookup checks the file, so
    # the first request after the build must read the new one.
    monkeypatch.setattr(database, "RECHECK_SECONDS", 0.0)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (1_000_000, 60)}
    ranges, _ = cep_sources
    failures, answers = [], Counter()
    stop = threading.Event()
    progress = threading.Condition()

    def client():
        while not stop.is_set():
            for cep, expected in (("01310-100", "Avenida Paulista"), ("06849-000", "")):
                try:
                    with urllib.request.urlopen(f"{live_server.url}/api/cep/{cep}/", timeout=5) as response:
                        body = json.load(response)
                    assert body["logradouro"] == expected, body
                    with progress:
                        answers["ok"] += 1
                        progress.notify_all()
                except BaseException as e:
                    with progress:
                        failures.append(e)
                        progress.notify_all()
                    return

    def answered(count):
        """Wait until the clients have had ``count`` good answers (or one failed)."""
        with progress:
            progress.wait_for(lambda: answers["ok"] >= count or failures, timeout=60)
            assert failures == [] and answers["ok"] >= count, "the clients stopped getting answers"

    threads = [threading.Thread(target=client) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        answered(10)  # the clients are being answered before the build
        out = io.StringIO()
        call_command(
            "build_cep_db",
            "--force",
            "--output",
            str(cep_db),
            "--ranges",
            str(ranges),
            "--streets",
            str(new_streets),
            stdout=out,
        )
        assert f"Built {cep_db}" in out.getvalue()
        with urllib.request.urlopen(f"{live_server.url}/api/cep/{NEW_CEP}/", timeout=5) as response:
            assert json.load(response)["precisao"] == "logradouro", "the rebuilt database was not picked up"
        answered(answers["ok"] + 10)  # and keep being answered, from the new file, after it
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert failures == []


# --- the real sources --------------------------------------------------------------------------------


def test_the_full_database_builds_from_the_real_sources(settings, tmp_path):
    """About 3 s and 45 MB of disk: the one test that reads all 1.1 million CEPs."""
    target = tmp_path / "cep.sqlite3"
    report = cep_db_build(
        target=target,
        ranges_csv=settings.BASE_DIR / "data" / "cep_ranges.csv",
        streets_db=streets_db_default(),
    )
    assert report.ceps > 1_000_000 and report.ranges == shipped_ranges(settings)
    settings.CEP_DB_PATH = target
    paulista = cep_lookup(cep="01310-100")
    assert (paulista.logradouro, paulista.bairro, paulista.localidade, paulista.uf) == (
        "Avenida Paulista",
        "Bela Vista",
        "São Paulo",
        "SP",
    )
    assert cep_lookup(cep="13450-001").localidade == "Santa Bárbara d'Oeste"
    assert cep_lookup(cep="06803-000").localidade == "Embu das Artes"
    maragogipe = cep_lookup(cep="44420-000")  # not in the street data: the municipality's range answers
    assert (maragogipe.localidade, maragogipe.uf, maragogipe.precisao) == ("Maragogipe", "BA", "cidade")
    assert RANGES_CSV.splitlines()[1] in (settings.BASE_DIR / "data" / "cep_ranges.csv").read_text()
