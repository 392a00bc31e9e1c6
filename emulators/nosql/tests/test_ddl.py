"""Table DDL through TableRequest/GetTableRequest/ListTablesRequest/GetIndexesRequest."""

from __future__ import annotations

import json

import pytest
from borneo import (
    GetIndexesRequest,
    GetTableRequest,
    IllegalArgumentException,
    IndexExistsException,
    IndexNotFoundException,
    ListTablesRequest,
    State,
    TableExistsException,
    TableNotFoundException,
    TableRequest,
)

from .support import ddl

pytestmark = pytest.mark.system

USERS = """CREATE TABLE users (
    id INTEGER,
    name STRING NOT NULL DEFAULT 'anon',
    score DOUBLE,
    balance NUMBER DEFAULT 0,
    active BOOLEAN DEFAULT TRUE,
    born TIMESTAMP(3),
    kind ENUM(BASIC, GOLD) NOT NULL DEFAULT BASIC,
    photo BINARY,
    doc JSON,
    PRIMARY KEY (id)) USING TTL 5 DAYS"""


def test_create_table_returns_active_with_schema(handle):
    result = ddl(handle, USERS)
    assert result.get_state() == State.ACTIVE
    assert result.get_table_name() == "users"
    schema = json.loads(result.get_schema())
    assert schema["primaryKey"] == ["id"]
    assert schema["shardKey"] == ["id"]
    assert schema["ttl"] == "5 DAYS"
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["born"] == {"name": "born", "type": "TIMESTAMP", "nullable": True, "precision": 3}
    assert fields["kind"]["symbols"] == ["BASIC", "GOLD"] and fields["kind"]["default"] == "BASIC"
    assert fields["name"]["default"] == "anon" and fields["name"]["nullable"] is False

    table = handle.get_table(GetTableRequest().set_table_name("USERS"))
    assert table.get_state() == State.ACTIVE
    assert table.get_table_name() == "users"


