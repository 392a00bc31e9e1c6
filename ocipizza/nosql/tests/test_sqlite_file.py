"""The embedded store's file: never created outside DDL (nosql_migrate), missing tables are a 503-kind
failure, a file put back is used at once, and readiness sees what serving needs."""

import io
import logging
import shutil

import pytest
from django.core.management import call_command

from ocipizza.nosql import StoreUnavailable, TableMissing, stores
from ocipizza.nosql.backends.sqlite import SQLiteStore
from ocipizza.nosql.tables import SCHEMA


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store" / "nosql.sqlite3"


def test_a_missing_file_is_never_created_by_a_request(path, caplog):
    store = SQLiteStore("default", SCHEMA, {"PATH": str(path)})
    with caplog.at_level(logging.ERROR), pytest.raises(StoreUnavailable, match="nosql_migrate"):
        store.get("pizza", {"slug": "calabresa"})
    assert not path.exists()
    assert "manage.py nosql_migrate" in caplog.text
    with pytest.raises(StoreUnavailable):
        store.ready()
    assert not path.exists()


def test_nosql_migrate_creates_the_missing_file(path, settings):
    settings.NOSQL_STORES = {
        "default": {"BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore", "OPTIONS": {"PATH": str(path)}}
    }
    call_command("nosql_migrate", stdout=io.StringIO())
    stores["default"].ready()
    assert path.exists()


def test_an_empty_file_in_place_is_unavailable_left_empty_and_not_ready(path):
    path.parent.mkdir()
    path.touch()
    store = SQLiteStore("default", SCHEMA, {"PATH": str(path)})
    with pytest.raises(StoreUnavailable, match="empty file"):
        store.get("pizza", {"slug": "calabresa"})
    with pytest.raises(StoreUnavailable, match="empty file"):
        store.ready()
    assert path.stat().st_size == 0  # not turned into an empty database


def test_a_store_without_its_tables_is_a_missing_table_and_not_ready(path):
    store = SQLiteStore("default", SCHEMA, {"PATH": str(path)})
    store.execute_ddl(SCHEMA.statements[0])  # a file nosql_migrate did not finish
    with pytest.raises(TableMissing) as raised:
        store.get("pizza", {"slug": "calabresa"})
    # A 503 for the pages (StoreUnavailable), and still a TableNotFound for the commands' advice.
    assert isinstance(raised.value, StoreUnavailable)
    with pytest.raises(TableMissing, match="nosql_migrate"):
        store.ready()


def test_a_file_put_back_is_used_without_a_restart(path):
    """The same thread's connection, opened on an empty file put in place, follows the real file back."""
    real = SQLiteStore("default", SCHEMA, {"PATH": str(path)})
    for statement in SCHEMA.statements:
        real.execute_ddl(statement)
    real.put("pizza", _pizza_row())
    real.close()
    shutil.move(path, path.with_suffix(".moved"))
    path.touch()  # someone's empty file in place of the store
    store = SQLiteStore("default", SCHEMA, {"PATH": str(path)})
    with pytest.raises(StoreUnavailable):
        store.get("pizza", {"slug": "calabresa"})
    path.unlink()
    shutil.move(path.with_suffix(".moved"), path)
    assert store.get("pizza", {"slug": "calabresa"})["slug"] == "calabresa"
    store.ready()


def _pizza_row() -> dict:
    """A pizza row with every column filled in from its declared type."""
    import datetime as dt
    from decimal import Decimal

    samples = {
        "STRING": "x",
        "INTEGER": 1,
        "LONG": 1,
        "DOUBLE": 1.0,
        "NUMBER": Decimal("1"),
        "BOOLEAN": True,
        "TIMESTAMP": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "JSON": {},
        "BINARY": b"x",
    }
    row = {}
    for name, column in SCHEMA.tables["pizza"].columns.items():
        row[name] = column.enum_values[0] if column.type == "ENUM" else samples[column.type]
    row["slug"] = "calabresa"
    return row
