"""ALTER TABLE name (ADD field ...): table evolution as Oracle NoSQL does it, through borneo.

DROP, nested record fields and USING TTL are covered in test_ddl_full.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from borneo import (
    GetRequest,
    GetTableRequest,
    IllegalArgumentException,
    PrepareRequest,
    PutRequest,
    QueryRequest,
    ResourceExistsException,
    ResourceNotFoundException,
    TableNotFoundException,
)

from .support import EmulatorProcess, ddl, make_handle

pytestmark = pytest.mark.system

SHOP = """CREATE TABLE shop (
    id STRING,
    name STRING,
    kind ENUM(PIZZA, BAR) DEFAULT PIZZA,
    PRIMARY KEY (SHARD(id))) USING TTL 3 DAYS"""
SALE = "CREATE TABLE shop.sale (sale_id INTEGER, total NUMBER, PRIMARY KEY (sale_id))"


def get(handle, table: str, key: dict):
    return handle.get(GetRequest().set_table_name(table).set_key(key))


def query(handle, statement: str) -> list[dict]:
    prepared = handle.prepare(PrepareRequest().set_statement(statement)).get_prepared_statement()
    request = QueryRequest().set_prepared_statement(prepared)
    rows = []
    while True:
        rows.extend(handle.query(request).get_results())
        if request.is_done():
            return rows


@pytest.fixture
def shop(handle):
    ddl(handle, SHOP)
    ddl(handle, SALE)
    put = handle.put(PutRequest().set_table_name("shop").set_value({"id": "s1", "name": "Centro"}))
    handle.put(PutRequest().set_table_name("shop.sale").set_value({"id": "s1", "sale_id": 1, "total": 10}))
    return put


def test_old_rows_read_the_added_fields_default_or_null_and_keep_their_version(handle, shop):
    before = get(handle, "shop", {"id": "s1"})
    result = ddl(handle, "ALTER TABLE shop (ADD half BOOLEAN DEFAULT TRUE, ADD note STRING, ADD n INTEGER)")
    fields = {f["name"]: f for f in json.loads(result.get_schema())["fields"]}
    assert fields["half"] == {"name": "half", "type": "BOOLEAN", "nullable": True, "default": True}
    assert fields["note"] == {"name": "note", "type": "STRING", "nullable": True}
    assert list(fields)[-3:] == ["half", "note", "n"]  # added at the end

    after = get(handle, "shop", {"id": "s1"})
    assert after.get_value() == {
        "id": "s1",
        "name": "Centro",
        "kind": "PIZZA",
        "half": True,
        "note": None,
        "n": None,
    }
    # Oracle rewrites no row: same version, same modification time, same expiry.
    assert after.get_version().get_bytes() == shop.get_version().get_bytes()
    assert after.get_modification_time() == before.get_modification_time()
    assert after.get_expiration_time() == before.get_expiration_time()

    # Queries see the default too, in the select list and in WHERE.
    assert query(handle, "SELECT $t.id, $t.half FROM shop $t WHERE $t.half = true") == [
        {"id": "s1", "half": True}
    ]
    # New rows write the field.
    handle.put(PutRequest().set_table_name("shop").set_value({"id": "s2", "half": False, "n": 3}))
    assert get(handle, "shop", {"id": "s2"}).get_value()["half"] is False


def test_a_child_table_is_altered_and_get_table_answers_its_current_shape(handle, shop):
    ddl(handle, "ALTER TABLE shop.sale (ADD paid BOOLEAN NOT NULL DEFAULT FALSE, ADD tip NUMBER DEFAULT 2.5)")
    row = get(handle, "shop.sale", {"id": "s1", "sale_id": 1}).get_value()
    assert row["paid"] is False and row["tip"] == Decimal("2.5")
    table = handle.get_table(GetTableRequest().set_table_name("shop.sale"))
    fields = [f["name"] for f in json.loads(table.get_schema())["fields"]]
    assert fields == ["id", "sale_id", "total", "paid", "tip"]
    assert table.get_ddl() == (
        "CREATE TABLE shop.sale (sale_id INTEGER, total NUMBER, paid BOOLEAN NOT NULL DEFAULT FALSE, "
        "tip NUMBER DEFAULT 2.5, PRIMARY KEY(sale_id))"
    )
    ddl(handle, "ALTER TABLE shop (ADD note STRING DEFAULT 'it''s')")
    parent = handle.get_table(GetTableRequest().set_table_name("shop")).get_ddl()
    assert parent == (
        "CREATE TABLE shop (id STRING, name STRING, kind ENUM(PIZZA, BAR) DEFAULT PIZZA, "
        "note STRING DEFAULT 'it''s', PRIMARY KEY(id)) USING TTL 3 DAYS"
    )
    # The regenerated DDL is itself valid: a fresh table from it has the same schema.
    ddl(handle, parent.replace("CREATE TABLE shop ", "CREATE TABLE shop2 "))
    again = json.loads(handle.get_table(GetTableRequest().set_table_name("shop2")).get_schema())
    assert (
        again["fields"]
        == json.loads(handle.get_table(GetTableRequest().set_table_name("shop")).get_schema())["fields"]
    )


@pytest.mark.parametrize(
    ("statement", "error", "says"),
    [
        (
            "ALTER TABLE shop (ADD name STRING)",
            ResourceExistsException,
            "Cannot add field, name, it already",
        ),
        ("ALTER TABLE shop (ADD x STRING, ADD X LONG)", ResourceExistsException, "Cannot add field, X,"),
        (
            "ALTER TABLE shop (ADD x STRING NOT NULL)",
            IllegalArgumentException,
            "Non-nullable field without a default",
        ),
        ("ALTER TABLE shop (ADD doc JSON DEFAULT 1)", IllegalArgumentException, "JSON cannot have default"),
        ("ALTER TABLE nope (ADD x STRING)", TableNotFoundException, "nope"),
        ("ALTER TABLE shop (DROP id)", IllegalArgumentException, "Cannot remove a primary key field: id"),
        ("ALTER TABLE shop.sale (DROP id)", IllegalArgumentException, "Cannot remove a primary key field"),
        ("ALTER TABLE shop (DROP nothing)", ResourceNotFoundException, "Field does not exist: nothing"),
        ("ALTER TABLE shop (ADD name.x STRING)", IllegalArgumentException, "name is not a RECORD"),
        ("ALTER TABLE shop (MODIFY id)", IllegalArgumentException, "not supported by the emulator"),
        ("ALTER TABLE shop USING TTL 5 WEEKS", IllegalArgumentException, "only DAYS and HOURS"),
    ],
)
def test_refused_alters_change_nothing(handle, shop, statement, error, says):
    before = handle.get_table(GetTableRequest().set_table_name("shop")).get_schema()
    with pytest.raises(error, match=says):
        ddl(handle, statement)
    assert handle.get_table(GetTableRequest().set_table_name("shop")).get_schema() == before


def test_an_altered_table_survives_a_restart(tmp_path):
    data = str(tmp_path / "nosql.sqlite3")
    first = EmulatorProcess("--data", data).start()
    handle = make_handle(first.url)
    try:
        ddl(handle, SHOP)
        version = handle.put(PutRequest().set_table_name("shop").set_value({"id": "s1"})).get_version()
        ddl(handle, "ALTER TABLE shop (ADD rank INTEGER DEFAULT 7)")
    finally:
        handle.close()
        first.stop()
    second = EmulatorProcess("--data", data).start()
    handle = make_handle(second.url)
    try:
        row = get(handle, "shop", {"id": "s1"})
        assert row.get_value()["rank"] == 7
        assert row.get_version().get_bytes() == version.get_bytes()
        assert (
            "rank INTEGER DEFAULT 7" in handle.get_table(GetTableRequest().set_table_name("shop")).get_ddl()
        )
    finally:
        handle.close()
        second.stop()