def test_create_existing_table(handle):
    ddl(handle, USERS)
    with pytest.raises(TableExistsException):
        ddl(handle, USERS)
    again = ddl(handle, USERS.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
    assert again.get_state() == State.ACTIVE


def test_drop_table(handle):
    ddl(handle, USERS)
    result = ddl(handle, "DROP TABLE users")
    assert result.get_state() == State.DROPPED
    with pytest.raises(TableNotFoundException):
        handle.get_table(GetTableRequest().set_table_name("users"))
    with pytest.raises(TableNotFoundException):
        ddl(handle, "DROP TABLE users")
    assert ddl(handle, "DROP TABLE IF EXISTS users").get_state() == State.DROPPED


def test_child_table_inherits_parent_key(handle):
    ddl(handle, "CREATE TABLE orders (shop STRING, id LONG, total NUMBER, PRIMARY KEY (SHARD(shop), id))")
    child = ddl(handle, "CREATE TABLE orders.items (line INTEGER, sku STRING, PRIMARY KEY (line))")
    schema = json.loads(child.get_schema())
    assert schema["name"] == "orders.items"
    assert schema["parent"] == "orders"
    assert schema["primaryKey"] == ["shop", "id", "line"]
    assert schema["shardKey"] == ["shop"]
    assert [f["name"] for f in schema["fields"]] == ["shop", "id", "line", "sku"]
    tables = handle.list_tables(ListTablesRequest()).get_tables()
    assert tables == ["orders", "orders.items"]
    with pytest.raises(IllegalArgumentException, match="child tables"):
        ddl(handle, "DROP TABLE orders")
    with pytest.raises(TableNotFoundException):
        ddl(handle, "CREATE TABLE nothing.items (line INTEGER, PRIMARY KEY (line))")
    with pytest.raises(IllegalArgumentException, match="shard key"):
        ddl(handle, "CREATE TABLE orders.notes (n INTEGER, PRIMARY KEY (SHARD(n)))")
    ddl(handle, "DROP TABLE orders.items")
    ddl(handle, "DROP TABLE orders")


def test_indexes(handle):
    ddl(handle, USERS)
    ddl(handle, "CREATE INDEX by_name ON users (name, doc.city AS STRING)")
    with pytest.raises(IndexExistsException):
        ddl(handle, "CREATE INDEX by_name ON users (name)")
    ddl(handle, "CREATE INDEX IF NOT EXISTS by_name ON users (name)")
    indexes = handle.get_indexes(GetIndexesRequest().set_table_name("users")).get_indexes()
    assert [(i.get_index_name(), i.get_field_names()) for i in indexes] == [("by_name", ["name", "doc.city"])]
    with pytest.raises(IllegalArgumentException, match="AS <type>"):
        ddl(handle, "CREATE INDEX by_doc ON users (doc.city)")
    with pytest.raises(IllegalArgumentException, match="does not exist"):
        ddl(handle, "CREATE INDEX by_x ON users (nothing)")
    ddl(handle, "DROP INDEX by_name ON users")
    with pytest.raises(IndexNotFoundException):
        ddl(handle, "DROP INDEX by_name ON users")
    ddl(handle, "DROP INDEX IF EXISTS by_name ON users")


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("CREATE TABLE t (id INTEGER, name STRING NOT NULL, PRIMARY KEY (id))", "without a default value"),
        ("CREATE TABLE t (id INTEGER NOT NULL, PRIMARY KEY (id))", "without a default value"),
        (
            "CREATE TABLE t (id INTEGER, doc JSON NOT NULL, PRIMARY KEY (id))",
            "cannot be created as not-nullable",
        ),
        ("CREATE TABLE t (id INTEGER, doc JSON DEFAULT 1, PRIMARY KEY (id))", "cannot have default values"),
        ("CREATE TABLE t (id INTEGER, n INTEGER DEFAULT '5', PRIMARY KEY (id))", "Quoted default value"),
        ("CREATE TABLE t (id INTEGER, s STRING DEFAULT 5, PRIMARY KEY (id))", "Numeric default value"),
        ("CREATE TABLE t (id INTEGER, name STRING)", "needs a primary key"),
        ("CREATE TABLE t (doc JSON, PRIMARY KEY (doc))", "cannot be a key"),
        ("CREATE TABLE t (id INTEGER DEFAULT 1, PRIMARY KEY (id))", "can not have default values"),
        ("CREATE TABLE t (id INTEGER, tags ARRAY(STRING), PRIMARY KEY (tags))", "cannot be a key"),
        ("CREATE TABLE t (id STRING GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (id))", "INTEGER, LONG"),
        ("CREATE TABLE t (id INTEGER, PRIMARY KEY (id)) USING TTL 5 MINUTES", "only DAYS and HOURS"),
        ("ALTER TABLE t (MODIFY x)", "not supported by the emulator: ALTER TABLE"),
        ("ALTER TABLE t ADD REGIONS sp", "not supported by the emulator: ALTER TABLE ... ADD REGIONS"),
        ("ALTER TABLE t FREEZE SCHEMA", "not supported by the emulator: ALTER TABLE ... FREEZE SCHEMA"),
        ("ALTER TABLE t ADD x INTEGER", "expected '\\(' before the field changes"),
        ("CREATE TABLE t (id INTEGER, PRIMARY KEY (id)", "Syntax error"),
        ("SELECT * FROM t", "TableRequest can not be used for SELECT statement, use QueryRequest instead"),
        ("DELETE FROM t", "TableRequest can not be used for UPDATE statement"),
        ("SHOW TABLES", "SHOW statement is not supported"),
        ("CREATE USER u IDENTIFIED BY 'p'", "CREATE USER statement is not supported"),
    ],
)
def test_bad_ddl_is_refused(handle, statement, message):
    with pytest.raises(IllegalArgumentException, match=message):
        ddl(handle, statement)


def test_limits_only_request_is_cloud_only(handle):
    from borneo import OperationNotSupportedException, TableLimits

    ddl(handle, USERS)
    request = TableRequest().set_table_name("users").set_table_limits(TableLimits(10, 10, 1))
    with pytest.raises(OperationNotSupportedException):
        handle.table_request(request)


def test_list_tables_paging(handle):
    for name in ("b", "a", "c"):
        ddl(handle, f"CREATE TABLE {name} (id INTEGER, PRIMARY KEY (id))")
    result = handle.list_tables(ListTablesRequest().set_limit(2))
    assert result.get_tables() == ["a", "b"]
    assert result.get_last_returned_index() == 2
    rest = handle.list_tables(ListTablesRequest().set_start_index(2))
    assert rest.get_tables() == ["c"]
