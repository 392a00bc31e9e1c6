"""``manage.py nosql_migrate`` taking a deployment to a new version of tables.py, as a process against the
Oracle NoSQL emulator: the project's own tables created from an older DDL (a column fewer, an ENUM value
fewer), then migrated. The same behaviour on both backends is in ocipizza/nosql/tests/test_migrate.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from borneo import GetRequest, PutRequest

from conftest import ROOT
from ocipizza.nosql.backends.oracle import OracleStore
from ocipizza.nosql.schema import Table
from ocipizza.nosql.tables import SCHEMA

pytestmark = pytest.mark.system


def older_ddl(table: Table, *, without: str | None = None, enum: str | None = None) -> str:
    """``table``'s CREATE TABLE without column ``without`` and with ENUM ``enum`` one value short."""
    own = [c for name, c in table.columns.items() if name != without]
    if table.parent:
        inherited = set(SCHEMA[table.parent].primary_key)
        own = [c for c in own if c.name not in inherited]
        key = [k for k in table.primary_key if k not in inherited]
    else:
        key = list(table.primary_key)
    columns = []
    for column in own:
        if column.name in key:
            column = column.__class__(column.name, column.type, enum_values=column.enum_values)
        elif column.name == enum:
            column = column.__class__(
                column.name, column.type, column.nullable, None, column.enum_values[:-1], column.precision
            )
        columns.append(column.ddl())
    ttl = f" USING TTL {table.ttl.value} {table.ttl.unit}" if table.ttl else ""
    return f"CREATE TABLE {table.name} ({', '.join(columns)}, PRIMARY KEY ({', '.join(key)})){ttl}"


def last_added_column(table: Table) -> str:
    return [name for name in table.columns if name not in table.primary_key][-1]


def run_migrate(emulator, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ocipizza.settings.test",
        "NOSQL_BACKEND": "oracle",
        "NOSQL_MODE": "onprem",
        "NOSQL_ENDPOINT": emulator.url,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "nosql_migrate", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def emulator(nosql_emulator):
    nosql_emulator.admin("reset")
    return nosql_emulator


def test_a_deployment_with_an_older_pizza_table_gains_the_column(emulator):
    pizza = SCHEMA["pizza"]
    added = last_added_column(pizza)
    store = OracleStore("old", SCHEMA, {"MODE": "onprem", "ENDPOINT": emulator.url})
    try:
        store.execute_ddl(older_ddl(pizza, without=added))
        handle = store.handle()
        handle.put(
            PutRequest().set_table_name("pizza").set_value({"slug": "margherita", "name": "Margherita"})
        )

        dry = run_migrate(emulator, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert (
            f"would alter table pizza (adding {added}): ALTER TABLE pizza (ADD {pizza.columns[added].ddl()})"
            in dry.stdout
        )
        assert added not in store.existing_columns("pizza")

        first = run_migrate(emulator)
        assert first.returncode == 0, first.stderr
        assert f"altering table pizza (adding {added}) ... done" in first.stdout
        tables_created = len(SCHEMA.statements) - 1  # every statement but pizza's CREATE TABLE
        assert f"{tables_created} table(s)/index(es) created, 1 table(s) altered." in first.stdout
        row = handle.get(GetRequest().set_table_name("pizza").set_key({"slug": "margherita"})).get_value()
        assert row[added] == pizza.columns[added].default  # the DEFAULT, or None without one

        second = run_migrate(emulator)
        assert second.returncode == 0, second.stderr
        assert "nothing to do" in second.stdout and "altering" not in second.stdout
    finally:
        store.close()


def test_an_enum_the_database_holds_differently_stops_the_migration(emulator):
    order = SCHEMA["user.order"]
    store = OracleStore("old", SCHEMA, {"MODE": "onprem", "ENDPOINT": emulator.url})
    try:
        store.execute_ddl(SCHEMA["user"].ddl)
        store.execute_ddl(older_ddl(order, enum="status"))
        result = run_migrate(emulator)
        assert result.returncode != 0
        assert "nosql_migrate changed nothing" in result.stderr
        assert "user.order.status: the database has ENUM(" in result.stderr
        assert "cannot change ENUM values" in result.stderr
        # Nothing was created either: the other tables are still missing.
        assert store.existing_tables() == {"user", "user.order"}
    finally:
        store.close()
