"""Schema evolution: ``nosql_migrate`` brings existing tables up to their declared shape, on every backend.

Each test creates tables from an older DDL (``OLD``) and writes rows with a store built on it, then runs
``nosql_migrate`` with a newer DDL (``NEW``) on the same database: the embedded file, or the Oracle NoSQL
emulator through borneo.
"""

import io
import sqlite3
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ocipizza.nosql import Eq, Query, SchemaError, StoreUnavailable
from ocipizza.nosql.backends.oracle import OracleStore
from ocipizza.nosql.backends.sqlite import SQLiteStore
from ocipizza.nosql.schema import Column, Schema, compare_table

SHOP = """CREATE TABLE IF NOT EXISTS shop (
    id STRING,
    name STRING,
    status ENUM(OPEN, CLOSED) DEFAULT OPEN,
    opened TIMESTAMP(3),
    PRIMARY KEY (id))"""
SALE = """CREATE TABLE IF NOT EXISTS shop.sale (
    sale_id STRING,
    total NUMBER,
    PRIMARY KEY (sale_id))"""
NAME_INDEX = "CREATE INDEX IF NOT EXISTS idx_shop_name ON shop (name)"
OLD = Schema((SHOP, SALE, NAME_INDEX))

NEW_SHOP = SHOP.replace(
    "PRIMARY KEY (id))",
    """half_and_half BOOLEAN DEFAULT TRUE,
    note STRING,
    rank INTEGER NOT NULL DEFAULT 5,
    PRIMARY KEY (id))""",
)
NEW_SALE = SALE.replace(
    "PRIMARY KEY (sale_id))", "paid BOOLEAN DEFAULT FALSE, tip NUMBER DEFAULT 2.50, PRIMARY KEY (sale_id))"
)
# An index on a column the migration adds: its ALTER must come first.
HALF_INDEX = "CREATE INDEX IF NOT EXISTS idx_shop_half ON shop (half_and_half, name)"
NEW = Schema((NEW_SHOP, NEW_SALE, NAME_INDEX, HALF_INDEX))


@pytest.fixture(params=["sqlite", "oracle"])
def make_store(request, tmp_path, settings):
    """``make_store(schema)``: a store on the test's one database (the same file, or the same emulator),
    and the same database as alias ``mig`` in NOSQL_STORES for ``nosql_migrate --store mig``."""
    if request.param == "sqlite":
        backend = "ocipizza.nosql.backends.sqlite.SQLiteStore"
        options = {"PATH": str(tmp_path / "migrate.sqlite3")}
    else:
        emulator = request.getfixturevalue("nosql_emulator")
        emulator.admin("reset")
        backend = "ocipizza.nosql.backends.oracle.OracleStore"
        options = {"MODE": "onprem", "ENDPOINT": emulator.url}
    made = []

    def make(schema: Schema):
        kind = SQLiteStore if request.param == "sqlite" else OracleStore
        store = kind("mig", schema, options)
        made.append(store)
        return store

    def configure(schema: Schema):
        settings.NOSQL_STORES = {
            **settings.NOSQL_STORES,
            "mig": {"BACKEND": backend, "OPTIONS": options, "SCHEMA": schema},
        }

    make.configure = configure
    make.backend = request.param
    yield make
    for store in made:
        store.close()


def create(make_store, schema: Schema):
    store = make_store(schema)
    for statement in schema.statements:
        store.execute_ddl(statement)
    return store


