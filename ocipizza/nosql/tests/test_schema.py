"""The DDL subset: what parses, and Oracle NoSQL's rules refused before they reach a database."""

import pytest

from ocipizza.nosql.exceptions import SchemaError
from ocipizza.nosql.schema import Schema, TimeToLive
from ocipizza.nosql.tables import SCHEMA


def test_the_project_schema_parses_with_keys_shards_and_ttls():
    order = SCHEMA["user.order"]
    assert order.primary_key == ("id", "order_id") and order.shard_key == ("id",)
    assert order.columns["status"].enum_values[0] == "AWAITING_PAYMENT"
    assert SCHEMA["email_verification"].ttl == TimeToLive(1, "DAYS")


def test_shard_keys_and_child_tables():
    schema = Schema(
        [
            "CREATE TABLE a (r STRING, id STRING, PRIMARY KEY (SHARD(r), id))",
            "CREATE TABLE a.b (n INTEGER, PRIMARY KEY (n))",
            "CREATE INDEX i ON a.b (n)",
        ]
    )
    assert schema["a.b"].primary_key == ("r", "id", "n") and schema["a.b"].shard_key == ("r",)
    assert [i.name for i in schema["a.b"].indexes] == ["i"]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("CREATE TABLE t (id STRING, n STRING NOT NULL, PRIMARY KEY (id))", "NOT NULL needs a DEFAULT"),
        ("CREATE TABLE t (id STRING, j JSON NOT NULL DEFAULT 1, PRIMARY KEY (id))", "JSON"),
        ("CREATE TABLE t (id BOOLEAN, PRIMARY KEY (id))", "cannot be BOOLEAN"),
        ("CREATE TABLE t (id STRING DEFAULT 'x', PRIMARY KEY (id))", "cannot have NOT NULL or a DEFAULT"),
        ("CREATE TABLE t (id STRING)", "no PRIMARY KEY"),
        ("CREATE TABLE t (id STRING, PRIMARY KEY (nope))", "not declared"),
        ("CREATE TABLE t (id ARRAY(STRING), PRIMARY KEY (id))", "not supported"),
        ("CREATE TABLE x.y (id STRING, PRIMARY KEY (id))", "parent x declared first"),
        ("CREATE TABLE t (id STRING, PRIMARY KEY (id)) USING TTL 5 WEEKS", "DAYS or HOURS"),
        ("DROP TABLE t", "expected CREATE"),
        ("CREATE VIEW v", "CREATE TABLE, CREATE INDEX and ALTER TABLE"),
        ("CREATE INDEX i ON nope (a)", "undeclared table"),
        ("CREATE TABLE t (id STRING, ts TIMESTAMP(12), PRIMARY KEY (id))", "precision"),
    ],
)
def test_bad_ddl_is_refused_with_a_reason(statement, message):
    with pytest.raises(SchemaError, match=message):
        Schema([statement])
