"""Queries: bind variables, JSON paths, Oracle comparison semantics, ORDER BY, LIMIT and paging."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from borneo import (
    IllegalArgumentException,
    PrepareRequest,
    PutRequest,
    QueryRequest,
    TableNotFoundException,
    WriteMultipleRequest,
)

from .support import ddl

pytestmark = pytest.mark.system

DOCS = [
    {"id": 1, "name": "ana", "age": 30, "price": Decimal("10.5"), "doc": {"city": "Recife", "n": 1}},
    {"id": 2, "name": "bia", "age": 25, "price": Decimal("3"), "doc": {"city": "Olinda", "n": 2.5}},
    {
        "id": 3,
        "name": "caio",
        "age": None,
        "price": Decimal("7.25"),
        "doc": {"city": "Recife", "tags": ["x"]},
    },
    {"id": 4, "name": "davi", "age": 41, "price": Decimal("3"), "doc": {"city": None, "n": 3}},
    {"id": 5, "name": "eva", "age": 25, "price": None, "doc": None},
]


@pytest.fixture
def people(handle):
    ddl(
        handle,
        "CREATE TABLE people (id INTEGER, name STRING, age INTEGER, price NUMBER, doc JSON, "
        "seen TIMESTAMP(3), PRIMARY KEY (id))",
    )
    for value in DOCS:
        handle.put(PutRequest().set_table_name("people").set_value(value))
    return handle


def run(handle, statement, variables=None, **options):
    """Prepare (when variables are given), then page through every result with the usual borneo loop."""
    if variables is not None:
        prepared = handle.prepare(PrepareRequest().set_statement(statement)).get_prepared_statement()
        for name, value in variables.items():
            prepared.set_variable(name, value)
        request = QueryRequest().set_prepared_statement(prepared)
    else:
        request = QueryRequest().set_statement(statement)
    if "limit" in options:
        request.set_limit(options["limit"])
    if "max_read_kb" in options:
        request.set_max_read_kb(options["max_read_kb"])
    rows = []
    while True:
        result = handle.query(request)
        rows.extend(result.get_results())
        if request.is_done():
            return rows


def ids(rows):
    return [row["id"] for row in rows]


def test_select_all_in_primary_key_order(people):
    rows = run(people, "SELECT * FROM people")
    assert ids(rows) == [1, 2, 3, 4, 5]
    assert rows[0] == {
        "id": 1,
        "name": "ana",
        "age": 30,
        "price": Decimal("10.5"),
        **{"doc": DOCS[0]["doc"]},
        "seen": None,
    }


def test_bind_variables_and_order_by(people):
    statement = (
        "DECLARE $v0 STRING; $v1 INTEGER; SELECT * FROM people t "
        "WHERE t.doc.city = $v0 OR t.age >= $v1 ORDER BY t.age DESC, t.name ASC LIMIT $v2"
    )
    with pytest.raises(IllegalArgumentException, match=r"\$v2 has not been declared"):
        run(people, statement, {"$v0": "Recife", "$v1": 30})
    statement = statement.replace("$v1 INTEGER;", "$v1 INTEGER; $v2 INTEGER;")
    rows = run(people, statement, {"$v0": "Recife", "$v1": 30, "$v2": 10})
    # DESC puts the NULL age first (Oracle: NULLS FIRST for descending order).
    assert ids(rows) == [3, 4, 1]
    assert ids(run(people, statement, {"$v0": "Recife", "$v1": 30, "$v2": 2})) == [3, 4]


def test_positional_binding_and_missing_binding(people):
    statement = "DECLARE $name STRING; SELECT * FROM people p WHERE p.name = $name"
    assert ids(run(people, statement, {1: "bia"})) == [2]
    with pytest.raises(IllegalArgumentException, match="has not been bound"):
        run(people, statement, {})
    with pytest.raises(IllegalArgumentException, match="name"):
        run(people, statement, {"$name": 42})


def test_literals_and_unqualified_columns(people):
    assert ids(run(people, "SELECT * FROM people WHERE name = 'bia'")) == [2]
    # Without an alias the table name qualifies paths.
    assert ids(run(people, "SELECT * FROM people WHERE people.doc.city = 'Olinda'")) == [2]
    assert ids(run(people, "SELECT * FROM people t WHERE t.price = 3 AND t.age > 30")) == [4]
    assert ids(run(people, "SELECT * FROM people t WHERE t.price <= 7.25 ORDER BY t.price, t.id")) == [
        2,
        4,
        3,
    ]
    assert ids(run(people, "SELECT * FROM people t WHERE NOT (t.age < 30) ORDER BY t.id")) == [1, 4]


def test_json_paths_and_missing_fields(people):
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.n > 1")) == [2, 4]
    # 2.5 and 1 compare numerically with an INTEGER or DOUBLE bind variable.
    assert ids(run(people, "DECLARE $n DOUBLE; SELECT * FROM people t WHERE t.doc.n >= $n", {"$n": 2.5})) == [
        2,
        4,
    ]
    # A missing field never equals anything; Oracle's != is true when one side is missing.
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.city = 'Recife'")) == [1, 3]
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.n != 1")) == [2, 3, 4]
    # JSON null is not NULL and a missing field is not NULL either; a path into an SQL NULL is NULL.
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.city IS NULL")) == [5]
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.tags IS NULL")) == [5]
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc IS NULL")) == [5]
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.city IS NOT NULL")) == [1, 2, 3, 4]
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.tags IS NOT NULL")) == [1, 2, 3, 4]
    assert ids(run(people, "SELECT * FROM people t WHERE EXISTS t.doc.tags")) == [3]
    assert ids(run(people, "SELECT * FROM people t WHERE NOT EXISTS t.doc.n")) == [3]
    # A field step does not unnest the array it returns: ["x"] is not comparable with 'x'.
    assert ids(run(people, "SELECT * FROM people t WHERE t.doc.tags = 'x'")) == []


def test_sql_null_comparisons(people):
    assert ids(run(people, "SELECT * FROM people t WHERE t.age != 25")) == [1, 4]
    assert ids(run(people, "SELECT * FROM people t WHERE t.age IS NULL")) == [3]
    assert ids(run(people, "SELECT * FROM people t WHERE t.age IS NOT NULL AND t.age = 25")) == [2, 5]


def test_order_by_nulls_and_json(people):
    asc = run(people, "SELECT * FROM people t ORDER BY t.doc.n, t.id")
    # Numbers first, then a missing field (EMPTY), then SQL NULL (whole document NULL).
    assert ids(asc) == [1, 2, 4, 3, 5]
    desc = run(people, "SELECT * FROM people t ORDER BY t.doc.n DESC, t.id")
    assert ids(desc) == [5, 3, 4, 2, 1]
    nulls_first = run(people, "SELECT * FROM people t ORDER BY t.age ASC NULLS FIRST, t.id")
    assert ids(nulls_first) == [3, 2, 5, 1, 4]


def test_timestamps(people):
    for i, day in ((1, 1), (2, 2), (3, 3)):
        people.put(
            PutRequest()
            .set_table_name("people")
            .set_value({"id": i, "seen": dt.datetime(2024, 1, day, 12, tzinfo=dt.UTC)})
        )
    statement = "DECLARE $t TIMESTAMP; SELECT * FROM people t WHERE t.seen > $t"
    assert ids(run(people, statement, {"$t": dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)})) == [2, 3]
    assert ids(run(people, "SELECT * FROM people t WHERE t.seen <= '2024-01-02T12:00:00'")) == [1, 2]


def test_pagination_over_many_rows(handle):
    ddl(
        handle,
        "CREATE TABLE events (kind STRING, seq INTEGER, body STRING, doc JSON, "
        "PRIMARY KEY (SHARD(kind), seq))",
    )
    for start in range(0, 250, 50):
        batch = WriteMultipleRequest()
        for seq in range(start, start + 50):
            value = {"kind": "k", "seq": seq, "body": "x" * 300, "doc": {"rank": seq % 7}}
            batch.add(PutRequest().set_table_name("events").set_value(value), True)
        assert handle.write_multiple(batch).get_success()
    statement = "SELECT * FROM events e ORDER BY e.doc.rank DESC, e.seq"
    expected = sorted(range(250), key=lambda s: (-(s % 7), s))

    rows, batches = [], 0
    request = QueryRequest().set_statement(statement).set_limit(17)
    while True:
        result = handle.query(request)
        batches += 1
        assert len(result.get_results()) <= 17
        rows.extend(result.get_results())
        if request.is_done():
            break
    assert [r["seq"] for r in rows] == expected
    assert batches >= 15

    by_kb = run(handle, "SELECT * FROM events e WHERE e.seq >= 10", max_read_kb=3)
    assert [r["seq"] for r in by_kb] == list(range(10, 250))

    iterable = handle.query_iterable(QueryRequest().set_statement(statement).set_limit(40))
    assert [r["seq"] for r in iterable] == expected

    limited = run(handle, "SELECT * FROM events e ORDER BY e.seq DESC LIMIT 25", limit=10)
    assert [r["seq"] for r in limited] == list(range(249, 224, -1))


def test_continuation_is_stable_under_inserts(handle):
    ddl(handle, "CREATE TABLE nums (n INTEGER, PRIMARY KEY (n))")
    for n in range(0, 20, 2):
        handle.put(PutRequest().set_table_name("nums").set_value({"n": n}))
    request = QueryRequest().set_statement("SELECT * FROM nums").set_limit(4)
    first = handle.query(request).get_results()
    assert [r["n"] for r in first] == [0, 2, 4, 6]
    handle.put(PutRequest().set_table_name("nums").set_value({"n": 1}))
    handle.put(PutRequest().set_table_name("nums").set_value({"n": 7}))
    rest = []
    while not request.is_done():
        rest.extend(r["n"] for r in handle.query(request).get_results())
    assert rest == [7, 8, 10, 12, 14, 16, 18]


def test_child_table_query(handle):
    ddl(handle, "CREATE TABLE shop (sid STRING, PRIMARY KEY (sid))")
    ddl(handle, "CREATE TABLE shop.item (iid INTEGER, price NUMBER, PRIMARY KEY (iid))")
    for sid, iid in (("a", 2), ("a", 1), ("b", 1)):
        handle.put(PutRequest().set_table_name("shop.item").set_value({"sid": sid, "iid": iid}))
    rows = run(handle, "DECLARE $s STRING; SELECT * FROM shop.item i WHERE i.sid = $s", {"$s": "a"})
    assert rows == [{"sid": "a", "iid": 1, "price": None}, {"sid": "a", "iid": 2, "price": None}]


def test_prepared_statement_is_reusable(people):
    prepared = people.prepare(
        PrepareRequest()
        .set_statement("DECLARE $a INTEGER; SELECT * FROM people t WHERE t.age = $a")
        .set_get_query_plan(True)
    ).get_prepared_statement()
    assert "SIMPLE QUERY" in prepared.get_query_plan()
    assert prepared.get_table_name() == "people"
    for age, expected in ((25, [2, 5]), (30, [1])):
        prepared.set_variable("$a", age)
        result = people.query(QueryRequest().set_prepared_statement(prepared))
        assert ids(result.get_results()) == expected


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("SELECT * FROM people t GROUP BY t.age", "SELECT \\* is not allowed in a grouping query"),
        ("SELECT t.name, count(*) FROM people t GROUP BY t.age", "grouping expression or an aggregate"),
        (
            "SELECT * FROM people a, people b",
            "not supported by the emulator: joining table people with itself",
        ),
        (
            "SELECT * FROM people a INNER JOIN people b ON a.id = b.id",
            "not supported by the emulator: JOIN ... ON",
        ),
        ("SELECT * FROM people a JOIN people b ON a.id = b.id", "not supported by the emulator: JOIN ... ON"),
        ("SELECT * FROM people a LEFT OUTER JOIN people b ON a.id = b.id", "neither ancestor nor descendant"),
        ("SELECT * FROM people t WHERE t.name LIKE 'a%'", "not supported by the emulator: LIKE"),
        ("SELECT * FROM NESTED TABLES(people t ANCESTORS(people a))", "neither ancestor nor descendant"),
        ("SELECT shard($t) FROM people $t", "not supported by the emulator: the function shard"),
        ("SELECT nothing(t.name) FROM people t", "Could not find function with name nothing and arity 1"),
        ("SELECT * FROM people t WHERE count(*) > 1", "only allowed in SELECT and ORDER BY"),
        ("UPDATE people t SET t.age = 1 WHERE t.age = 1", "complete shard key"),
        ("UPDATE people t SET t.id = 2 WHERE t.id = 1", "Cannot update a primary key column"),
        ("DELETE FROM people WHERE nothing = 1", "does not have a field named nothing"),
        ("SELECT * FROM people t WHERE t.nothing = 1", "does not have a field named nothing"),
        ("SELECT * FROM people t WHERE t.name.x = 1", "not JSON"),
        # A JSON path starts at the table alias: Oracle reads doc.city as column city of alias doc.
        ("SELECT * FROM people WHERE doc.city = 'x'", "No table in the FROM clause has an alias named doc"),
        ("SELECT * FROM people t WHERE people.age = 1", "alias named people"),
        ("SELECT * FROM people t WHERE", "Syntax error"),
        ("CREATE TABLE x (id INTEGER, PRIMARY KEY (id))", "TableRequest"),
    ],
)
def test_unsupported_and_invalid_statements(people, statement, message):
    with pytest.raises(IllegalArgumentException, match=message):
        run(people, statement)


def test_query_on_missing_table(people):
    with pytest.raises(TableNotFoundException):
        run(people, "SELECT * FROM nothing")


def test_multiple_items_in_comparison_is_an_error(handle):
    ddl(handle, "CREATE TABLE bags (id INTEGER, doc JSON, PRIMARY KEY (id))")
    handle.put(PutRequest().set_table_name("bags").set_value({"id": 1, "doc": {"a": [{"b": 1}, {"b": 2}]}}))
    with pytest.raises(IllegalArgumentException, match="more than one"):
        run(handle, "SELECT * FROM bags t WHERE t.doc.a.b = 1")


# --- select lists and row functions -------------------------------------------------------------------


def test_select_list_of_paths_with_aliases(people):
    rows = run(
        people,
        "SELECT t.id, t.name AS who, t.doc.city, t.doc.n AS n, t.doc.tags, t.price FROM people t "
        "WHERE t.id <= 3 ORDER BY t.id",
    )
    assert [list(row) for row in rows] == [["id", "who", "city", "n", "tags", "price"]] * 3
    assert rows[0] == {
        "id": 1,
        "who": "ana",
        "city": "Recife",
        "n": 1,
        "tags": None,
        "price": Decimal("10.5"),
    }
    # A missing JSON field is the empty sequence: the select list turns it into NULL.
    assert rows[1]["tags"] is None and rows[2]["n"] is None
    assert rows[2]["tags"] == ["x"]
    # Unqualified columns work too; a name without AS is the last step's name.
    assert run(people, "SELECT name FROM people WHERE id = 2") == [{"name": "bia"}]


def test_select_list_names_follow_oracle(people):
    (row,) = run(
        people, "SELECT t.doc.n, t.id AS n, t.name, t.doc.city AS city, t.name FROM people t WHERE t.id = 1"
    )
    # As in Oracle's translator: names are settled left to right and a name already taken, explicit
    # or not, becomes Column_<position>.
    assert list(row) == ["n", "Column_2", "name", "city", "Column_5"]
    with pytest.raises(IllegalArgumentException, match="Duplicate column name in SELECT clause: x"):
        run(people, "SELECT t.id AS x, t.name AS x FROM people t")


def test_row_version_and_expiration_time_millis(people):
    from borneo import GetRequest, TimeToLive

    people.put(
        PutRequest()
        .set_table_name("people")
        .set_value({"id": 9, "name": "ttl"})
        .set_ttl(TimeToLive.of_hours(1))
    )
    rows = run(
        people,
        "DECLARE $id INTEGER; SELECT row_version($p) AS v, expiration_time_millis($p) AS x, $p.id "
        "FROM people $p WHERE $p.id >= $id ORDER BY $p.id",
        {"$id": 4},
    )
    assert [row["id"] for row in rows] == [4, 5, 9]
    for row in rows:
        got = people.get(GetRequest().set_table_name("people").set_key({"id": row["id"]}))
        # BINARY: the very bytes get and put hand out, usable as a match version.
        assert isinstance(row["v"], bytearray) and bytes(row["v"]) == bytes(got.get_version().get_bytes())
        assert row["x"] == got.get_expiration_time()
    # 0 for a row that never expires, as Oracle's expiration_time_millis returns.
    assert rows[0]["x"] == 0 and rows[1]["x"] == 0
    assert rows[2]["x"] > 0 and rows[2]["x"] % 3_600_000 == 0
    # Unnamed function calls are Column_<position>.
    (row,) = run(people, "SELECT expiration_time_millis($p), row_version($p) FROM people $p WHERE $p.id = 1")
    assert list(row) == ["Column_1", "Column_2"]


def test_row_version_changes_with_every_write(people):
    statement = "SELECT row_version($p) AS v FROM people $p WHERE $p.id = 1"
    (before,) = run(people, statement)
    people.put(PutRequest().set_table_name("people").set_value({**DOCS[0], "name": "ana 2"}))
    (after,) = run(people, statement)
    assert before["v"] != after["v"]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # A plain alias is a column reference to Oracle's compiler, not a row variable.
        ("SELECT row_version(t) FROM people t", "No table in the FROM clause has a column named t"),
        ("SELECT row_version(name) FROM people t", "must be a row variable"),
        ("SELECT expiration_time_millis($x) FROM people $t", "must be a row variable"),
        ("SELECT row_version($t, $t) FROM people $t", "one argument"),
        ("SELECT modification_time(t.name) FROM people t", "must be a row variable"),
        (
            "SELECT row_version($t) + 1 FROM people $t",
            "Arithmetic operator \\+ applied to a non-numeric item",
        ),
        ("SELECT $t.nothing FROM people $t", "does not have a field named nothing"),
    ],
)
def test_select_list_refusals(people, statement, message):
    with pytest.raises(IllegalArgumentException, match=message):
        run(people, statement)


def test_prepared_projection_reports_its_schema(people):
    prepared = people.prepare(
        PrepareRequest()
        .set_statement(
            "SELECT row_version($p) AS v, expiration_time_millis($p) AS x, $p.doc.city FROM people $p"
        )
        .set_get_query_plan(True)
        .set_get_query_schema(True)
    ).get_prepared_statement()
    assert "project: v, x, city" in prepared.get_query_plan()
    assert prepared.get_query_schema() == "RECORD(v BINARY, x LONG, city JSON)"