def migrate(make_store, schema: Schema, *args: str) -> str:
    make_store.configure(schema)
    out = io.StringIO()
    call_command("nosql_migrate", "--store", "mig", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_rows(make_store):
    """The OLD tables with a shop and its sale, and their versions."""
    old = create(make_store, OLD)
    shop = old.put("shop", {"id": "s1", "name": "Centro", "status": "CLOSED"})
    sale = old.put("shop.sale", {"id": "s1", "sale_id": "v1", "total": Decimal("59.90")})
    return {"shop": shop, "sale": sale}


def test_a_created_table_reports_the_columns_it_was_declared_with(make_store):
    store = create(make_store, NEW)
    for name in ("shop", "shop.sale"):
        existing = store.existing_columns(name)
        assert list(existing) == list(NEW[name].columns)
        assert compare_table(NEW[name], existing) == compare_table(NEW[name], NEW[name].columns)
        assert not compare_table(NEW[name], existing).statement
    columns = store.existing_columns("shop")
    assert columns["status"].enum_values == ("OPEN", "CLOSED") and columns["status"].default == "OPEN"
    assert columns["rank"].default == 5 and not columns["rank"].nullable
    assert columns["opened"].precision == 3


def test_migrate_adds_missing_columns_and_old_rows_read_their_defaults(make_store, old_rows):
    output = migrate(make_store, NEW)
    assert "altering table shop (adding half_and_half, note, rank) ... done" in output
    assert "altering table shop.sale (adding paid, tip) ... done" in output
    # The index on the new column is created after its column exists.
    assert output.index("altering table shop ") < output.index("creating index shop(idx_shop_half)")
    assert output.strip().endswith("1 table(s)/index(es) created, 2 table(s) altered.")

    store = make_store(NEW)
    shop = store.get("shop", {"id": "s1"})
    assert shop.value == {
        "id": "s1",
        "name": "Centro",
        "status": "CLOSED",
        "opened": None,
        "half_and_half": True,  # DEFAULT TRUE
        "note": None,  # no DEFAULT: null
        "rank": 5,
    }
    sale = store.get("shop.sale", {"id": "s1", "sale_id": "v1"})
    assert sale.value["paid"] is False and sale.value["tip"] == Decimal("2.50")
    # No row was rewritten: a write conditional on the version read before the migration still holds.
    assert (shop.version, sale.version) == (old_rows["shop"], old_rows["sale"])
    store.put("shop", {**shop.value, "note": "aberta"}, if_version=old_rows["shop"])

    # New rows write the new columns; old rows answer queries on them by their default.
    store.put("shop", {"id": "s2", "name": "Norte", "half_and_half": False, "rank": 1})
    assert store.get("shop", {"id": "s2"}).value["half_and_half"] is False
    halves = store.query(Query("shop", where=(Eq("half_and_half", True),)))
    assert [row["id"] for row in halves] == ["s1"]
    assert [row["note"] for row in halves] == ["aberta"]


def test_a_second_migrate_does_nothing(make_store, old_rows):
    migrate(make_store, NEW)
    output = migrate(make_store, NEW)
    assert "nothing to do" in output
    assert "altering" not in output and "creating" not in output


def test_dry_run_prints_the_alter_statements_and_changes_nothing(make_store, old_rows):
    output = migrate(make_store, NEW, "--dry-run")
    assert (
        "would alter table shop (adding half_and_half, note, rank): ALTER TABLE shop "
        "(ADD half_and_half BOOLEAN DEFAULT TRUE, ADD note STRING, ADD rank INTEGER NOT NULL DEFAULT 5)"
    ) in output
    assert "ALTER TABLE shop.sale (ADD paid BOOLEAN DEFAULT FALSE, ADD tip NUMBER DEFAULT 2.50)" in output
    assert output.strip().endswith("1 table(s)/index(es) would be created, 2 table(s) would be altered.")
    store = make_store(NEW)
    assert "half_and_half" not in store.existing_columns("shop")
    assert migrate(make_store, NEW, "--dry-run") == output


@pytest.mark.parametrize(
    ("changed", "says"),
    [
        (
            SHOP.replace("ENUM(OPEN, CLOSED)", "ENUM(OPEN, CLOSED, PAUSED)"),
            "shop.status: the database has ENUM(OPEN, CLOSED), tables.py declares ENUM(OPEN, CLOSED, PAUSED)",
        ),
        (
            SHOP.replace("name STRING", "name INTEGER"),
            "shop.name: the database has STRING, tables.py declares INTEGER",
        ),
        (
            SHOP.replace("TIMESTAMP(3)", "TIMESTAMP(6)"),
            "shop.opened: the database has TIMESTAMP(3), tables.py declares TIMESTAMP(6)",
        ),
    ],
    ids=["enum-values", "type", "timestamp-precision"],
)
def test_a_changed_type_is_refused_before_anything_changes(make_store, old_rows, changed, says):
    # The new sale columns could be added, but nothing is while a conflict stands.
    with pytest.raises(CommandError) as refused:
        migrate(make_store, Schema((changed, NEW_SALE, NAME_INDEX)))
    message = str(refused.value)
    assert message.startswith("nosql_migrate changed nothing")
    assert says in message
    assert "cannot change" in message and "declare a new column under another name" in message
    store = make_store(OLD)
    assert "paid" not in store.existing_columns("shop.sale")
    assert store.get("shop", {"id": "s1"}).version == old_rows["shop"]


def test_adding_a_column_the_table_has_is_a_schema_error(make_store, old_rows):
    store = make_store(NEW)
    store.execute_ddl("ALTER TABLE shop (ADD note STRING)")
    with pytest.raises(SchemaError, match="note"):
        store.execute_ddl("ALTER TABLE shop (ADD note STRING)")
    assert list(store.existing_columns("shop")).count("note") == 1


def test_undeclared_columns_and_changed_defaults_are_kept_with_a_note(make_store, old_rows):
    fewer = SHOP.replace("opened TIMESTAMP(3),", "").replace("DEFAULT OPEN", "DEFAULT CLOSED")
    output = migrate(make_store, Schema((fewer, SALE, NAME_INDEX)))
    assert "shop.opened is in the database but not in tables.py; it stays" in output
    assert "shop.status: the database has status ENUM(OPEN, CLOSED) DEFAULT OPEN" in output
    assert "nothing to do" in output
    assert "opened" in make_store(OLD).existing_columns("shop")


# --- the embedded store only ---------------------------------------------------------------------------


def test_sqlite_a_store_file_older_than_tables_py_says_to_migrate(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    old = SQLiteStore("old", OLD, {"PATH": path})
    for statement in OLD.statements:
        old.execute_ddl(statement)
    new = SQLiteStore("new", NEW, {"PATH": path})
    with pytest.raises(StoreUnavailable, match=r"lacks a column.*nosql_migrate"):
        new.put("shop", {"id": "s9", "name": "Sul"})


def test_sqlite_a_file_from_before_the_column_record_is_migrated_from_its_sql_types(tmp_path, settings):
    path = str(tmp_path / "legacy.sqlite3")
    old = SQLiteStore("old", OLD, {"PATH": path})
    for statement in OLD.statements:
        old.execute_ddl(statement)
    old.put("shop", {"id": "s1", "name": "Centro"})
    old.close()
    with sqlite3.connect(path) as conn:
        conn.execute('DROP TABLE "_nosql_schema"')
    settings.NOSQL_STORES = {
        **settings.NOSQL_STORES,
        "legacy": {
            "BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore",
            "OPTIONS": {"PATH": path},
            "SCHEMA": NEW,
        },
    }
    out = io.StringIO()
    call_command("nosql_migrate", "--store", "legacy", stdout=out)
    assert "altering table shop (adding half_and_half, note, rank) ... done" in out.getvalue()
    store = SQLiteStore("new", NEW, {"PATH": path})
    assert store.get("shop", {"id": "s1"}).value["rank"] == 5
    # A type SQL can tell apart is still caught without the record: STRING (TEXT) to INTEGER.
    changed = Schema((NEW_SHOP.replace("name STRING", "name INTEGER"), NEW_SALE))
    with sqlite3.connect(path) as conn:
        conn.execute('DROP TABLE "_nosql_schema"')
    settings.NOSQL_STORES["legacy"]["SCHEMA"] = changed
    from ocipizza.nosql import stores

    stores.reset()
    with pytest.raises(
        CommandError, match=r"shop\.name: the database has STRING, tables\.py declares INTEGER"
    ):
        call_command("nosql_migrate", "--store", "legacy", stdout=io.StringIO())


# --- compare_table on its own ---------------------------------------------------------------------------


def test_compare_table_refuses_a_missing_key_column():
    declared = Schema(("CREATE TABLE k (a STRING, b STRING, PRIMARY KEY (a, b))",))["k"]
    existing = {"a": Column("a", "STRING", nullable=False)}
    changes = compare_table(declared, existing)
    assert not changes.added
    assert changes.conflicts[0].startswith("k.b: tables.py declares a primary key column the table lacks")


def test_tables_py_cannot_hold_alter_statements():
    with pytest.raises(SchemaError, match="declare each table whole in its CREATE TABLE"):
        Schema((SHOP, "ALTER TABLE shop (ADD note STRING)"))
