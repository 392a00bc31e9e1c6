"""The query language through borneo's public API, as an application written for Oracle NoSQL uses it.

Expected answers are computed here from ITEMS with plain Python, never typed in, so each test says what
Oracle NoSQL's semantics give for the data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

import pytest
from borneo import (
    GetRequest,
    IllegalArgumentException,
    PrepareRequest,
    PutRequest,
    QueryRequest,
    TimeToLive,
)

from .support import ddl

pytestmark = pytest.mark.system

UTC = dt.UTC
BASE = dt.datetime(2024, 3, 10, 18, 30, tzinfo=UTC)
# Pizzerias around Recife (longitude, latitude), as GeoJSON points.
ITEMS = [
    {
        "id": 1,
        "name": "margherita",
        "kind": "pizza",
        "price": Decimal("42.5"),
        "qty": 3,
        "info": {"tags": ["veg", "classic"], "dims": {"s": 25, "m": 30, "l": 35}, "where": [-34.90, -8.05]},
    },
    {
        "id": 2,
        "name": "calabresa",
        "kind": "pizza",
        "price": Decimal("45"),
        "qty": 8,
        "info": {"tags": ["classic"], "dims": {"m": 30, "l": 35}, "where": [-34.88, -8.06]},
    },
    {
        "id": 3,
        "name": "guarana",
        "kind": "drink",
        "price": Decimal("7.5"),
        "qty": 20,
        "info": {"tags": ["cold"], "size_ml": 350, "where": [-34.95, -8.10]},
    },
    {
        "id": 4,
        "name": "agua",
        "kind": "drink",
        "price": Decimal("4"),
        "qty": None,
        "info": {"tags": [], "size_ml": 500, "where": [-35.20, -8.30]},
    },
    {
        "id": 5,
        "name": "brigadeiro",
        "kind": "dessert",
        "price": Decimal("12"),
        "qty": 5,
        "info": {"tags": ["sweet", "veg"], "where": [-34.87, -8.04]},
    },
    {
        "id": 6,
        "name": "portuguesa",
        "kind": "pizza",
        "price": Decimal("48.9"),
        "qty": 0,
        "info": {"tags": ["classic", "egg"], "dims": {"l": 35}, "where": [-34.91, -8.07]},
    },
    {"id": 7, "name": "acai", "kind": "dessert", "price": Decimal("15"), "qty": 2, "info": None},
]
for _index, _item in enumerate(ITEMS):
    _item["added"] = BASE + dt.timedelta(days=_index * 11, hours=_index)
    if _item["info"] is not None:
        lon, lat = _item["info"].pop("where")
        _item["info"]["where"] = {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def items(handle):
    ddl(
        handle,
        "CREATE TABLE items (id INTEGER, name STRING, kind STRING, price NUMBER, qty INTEGER, "
        "added TIMESTAMP(3), info JSON, PRIMARY KEY (id))",
    )
    for item in ITEMS:
        handle.put(PutRequest().set_table_name("items").set_value(item))
    return handle


def prepare(handle, statement):
    return handle.prepare(PrepareRequest().set_statement(statement)).get_prepared_statement()


def run(handle, statement, variables=None, *, limit=None, max_read_kb=None, batches=None):
    """Page through every result with the usual borneo loop (``batches`` collects each batch)."""
    if isinstance(statement, str) and variables is None:
        request = QueryRequest().set_statement(statement)
    else:
        prepared = prepare(handle, statement) if isinstance(statement, str) else statement
        for name, value in (variables or {}).items():
            prepared.set_variable(name, value)
        request = QueryRequest().set_prepared_statement(prepared)
    if limit is not None:
        request.set_limit(limit)
    if max_read_kb is not None:
        request.set_max_read_kb(max_read_kb)
    rows = []
    while True:
        batch = handle.query(request).get_results()
        if batches is not None:
            batches.append(batch)
        rows.extend(batch)
        if request.is_done():
            return rows


def ids(rows):
    return [row["id"] for row in rows]


def by_id(*predicates):
    return [item["id"] for item in ITEMS if all(p(item) for p in predicates)]


# --- prepared statements and variables ----------------------------------------


def test_named_variables_are_rebound_on_one_prepared_statement(items):
    prepared = prepare(
        items, "DECLARE $kind STRING; $min NUMBER; SELECT id FROM items WHERE kind = $kind AND price >= $min"
    )
    for kind, low in (("pizza", Decimal("45")), ("drink", Decimal("0")), ("dessert", Decimal("13"))):
        prepared.set_variable("$kind", kind).set_variable("$min", low)
        rows = run(items, prepared)
        assert ids(rows) == by_id(lambda i: i["kind"] == kind, lambda i: i["price"] >= low)
    # Positions count the declarations: 1 is $kind, 2 is $min.
    prepared.set_variable(1, "pizza").set_variable(2, Decimal("46"))
    assert ids(run(items, prepared)) == by_id(lambda i: i["kind"] == "pizza", lambda i: i["price"] >= 46)


def test_positional_question_marks(items):
    prepared = prepare(items, "SELECT id, name FROM items t WHERE t.kind = ? AND t.qty > ? ORDER BY t.name")
    prepared.set_variable(1, "pizza").set_variable(2, 1)
    expected = sorted(
        (i for i in ITEMS if i["kind"] == "pizza" and (i["qty"] or 0) > 1), key=lambda i: i["name"]
    )
    assert run(items, prepared) == [{"id": i["id"], "name": i["name"]} for i in expected]
    with pytest.raises(IllegalArgumentException, match="has not been bound"):
        run(items, prepare(items, "SELECT id FROM items WHERE kind = ? AND qty > ?"), {1: "pizza"})


def test_bound_values_are_checked_against_their_declared_type(items):
    with pytest.raises(IllegalArgumentException, match="Failed to create Field Value for variable"):
        run(items, "DECLARE $n INTEGER; SELECT id FROM items WHERE qty = $n", {"$n": "many"})
    with pytest.raises(IllegalArgumentException, match="Variable \\$other has not been declared"):
        run(items, "DECLARE $n INTEGER; SELECT id FROM items WHERE qty = $other", {"$n": 1})


# --- select expressions and functions ----------------------------------------


def test_select_expressions_and_string_functions(items):
    rows = run(
        items,
        "SELECT t.id, upper(t.name) AS up, t.price * t.qty AS total, t.name || '/' || t.kind AS label, "
        "CASE WHEN t.qty > 4 THEN 'many' WHEN t.qty >= 0 THEN 'few' ELSE 'unknown' END AS stock, "
        "substring(t.name, 1, 3) AS mid, length(t.name) AS len, CAST(t.price AS STRING) AS text, "
        "concat('#', t.id) AS tag, t.name || t.qty AS nq, concat(t.qty, t.qty) AS qq, "
        "t.qty / 2 AS half, t.qty div 2 AS exact, -t.price AS neg, "
        "index_of(t.name, 'a') AS a_at, replace(t.name, 'a', 'A') AS big_a, "
        "lower(trim('  X  ')) AS trimmed FROM items t ORDER BY t.id",
    )
    assert ids(rows) == [i["id"] for i in ITEMS]
    for row, item in zip(rows, ITEMS, strict=True):
        qty = item["qty"]
        assert row["up"] == item["name"].upper()
        assert row["total"] == (None if qty is None else item["price"] * qty)
        assert row["label"] == f"{item['name']}/{item['kind']}"
        assert row["stock"] == ("unknown" if qty is None else "many" if qty > 4 else "few")
        assert row["mid"] == item["name"][1:4]
        assert row["len"] == len(item["name"])
        assert Decimal(row["text"]) == item["price"]
        assert row["tag"] == f"#{item['id']}"
        # concat and ||: NULL is an empty string, unless every argument is NULL.
        assert row["nq"] == item["name"] + ("" if qty is None else str(qty))
        assert row["qq"] == (None if qty is None else f"{qty}{qty}")
        # Integer / integer is Java's integer division; div always divides as doubles.
        assert row["half"] == (None if qty is None else qty // 2)
        assert row["exact"] == (None if qty is None else qty / 2)
        assert row["neg"] == -item["price"]
        assert row["a_at"] == item["name"].find("a")
        assert row["big_a"] == item["name"].replace("a", "A")
        assert row["trimmed"] == "x"


def test_numeric_and_sequence_functions(items):
    rows = run(
        items,
        "SELECT t.id, round(t.price) AS r, floor(t.price) AS f, ceil(t.price) AS c, abs(-t.qty) AS a, "
        "sqrt(t.qty) AS s, seq_count(t.info.tags[]) AS ntags, size(t.info.tags) AS size, "
        "seq_sum(t.info.dims.values()) AS dims, seq_max(t.info.dims.values()) AS biggest, "
        "[t.info.tags[0], t.name] AS pair, {'k': t.kind, 'n': t.id} AS map "
        "FROM items t WHERE t.info IS NOT NULL AND t.qty IS NOT NULL ORDER BY t.id",
    )
    expected = [i for i in ITEMS if i["info"] is not None and i["qty"] is not None]
    assert ids(rows) == [i["id"] for i in expected]
    for row, item in zip(rows, expected, strict=True):
        price = item["price"]
        assert row["r"] == price.quantize(Decimal(1), rounding="ROUND_HALF_UP")
        assert row["f"] == math.floor(price) and row["c"] == math.ceil(price)
        assert row["a"] == item["qty"]
        assert row["s"] == pytest.approx(math.sqrt(item["qty"]))
        tags = item["info"]["tags"]
        assert row["ntags"] == len(tags) and row["size"] == len(tags)
        dims = list(item["info"].get("dims", {}).values())
        assert row["dims"] == (sum(dims) if dims else None)
        assert row["biggest"] == (max(dims) if dims else None)
        assert row["pair"] == [*tags[:1], item["name"]]
        assert row["map"] == {"k": item["kind"], "n": item["id"]}


def test_timestamp_functions(items):
    (row,) = run(
        items,
        "SELECT year(t.added) AS y, month(t.added) AS m, day(t.added) AS d, hour(t.added) AS h, "
        "timestamp_add(t.added, '1 month 2 days') AS later, "
        "timestamp_diff(timestamp_add(t.added, '3 hours'), t.added) AS diff, "
        "extract(minute FROM t.added) AS minute, CAST('2024-01-02T03:04:05Z' AS TIMESTAMP(0)) AS parsed, "
        "day_of_week(t.added) AS dow, quarter(t.added) AS q "
        "FROM items t WHERE t.id = 4",
    )
    added = ITEMS[3]["added"]
    assert (row["y"], row["m"], row["d"], row["h"], row["minute"]) == (
        added.year,
        added.month,
        added.day,
        added.hour,
        added.minute,
    )
    assert row["later"].replace(tzinfo=UTC) == added.replace(month=added.month + 1) + dt.timedelta(days=2)
    assert row["diff"] == 3 * 3_600_000
    assert row["parsed"].replace(tzinfo=UTC) == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert row["dow"] == added.isoweekday() % 7 + 1  # Sunday is 1
    assert row["q"] == (added.month - 1) // 3 + 1
    before = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    (now,) = run(items, "SELECT current_time() AS now FROM items WHERE id = 1")
    after = dt.datetime.now(UTC) + dt.timedelta(seconds=1)
    assert before <= now["now"].replace(tzinfo=UTC) <= after


# --- WHERE conditions ----------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("t.kind IN ('drink', 'dessert')", lambda i: i["kind"] in ("drink", "dessert")),
        ("NOT t.kind IN ('pizza')", lambda i: i["kind"] != "pizza"),
        (
            "(t.kind, t.qty) IN (('pizza', 8), ('dessert', 2))",
            lambda i: (i["kind"], i["qty"]) in {("pizza", 8), ("dessert", 2)},
        ),
        ("t.price BETWEEN 10 AND 45", lambda i: 10 <= i["price"] <= 45),
        ("t.qty IS NULL", lambda i: i["qty"] is None),
        ("t.qty IS NOT NULL AND t.qty < 4", lambda i: i["qty"] is not None and i["qty"] < 4),
        ("t.qty = 0 OR t.price > 45", lambda i: i["qty"] == 0 or i["price"] > 45),
        ("EXISTS t.info.dims", lambda i: i["info"] is not None and "dims" in i["info"]),
        # EXISTS over an SQL NULL (row 7's info) is NULL, so NOT EXISTS does not hold there either.
        ("NOT EXISTS t.info.dims", lambda i: i["info"] is not None and "dims" not in i["info"]),
        ("regex_like(t.name, 'ca.*')", lambda i: i["name"].startswith("ca")),
        ("regex_like(t.name, 'A.*', 'i')", lambda i: i["name"].startswith("a")),
        ("contains(t.name, 'ra')", lambda i: "ra" in i["name"]),
        (
            "starts_with(t.name, 'p') OR ends_with(t.name, 'o')",
            lambda i: i["name"][0] == "p" or i["name"][-1] == "o",
        ),
        ("t.info.tags[] =any 'veg'", lambda i: i["info"] is not None and "veg" in i["info"]["tags"]),
        (
            "t.info.dims.values() >any 30",
            lambda i: any(v > 30 for v in (i["info"] or {}).get("dims", {}).values()),
        ),
        ("t.info.size_ml >= 400", lambda i: (i["info"] or {}).get("size_ml", 0) >= 400),
        ("t.qty * t.price > 100", lambda i: i["qty"] is not None and i["qty"] * i["price"] > 100),
        ("size(t.info.tags) = 2", lambda i: i["info"] is not None and len(i["info"]["tags"]) == 2),
    ],
)
def test_where_conditions(items, condition, expected):
    assert ids(run(items, f"SELECT id FROM items t WHERE {condition}")) == by_id(expected)


# --- ORDER BY, LIMIT, OFFSET, DISTINCT ----------------------------------------


def test_order_by_directions_nulls_and_expressions(items):
    def qty_key(item):
        return (item["qty"] is None, item["qty"] or 0, item["id"])

    asc = run(items, "SELECT id FROM items ORDER BY qty")
    assert ids(asc) == [i["id"] for i in sorted(ITEMS, key=qty_key)]  # NULLs last by default
    desc = run(items, "SELECT id FROM items ORDER BY qty DESC")
    assert ids(desc) == [
        i["id"] for i in sorted(ITEMS, key=lambda i: (i["qty"] is not None, -(i["qty"] or 0)))
    ]
    nulls_first = run(items, "SELECT id FROM items ORDER BY qty ASC NULLS FIRST")
    assert nulls_first[0]["id"] == by_id(lambda i: i["qty"] is None)[0]
    by_kind = run(items, "SELECT id FROM items t ORDER BY t.kind DESC, t.price * 2 ASC")
    assert ids(by_kind) == [i["id"] for i in sorted(ITEMS, key=lambda i: (-ord(i["kind"][0]), i["price"]))]
    paged = run(
        items,
        "DECLARE $l INTEGER; $o INTEGER; SELECT id FROM items ORDER BY price LIMIT $l OFFSET $o",
        {"$l": 3, "$o": 2},
    )
    assert ids(paged) == [i["id"] for i in sorted(ITEMS, key=lambda i: i["price"])][2:5]


def test_distinct(items):
    rows = run(items, "SELECT DISTINCT t.kind FROM items t ORDER BY t.kind")
    assert [r["kind"] for r in rows] == sorted({i["kind"] for i in ITEMS})
    tags = run(items, "SELECT DISTINCT t.info.tags[0] AS first FROM items t WHERE size(t.info.tags) > 0")
    assert sorted(r["first"] for r in tags) == sorted(
        {i["info"]["tags"][0] for i in ITEMS if i["info"] and i["info"]["tags"]}
    )


# --- GROUP BY and aggregates ----------------------------------------


def _groups():
    groups = defaultdict(list)
    for item in ITEMS:
        groups[item["kind"]].append(item)
    return dict(sorted(groups.items()))


@pytest.mark.parametrize("limit", [None, 1])
def test_group_by_with_aggregates(items, limit):
    rows = run(
        items,
        "SELECT t.kind, count(*) AS n, count(t.qty) AS counted, sum(t.qty) AS units, avg(t.price) AS mean, "
        "min(t.price) AS cheapest, max(t.name) AS last_name, array_collect(t.id) AS ids, "
        "array_collect(DISTINCT t.info.tags[0]) AS first_tags, count(DISTINCT t.info.tags[0]) AS n_first "
        "FROM items t GROUP BY t.kind ORDER BY t.kind",
        limit=limit,
    )
    groups = _groups()
    assert [r["kind"] for r in rows] == list(groups)
    for row, members in zip(rows, groups.values(), strict=True):
        quantities = [m["qty"] for m in members if m["qty"] is not None]
        prices = [m["price"] for m in members]
        firsts = {m["info"]["tags"][0] for m in members if m["info"] and m["info"]["tags"]}
        assert row["n"] == len(members)
        assert row["counted"] == len(quantities)
        assert row["units"] == sum(quantities)
        assert row["mean"] == sum(prices) / len(prices)
        assert row["cheapest"] == min(prices)
        assert row["last_name"] == max(m["name"] for m in members)
        assert sorted(row["ids"]) == [m["id"] for m in members]
        assert sorted(row["first_tags"]) == sorted(firsts)
        assert row["n_first"] == len(firsts)


def test_aggregates_without_group_by_and_ordering_by_an_aggregate(items):
    (total,) = run(items, "SELECT count(*) AS n, sum(t.price) AS value, max(t.added) AS newest FROM items t")
    assert total["n"] == len(ITEMS)
    assert total["value"] == sum(i["price"] for i in ITEMS)
    assert total["newest"].replace(tzinfo=UTC) == max(i["added"] for i in ITEMS)
    (empty,) = run(items, "SELECT count(*) AS n, sum(t.qty) AS units FROM items t WHERE t.id > 100")
    assert empty == {"n": 0, "units": None}
    rows = run(
        items, "SELECT t.kind, count(*) AS n FROM items t GROUP BY t.kind ORDER BY count(*) DESC, t.kind"
    )
    groups = _groups()
    expected = sorted(groups, key=lambda k: (-len(groups[k]), k))
    assert [(r["kind"], r["n"]) for r in rows] == [(k, len(groups[k])) for k in expected]


# --- path expressions ----------------------------------------


def test_path_steps_into_json(items):
    rows = run(
        items,
        "SELECT t.id, t.info.tags[0] AS first, t.info.tags[] AS tags, "
        "t.info.tags[$element != 'classic'] AS other, "
        "t.info.dims.keys() AS sizes, t.info.dims.values($value > 30) AS big, "
        "t.info.dims.keys($value = 35) AS largest, t.info.tags[1:5] AS rest, "
        "t.info.where.coordinates[$pos = 1] AS lat FROM items t WHERE t.info IS NOT NULL ORDER BY t.id",
    )
    expected = [i for i in ITEMS if i["info"] is not None]
    assert ids(rows) == [i["id"] for i in expected]

    def select(values):
        # The select list's rule: nothing is NULL, one item is itself, several are boxed in an array.
        return None if not values else values[0] if len(values) == 1 else values

    for row, item in zip(rows, expected, strict=True):
        info = item["info"]
        tags = info["tags"]
        dims = info.get("dims", {})
        assert row["first"] == select(tags[:1])
        assert row["tags"] == select(tags)
        assert row["other"] == select([t for t in tags if t != "classic"])
        assert row["sizes"] == select(list(dims))
        assert row["big"] == select([v for v in dims.values() if v > 30])
        assert row["largest"] == select([k for k, v in dims.items() if v == 35])
        assert row["rest"] == select(tags[1:6])
        assert row["lat"] == info["where"]["coordinates"][1]


def test_paths_into_array_map_and_record_columns(handle):
    ddl(
        handle,
        "CREATE TABLE menus (id INTEGER, sizes ARRAY(INTEGER), prices MAP(NUMBER), "
        "chef RECORD(name STRING, stars INTEGER), PRIMARY KEY (id))",
    )
    menus = [
        {
            "id": 1,
            "sizes": [25, 30, 35],
            "prices": {"m": Decimal("30"), "l": Decimal("42")},
            "chef": {"name": "Ana", "stars": 3},
        },
        {"id": 2, "sizes": [30], "prices": {"m": Decimal("28")}, "chef": {"name": "Bia", "stars": 5}},
        {"id": 3, "sizes": [], "prices": {}, "chef": None},
    ]
    for menu in menus:
        handle.put(PutRequest().set_table_name("menus").set_value(menu))
    rows = run(
        handle,
        "SELECT m.id, m.sizes[0] AS smallest, seq_max(m.sizes[]) AS largest, m.prices.l AS large, "
        "m.prices.keys() AS names, m.chef.name AS chef FROM menus m WHERE m.sizes[] >any 29 ORDER BY m.id",
    )
    assert ids(rows) == [m["id"] for m in menus if any(s > 29 for s in m["sizes"])]
    assert rows[0] == {
        "id": 1,
        "smallest": 25,
        "largest": 35,
        "large": Decimal("42"),
        "names": ["m", "l"],
        "chef": "Ana",
    }
    assert rows[1] == {"id": 2, "smallest": 30, "largest": 30, "large": None, "names": "m", "chef": "Bia"}
    starred = run(handle, "SELECT m.id FROM menus m WHERE m.chef.stars >= 4")
    assert ids(starred) == [m["id"] for m in menus if m["chef"] and m["chef"]["stars"] >= 4]


# --- UPDATE, INSERT, UPSERT, DELETE ----------------------------------------


def _get(handle, key):
    return handle.get(GetRequest().set_table_name("items").set_key({"id": key}))


def test_update_set_add_put_remove_and_returning(items):
    (result,) = run(
        items,
        "UPDATE items t SET t.qty = t.qty + 10, SET t.info.note = 'promo', ADD t.info.tags 'new', "
        "ADD t.info.tags 0 'first', PUT t.info.dims {'xl': 40}, REMOVE t.info.dims.s WHERE t.id = 1",
    )
    assert result == {"NumRowsUpdated": 1}
    info = _get(items, 1).get_value()["info"]
    original = ITEMS[0]
    assert _get(items, 1).get_value()["qty"] == original["qty"] + 10
    assert info["tags"] == ["first", *original["info"]["tags"], "new"]
    assert info["dims"] == {**{k: v for k, v in original["info"]["dims"].items() if k != "s"}, "xl": 40}
    # SET only changes an item that exists: the note field was not there, so nothing was set.
    assert "note" not in info
    rows = run(
        items,
        "DECLARE $id INTEGER; $p NUMBER; UPDATE items $t SET $t.price = $p, SET $t.name = upper($) "
        "WHERE $t.id = $id RETURNING $t.id, $t.price, $t.name, remaining_hours($t) AS hours",
        {"$id": 2, "$p": Decimal("49.9")},
    )
    assert rows == [{"id": 2, "price": Decimal("49.9"), "name": ITEMS[1]["name"].upper(), "hours": -1}]
    # No matching row, or clauses that change nothing: nothing updated.
    assert run(items, "UPDATE items t SET t.qty = 1 WHERE t.id = 99") == [{"NumRowsUpdated": 0}]
    version = _get(items, 3).get_version().get_bytes()
    assert run(items, "UPDATE items t SET t.info.missing = 1 WHERE t.id = 3") == [{"NumRowsUpdated": 0}]
    assert _get(items, 3).get_version().get_bytes() == version


def test_multi_row_update_by_shard_key(handle):
    ddl(
        handle,
        "CREATE TABLE stock (shop STRING, item STRING, qty INTEGER, PRIMARY KEY (SHARD(shop), item))",
    )
    rows = [("centro", "mussarela", 5), ("centro", "calabresa", 0), ("praia", "mussarela", 9)]
    for shop, item, qty in rows:
        handle.put(PutRequest().set_table_name("stock").set_value({"shop": shop, "item": item, "qty": qty}))
    (result,) = run(handle, "UPDATE stock s SET s.qty = s.qty + 1 WHERE s.shop = 'centro'")
    assert result == {"NumRowsUpdated": sum(1 for r in rows if r[0] == "centro")}
    stored = {(r["shop"], r["item"]): r["qty"] for r in run(handle, "SELECT * FROM stock")}
    assert stored == {(shop, item): qty + (shop == "centro") for shop, item, qty in rows}
    with pytest.raises(IllegalArgumentException, match="RETURNING clause must give the complete primary key"):
        run(handle, "UPDATE stock s SET s.qty = 0 WHERE s.shop = 'centro' RETURNING *")
    with pytest.raises(IllegalArgumentException, match="complete shard key"):
        run(handle, "UPDATE stock s SET s.qty = 0 WHERE s.item = 'mussarela'")


def test_update_set_ttl(items):
    before = _get(items, 3)
    assert before.get_expiration_time() == 0
    run(items, "UPDATE items t SET TTL 5 HOURS WHERE t.id = 3")
    after = _get(items, 3)
    assert after.get_expiration_time() > 0 and after.get_expiration_time() % 3_600_000 == 0
    assert after.get_value() == before.get_value()
    (row,) = run(
        items,
        "SELECT remaining_hours($t) AS h, expiration_time_millis($t) AS x FROM items $t WHERE $t.id = 3",
    )
    assert row["x"] == after.get_expiration_time() and row["h"] in (5, 6)


def test_insert_upsert_and_delete_with_returning(items):
    (inserted,) = run(
        items,
        "INSERT INTO items VALUES (10, 'quatro queijos', 'pizza', 52, 4, '2024-05-01T19:00:00Z', "
        "{'tags': ['veg']}) RETURNING id, name, items.info.tags AS tags",
    )
    assert inserted == {"id": 10, "name": "quatro queijos", "tags": ["veg"]}
    stored = _get(items, 10).get_value()
    assert stored["price"] == 52 and stored["added"].replace(tzinfo=UTC) == dt.datetime(
        2024, 5, 1, 19, tzinfo=UTC
    )
    # INSERT of an existing key inserts nothing; UPSERT replaces the row.
    assert run(items, "INSERT INTO items (id, name) VALUES (10, 'dup')") == [{"NumRowsInserted": 0}]
    assert _get(items, 10).get_value()["name"] == "quatro queijos"
    prepared = prepare(
        items,
        "DECLARE $id INTEGER; $name STRING; "
        "UPSERT INTO items (id, name, kind) VALUES ($id, $name, 'pizza') SET TTL 2 DAYS",
    )
    prepared.set_variable("$id", 10).set_variable("$name", "4 queijos")
    assert run(items, prepared) == [{"NumRowsInserted": 1}]
    replaced = _get(items, 10)
    assert replaced.get_value()["name"] == "4 queijos" and replaced.get_value()["price"] is None
    assert replaced.get_expiration_time() > 0
    deleted = run(items, "DELETE FROM items t WHERE t.kind = 'drink' RETURNING t.id, t.name")
    drinks = [i for i in ITEMS if i["kind"] == "drink"]
    assert deleted == [{"id": i["id"], "name": i["name"]} for i in drinks]
    assert all(_get(items, i["id"]).get_value() is None for i in drinks)
    # Row 10 now has a NULL price: NULL > 40 is unknown, so it stays.
    assert run(items, "DELETE FROM items WHERE price > 40") == [
        {"numRowsDeleted": len(by_id(lambda i: i["price"] > 40))}
    ]
    assert _get(items, 10).get_value() is not None


def test_writing_statements_report_that_they_write(items):
    update = prepare(items, "UPDATE items t SET t.qty = 1 WHERE t.id = 1")
    select = prepare(items, "SELECT * FROM items")
    assert update.does_writes() and not select.does_writes()


# --- limits and continuation ----------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT id FROM items",
        "SELECT id FROM items ORDER BY price DESC",
        "SELECT DISTINCT kind AS id FROM items",
        "SELECT kind AS id, count(*) AS n FROM items GROUP BY kind",
    ],
)
def test_read_and_size_limits_page_complete_results_without_duplicates(items, statement):
    expected = run(items, statement)
    batches = []
    paged = run(items, statement, limit=1, max_read_kb=1, batches=batches)
    assert sorted(map(str, ids(paged))) == sorted(map(str, ids(expected)))
    assert len(ids(paged)) == len(set(map(str, ids(paged))))
    # Each query() call reads about 1 KB of rows at most, so it took several calls, none over the limit.
    assert len(batches) >= len(expected) and all(len(b) <= 1 for b in batches)


def test_max_memory_consumption_does_not_cut_results(items):
    request = QueryRequest().set_statement(
        "SELECT kind, array_collect(name) AS names FROM items GROUP BY kind"
    )
    request.set_max_memory_consumption(1)
    rows = []
    while True:
        rows.extend(items.query(request).get_results())
        if request.is_done():
            break
    assert {r["kind"]: sorted(r["names"]) for r in rows} == {
        kind: sorted(m["name"] for m in members) for kind, members in _groups().items()
    }


def test_many_rows_with_a_row_limit(handle):
    ddl(handle, "CREATE TABLE numbers (n INTEGER, sq LONG, PRIMARY KEY (n))")
    count = 230
    for n in range(count):
        handle.put(PutRequest().set_table_name("numbers").set_value({"n": n, "sq": n * n}))
    batches = []
    rows = run(
        handle,
        "SELECT n, sq FROM numbers WHERE n - (n / 3) * 3 = 0 ORDER BY sq DESC",
        limit=25,
        batches=batches,
    )
    assert [r["n"] for r in rows] == [n for n in reversed(range(count)) if n % 3 == 0]
    assert all(len(b) <= 25 for b in batches) and len(batches) > 1
    (total,) = run(handle, "SELECT sum(sq) AS s, avg(n) AS a FROM numbers", limit=5, max_read_kb=2)
    assert total == {"s": sum(n * n for n in range(count)), "a": sum(range(count)) / count}


# --- geo functions ----------------------------------------

# The delivery area: a rectangle around central Recife, and a pizzeria's position.
AREA = {
    "type": "Polygon",
    "coordinates": [[[-34.93, -8.09], [-34.86, -8.09], [-34.86, -8.02], [-34.93, -8.02], [-34.93, -8.09]]],
}
HOME = {"type": "Point", "coordinates": [-34.89, -8.05]}


def _inside_area(item):
    if item["info"] is None:
        return False
    lon, lat = item["info"]["where"]["coordinates"]
    return -34.93 < lon < -34.86 and -8.09 < lat < -8.02


def test_geo_inside_intersect_and_is_geometry(items):
    rows = run(
        items,
        "DECLARE $area JSON; SELECT id FROM items t WHERE geo_inside(t.info.where, $area)",
        {"$area": AREA},
    )
    assert ids(rows) == by_id(_inside_area)
    rows = run(
        items,
        "DECLARE $area JSON; SELECT id FROM items t WHERE geo_intersect(t.info.where, $area)",
        {"$area": AREA},
    )
    assert ids(rows) == by_id(_inside_area)
    (row,) = run(
        items,
        "SELECT geo_is_geometry(t.info.where) AS point, geo_is_geometry(t.info.tags) AS tags, "
        "geo_is_geometry({'type': 'Polygon', 'coordinates': [[[0, 0], [1, 0], [1, 1]]]}) AS open_ring "
        "FROM items t WHERE t.id = 1",
    )
    assert row == {"point": True, "tags": False, "open_ring": False}


def _meters(p, q):
    """Haversine on the mean Earth radius: a different method from the emulator's, agreeing within 0.5%."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*p, *q))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def test_geo_distance_within_distance_and_near(items):
    located = [i for i in ITEMS if i["info"] is not None]
    home = HOME["coordinates"]
    distances = {i["id"]: _meters(home, i["info"]["where"]["coordinates"]) for i in located}
    rows = run(
        items,
        "DECLARE $home JSON; SELECT id, geo_distance(t.info.where, $home) AS meters FROM items t "
        "WHERE t.info IS NOT NULL ORDER BY id",
        {"$home": HOME},
    )
    for row in rows:
        assert row["meters"] == pytest.approx(distances[row["id"]], rel=0.005)
    within = run(
        items,
        "DECLARE $home JSON; SELECT id FROM items t WHERE geo_within_distance(t.info.where, $home, 5000)",
        {"$home": HOME},
    )
    assert ids(within) == sorted(k for k, v in distances.items() if v <= 5000)
    # geo_near also orders by distance, nearest first, when the query has no ORDER BY.
    near = run(
        items,
        "DECLARE $home JSON; SELECT id FROM items t WHERE geo_near(t.info.where, $home, 10000)",
        {"$home": HOME},
    )
    assert ids(near) == sorted((k for k, v in distances.items() if v <= 10000), key=distances.get)
    # One degree of latitude along a meridian at the equator: 110,574 m on the WGS 84 ellipsoid.
    (degree,) = run(
        items,
        "SELECT geo_distance({'type': 'Point', 'coordinates': [0, 0]}, "
        "{'type': 'Point', 'coordinates': [0, 1]}) AS m "
        "FROM items WHERE id = 1",
    )
    assert degree["m"] == pytest.approx(110574.4, abs=1)


def test_geo_with_a_line(items):
    road = {"type": "LineString", "coordinates": [[-34.95, -8.05], [-34.85, -8.05]]}
    rows = run(
        items,
        "DECLARE $road JSON; SELECT id FROM items t WHERE geo_within_distance(t.info.where, $road, 1200)",
        {"$road": road},
    )
    # Distance to an east-west road at latitude -8.05 is the north-south distance to it.
    expected = by_id(
        lambda i: (
            i["info"] is not None
            and -34.95 <= i["info"]["where"]["coordinates"][0] <= -34.85
            and _meters((0, i["info"]["where"]["coordinates"][1]), (0, -8.05)) <= 1200
        )
    )
    assert ids(rows) == expected


# --- refusals ----------------------------------------


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "SELECT id FROM items t WHERE geo_inside(t.info.where, "
            "{'type': 'Polygon', 'coordinates': [[[0, 0]]]})",
            "not a valid geometry",
        ),
        (
            "SELECT id FROM items t WHERE t.id = 1 OR geo_near(t.info.where, "
            "{'type': 'Point', 'coordinates': [0, 0]}, 10)",
            "top-level condition",
        ),
    ],
)
def test_geo_misuse_is_refused_when_compiled(items, statement, message):
    with pytest.raises(IllegalArgumentException, match=message):
        run(items, statement)


def test_sequence_variables_and_transforms(items):
    rows = run(
        items,
        "DECLARE $wanted ARRAY(INTEGER); SELECT id, seq_transform(t.info.dims.values(), $ * 10) AS mm "
        "FROM items t WHERE t.id IN $wanted[] ORDER BY id",
        {"$wanted": [2, 6, 42]},
    )
    assert ids(rows) == [2, 6]
    for row in rows:
        dims = list(ITEMS[row["id"] - 1]["info"]["dims"].values())
        assert row["mm"] == ([d * 10 for d in dims] if len(dims) > 1 else dims[0] * 10)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("t.info IS OF TYPE (JSON)", lambda i: i["info"] is not None),
        ("t.info.tags IS OF TYPE (ARRAY(STRING))", lambda i: i["info"] is not None),
        ("t.info.tags[] IS OF TYPE (STRING+)", lambda i: bool((i["info"] or {}).get("tags"))),
        ("t.info.tags[] IS OF TYPE (STRING*)", lambda i: i["info"] is not None),
        ("t.info.size_ml IS OF TYPE (INTEGER)", lambda i: "size_ml" in (i["info"] or {})),
        ("t.info.size_ml IS NOT OF TYPE (STRING?)", lambda i: "size_ml" in (i["info"] or {})),
        ("t.qty IS OF TYPE (ONLY LONG)", lambda i: False),
        ("t.qty IS OF TYPE (LONG)", lambda i: i["qty"] is not None),
    ],
)
def test_is_of_type(items, condition, expected):
    assert ids(run(items, f"SELECT id FROM items t WHERE {condition}")) == by_id(expected)


def test_parse_json(items):
    (row,) = run(
        items,
        'SELECT parse_json(\'{"a": [1, 2.5, null], "b": {"c": "x"}}\') AS doc FROM items WHERE id = 1',
    )
    assert row["doc"] == {"a": [1, 2.5, None], "b": {"c": "x"}}
    with pytest.raises(IllegalArgumentException, match="not valid JSON"):
        run(items, "SELECT parse_json('[1') AS bad FROM items WHERE id = 1")


def test_misuse_gets_clear_errors(items):
    with pytest.raises(IllegalArgumentException, match="more than one items"):
        run(items, "SELECT id FROM items t WHERE t.info.tags[] = 'veg'")
    with pytest.raises(IllegalArgumentException, match="not supported by the emulator: LIKE"):
        run(items, "SELECT id FROM items t WHERE t.name LIKE 'a%'")
    with pytest.raises(IllegalArgumentException, match="Aggregate functions cannot be nested"):
        run(items, "SELECT sum(count(*)) FROM items")


def test_query_ttl_on_insert_uses_the_ttl(items):
    run(items, "INSERT INTO items (id, name) VALUES (20, 'ttl') SET TTL 1 DAYS")
    assert _get(items, 20).get_expiration_time() % 86_400_000 == 0
    assert _get(items, 20).get_expiration_time() > 0
    items.put(
        PutRequest()
        .set_table_name("items")
        .set_value({"id": 21, "name": "kept"})
        .set_ttl(TimeToLive.of_days(3))
    )
    run(items, "UPDATE items t SET t.name = 'changed' WHERE t.id = 21")
    # An UPDATE without SET TTL keeps the row's TTL.
    assert _get(items, 21).get_expiration_time() > 0


def test_insert_with_an_identity_column_returns_the_generated_key(handle):
    ddl(
        handle,
        "CREATE TABLE tickets (id LONG GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5), "
        "who STRING, PRIMARY KEY (id))",
    )
    first = run(handle, "INSERT INTO tickets VALUES (DEFAULT, 'ana') RETURNING id, who")
    second = run(handle, "INSERT INTO tickets (who) VALUES ('bia') RETURNING id")
    assert first == [{"id": 100, "who": "ana"}] and second == [{"id": 105}]
    rows = run(handle, "SELECT id, who FROM tickets ORDER BY id")
    assert rows == [{"id": 100, "who": "ana"}, {"id": 105, "who": "bia"}]


def test_query_iterable_over_a_grouping_query_in_small_batches(items):
    request = QueryRequest().set_statement("SELECT kind, count(*) AS n FROM items GROUP BY kind")
    request.set_max_read_kb(1).set_limit(1)
    counted = {row["kind"]: row["n"] for row in items.query_iterable(request)}
    assert counted == {kind: len(members) for kind, members in _groups().items()}


def test_update_and_delete_rows_of_an_identity_table(handle):
    ddl(handle, "CREATE TABLE tickets (id LONG GENERATED ALWAYS AS IDENTITY, who STRING, PRIMARY KEY (id))")
    (created,) = run(handle, "INSERT INTO tickets (who) VALUES ('ana') RETURNING id")
    key = created["id"]
    (updated,) = run(handle, f"UPDATE tickets t SET t.who = 'bia' WHERE t.id = {key} RETURNING *")
    assert updated == {"id": key, "who": "bia"}
    assert run(handle, f"DELETE FROM tickets WHERE id = {key}") == [{"numRowsDeleted": 1}]
    assert run(handle, "SELECT * FROM tickets") == []


def test_update_typed_array_map_and_record_columns(handle):
    ddl(
        handle,
        "CREATE TABLE menus (id INTEGER, sizes ARRAY(INTEGER), prices MAP(NUMBER), "
        "chef RECORD(name STRING, stars INTEGER), PRIMARY KEY (id))",
    )
    menu = {"id": 1, "sizes": [25, 30], "prices": {"m": Decimal("30")}, "chef": {"name": "Ana", "stars": 3}}
    handle.put(PutRequest().set_table_name("menus").set_value(menu))
    (row,) = run(
        handle,
        "UPDATE menus m ADD m.sizes 40, PUT m.prices {'l': 42.5}, SET m.chef.stars = $ + 1, "
        "REMOVE m.sizes[$element = 25], SET m.prices.values($key = 'm') = 31 WHERE m.id = 1 RETURNING *",
    )
    assert row == {
        "id": 1,
        "sizes": [30, 40],
        "prices": {"m": Decimal("31"), "l": Decimal("42.5")},
        "chef": {"name": "Ana", "stars": 4},
    }
    # The new values are checked against the column types: the row is left as it was.
    with pytest.raises(IllegalArgumentException, match="stars"):
        run(handle, "UPDATE menus m SET m.chef.stars = 'many' WHERE m.id = 1")
    stored = handle.get(GetRequest().set_table_name("menus").set_key({"id": 1})).get_value()
    assert stored["chef"]["stars"] == 4


@pytest.fixture
def cloud_handle(cloud_emulator, oci_config):
    """A signed handle on the session's cloud-mode emulator (root conftest), emptied."""
    from borneo.iam import SignatureProvider

    from .support import make_handle

    cloud_emulator.admin("reset")
    handle = make_handle(cloud_emulator.url, provider=SignatureProvider(config_file=str(oci_config.path)))
    yield handle
    handle.close()


def test_cloud_mode_reports_the_units_each_batch_consumed(cloud_handle):
    from borneo import TableLimits

    ddl(
        cloud_handle,
        "CREATE TABLE notes (id INTEGER, body STRING, PRIMARY KEY (id))",
        limits=TableLimits(50, 50, 1),
    )
    bodies = {n: "x" * (700 + 300 * (n % 4)) for n in range(12)}  # rows of about 1 to 2 KB
    for n, body in bodies.items():
        cloud_handle.put(PutRequest().set_table_name("notes").set_value({"id": n, "body": body}))
    request = (
        QueryRequest().set_statement("SELECT id FROM notes WHERE length(body) > 1000").set_max_read_kb(3)
    )
    seen, reads = [], []
    while True:
        result = cloud_handle.query(request)
        seen.extend(r["id"] for r in result.get_results())
        reads.append(result.get_read_kb())
        if request.is_done():
            break
    assert seen == [n for n, body in bodies.items() if len(body) > 1000]
    # A batch stops once it has read max_read_kb: it may finish the row it started (at most 2 KB here).
    assert len(reads) > 1 and all(0 < kb <= 3 + 1 for kb in reads)
    update = cloud_handle.query(
        QueryRequest().set_statement("UPDATE notes n SET n.body = 'short' WHERE n.id = 1")
    )
    assert update.get_results() == [{"NumRowsUpdated": 1}] and update.get_write_kb() > 0


def test_row_functions_report_the_row_metadata(items):
    items.put(
        PutRequest()
        .set_table_name("items")
        .set_value({"id": 30, "name": "ttl"})
        .set_ttl(TimeToLive.of_days(2))
    )
    got = _get(items, 30)
    (row,) = run(
        items,
        "SELECT modification_time($t) AS modified, expiration_time($t) AS expires, "
        "expiration_time_millis($t) AS expires_ms, remaining_days($t) AS days, row_storage_size($t) AS size, "
        "version($t) AS v FROM items $t WHERE $t.id = 30",
    )
    expires = dt.datetime.fromtimestamp(got.get_expiration_time() / 1000, UTC)
    assert row["expires"].replace(tzinfo=UTC) == expires and row["expires_ms"] == got.get_expiration_time()
    assert row["modified"].replace(tzinfo=UTC) == dt.datetime.fromtimestamp(
        got.get_modification_time() / 1000, UTC
    )
    assert row["days"] in (2, 3) and row["size"] > 0
    assert bytes(row["v"]) == bytes(got.get_version().get_bytes())


def test_returning_rows_of_a_write_are_paged_once(items):
    request = QueryRequest().set_statement("DELETE FROM items t WHERE t.kind = 'pizza' RETURNING t.id")
    request.set_limit(1)
    batches = []
    while True:
        batches.append(items.query(request).get_results())
        if request.is_done():
            break
    pizzas = by_id(lambda i: i["kind"] == "pizza")
    # One delete, its returned rows spread over batches of one: none repeated, none lost.
    assert [row["id"] for batch in batches for row in batch] == pizzas and len(batches) == len(pizzas)
    assert run(items, "SELECT id FROM items WHERE kind = 'pizza'") == []


def test_timestamp_rounding_and_buckets(items):
    rows = run(
        items,
        "SELECT t.id, timestamp_trunc(t.added, 'month') AS month, timestamp_ceil(t.added, 'day') AS up, "
        "timestamp_round(t.added, 'hour') AS near, timestamp_bucket(t.added, '4 hours') AS bucket "
        "FROM items t ORDER BY t.id",
    )
    for row, item in zip(rows, ITEMS, strict=True):
        added = item["added"]
        day = added.replace(hour=0, minute=0, second=0, microsecond=0)
        assert row["month"].replace(tzinfo=UTC) == day.replace(day=1)
        assert row["up"].replace(tzinfo=UTC) == (day if added == day else day + dt.timedelta(days=1))
        hour = added.replace(minute=0, second=0, microsecond=0)
        assert row["near"].replace(tzinfo=UTC) == (
            hour + dt.timedelta(hours=1) if added.minute >= 30 else hour
        )
        assert row["bucket"].replace(tzinfo=UTC) == day + dt.timedelta(hours=added.hour // 4 * 4)
    with pytest.raises(IllegalArgumentException, match="Invalid bucket interval"):
        run(items, "SELECT timestamp_bucket(t.added, 'fortnight') FROM items t")


def test_unnest_arrays_into_rows(items):
    pairs = run(
        items,
        "SELECT t.id, $tag AS tag FROM items t, UNNEST(t.info.tags[] AS $tag) WHERE $tag != 'classic'",
    )
    expected = [(i["id"], tag) for i in ITEMS if i["info"] for tag in i["info"]["tags"] if tag != "classic"]
    assert [(r["id"], r["tag"]) for r in pairs] == expected
    counts = run(
        items,
        # Row 7's info is NULL: its path yields one NULL item, which would make a NULL group.
        "SELECT $tag AS tag, count(*) AS n FROM items t, UNNEST(t.info.tags[] AS $tag) "
        "WHERE t.info IS NOT NULL GROUP BY $tag ORDER BY count(*) DESC, $tag",
        limit=2,
    )
    tally = defaultdict(int)
    for item in ITEMS:
        for tag in (item["info"] or {}).get("tags", []):
            tally[tag] += 1
    assert [(r["tag"], r["n"]) for r in counts] == sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
    with pytest.raises(IllegalArgumentException, match="\\$tag is neither"):
        run(items, "SELECT $tag, count(*) FROM items t, UNNEST(t.info.tags[] AS $tag) GROUP BY t.kind")


# --- joins in a table hierarchy ---------------------------------------------------------------------------

SHOPS = [{"sid": 1, "name": "centro"}, {"sid": 2, "name": "praia"}, {"sid": 3, "name": "nova"}]
ORDERS = [
    {"sid": 1, "oid": 10, "total": Decimal("50")},
    {"sid": 1, "oid": 11, "total": Decimal("20")},
    {"sid": 2, "oid": 20, "total": Decimal("35")},
]
LINES = [
    {"sid": 1, "oid": 10, "line": 1, "what": "margherita"},
    {"sid": 1, "oid": 10, "line": 2, "what": "guarana"},
    {"sid": 2, "oid": 20, "line": 1, "what": "calabresa"},
]


@pytest.fixture
def hierarchy(handle):
    ddl(handle, "CREATE TABLE shops (sid INTEGER, name STRING, PRIMARY KEY (sid))")
    ddl(handle, "CREATE TABLE shops.orders (oid INTEGER, total NUMBER, PRIMARY KEY (oid))")
    ddl(handle, "CREATE TABLE shops.orders.lines (line INTEGER, what STRING, PRIMARY KEY (line))")
    for table, rows in (("shops", SHOPS), ("shops.orders", ORDERS), ("shops.orders.lines", LINES)):
        for row in rows:
            handle.put(PutRequest().set_table_name(table).set_value(row))
    return handle


def _orders_of(shop):
    return [o for o in ORDERS if o["sid"] == shop["sid"]]


def test_left_outer_join_keeps_parents_without_children(hierarchy):
    rows = run(
        hierarchy,
        "SELECT s.sid, s.name, o.oid, o.total FROM shops s "
        "LEFT OUTER JOIN shops.orders o ON s.sid = o.sid ORDER BY s.sid, o.oid",
        limit=2,
    )
    expected = []
    for shop in SHOPS:
        for order in _orders_of(shop) or [None]:
            expected.append(
                {
                    "sid": shop["sid"],
                    "name": shop["name"],
                    "oid": order and order["oid"],
                    "total": order and order["total"],
                }
            )
    assert rows == expected
    # Aggregates over the join: the number of orders and their sum per shop (0 and NULL for none).
    totals = run(
        hierarchy,
        "SELECT s.name, count(o.oid) AS n, sum(o.total) AS spent FROM shops s "
        "LEFT OUTER JOIN shops.orders o ON s.sid = o.sid GROUP BY s.name ORDER BY s.name",
    )
    assert totals == [
        {
            "name": shop["name"],
            "n": len(_orders_of(shop)),
            "spent": sum((o["total"] for o in _orders_of(shop)), Decimal(0)) if _orders_of(shop) else None,
        }
        for shop in sorted(SHOPS, key=lambda s: s["name"])
    ]


def test_join_to_an_ancestor_and_select_star(hierarchy):
    rows = run(
        hierarchy,
        "SELECT * FROM shops.orders.lines l LEFT OUTER JOIN shops s ON l.sid = s.sid "
        "LEFT OUTER JOIN shops.orders o ON l.sid = o.sid AND l.oid = o.oid",
    )
    shops = {s["sid"]: s for s in SHOPS}
    orders = {(o["sid"], o["oid"]): o for o in ORDERS}
    assert rows == [
        {"l": line, "s": shops[line["sid"]], "o": orders[(line["sid"], line["oid"])]} for line in LINES
    ]


def test_nested_tables_imply_the_key_predicates(hierarchy):
    rows = run(
        hierarchy,
        "SELECT o.oid, s.name, l.what FROM NESTED TABLES(shops.orders o ANCESTORS(shops s) "
        "DESCENDANTS(shops.orders.lines l ON l.what != 'guarana')) ORDER BY o.oid, l.line",
    )
    expected = []
    for order in ORDERS:
        lines = [
            li
            for li in LINES
            if (li["sid"], li["oid"]) == (order["sid"], order["oid"]) and li["what"] != "guarana"
        ]
        shop = next(s for s in SHOPS if s["sid"] == order["sid"])
        for line in lines or [None]:
            expected.append({"oid": order["oid"], "name": shop["name"], "what": line and line["what"]})
    assert rows == expected


def test_inner_join_keeps_only_matching_rows(hierarchy):
    rows = run(
        hierarchy,
        "SELECT s.name, o.oid, l.what FROM shops s, shops.orders o, shops.orders.lines l "
        "WHERE s.sid = o.sid AND o.sid = l.sid AND o.oid = l.oid ORDER BY o.oid, l.line",
    )
    names = {s["sid"]: s["name"] for s in SHOPS}
    expected = [
        {"name": names[o["sid"]], "oid": o["oid"], "what": li["what"]}
        for o in ORDERS
        for li in LINES
        if (li["sid"], li["oid"]) == (o["sid"], o["oid"])
    ]
    assert rows == expected
    with pytest.raises(IllegalArgumentException, match="must equate the shard key columns"):
        run(hierarchy, "SELECT * FROM shops s, shops.orders o WHERE o.total > 10")


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "SELECT * FROM shops.orders.lines l LEFT OUTER JOIN shops.orders o ON l.sid = o.sid "
            "AND l.oid = o.oid LEFT OUTER JOIN shops s ON l.sid = s.sid",
            "top-down order",
        ),
        (
            "SELECT * FROM shops s LEFT OUTER JOIN shops.orders o ON s.name = o.total",
            "A join predicate is missing from ON clause of table shops.orders : s.sid = o.sid",
        ),
    ],
)
def test_join_misuse(hierarchy, statement, message):
    with pytest.raises(IllegalArgumentException, match=message):
        run(hierarchy, statement)


def test_queries_on_tables_of_a_namespace(handle):
    handle.do_system_request("CREATE NAMESPACE shop")
    ddl(handle, "CREATE TABLE shop:users (id INTEGER, name STRING, PRIMARY KEY (id))")
    ddl(handle, "CREATE TABLE shop:users.carts (cid INTEGER, items INTEGER, PRIMARY KEY (cid))")
    ddl(handle, "CREATE TABLE users (id INTEGER, name STRING, PRIMARY KEY (id))")
    handle.put(PutRequest().set_table_name("shop:users").set_value({"id": 1, "name": "ana"}))
    handle.put(PutRequest().set_table_name("shop:users.carts").set_value({"id": 1, "cid": 7, "items": 3}))
    handle.put(PutRequest().set_table_name("users").set_value({"id": 1, "name": "other"}))
    assert run(handle, "SELECT u.name FROM shop:users u") == [{"name": "ana"}]
    assert run(handle, "SELECT users.name FROM shop:users WHERE users.id = 1") == [{"name": "ana"}]
    joined = run(
        handle,
        "SELECT u.name, c.items FROM shop:users u LEFT OUTER JOIN shop:users.carts c ON u.id = c.id",
    )
    assert joined == [{"name": "ana", "items": 3}]
    assert run(handle, "UPDATE shop:users u SET u.name = 'bia' WHERE u.id = 1") == [{"NumRowsUpdated": 1}]
    assert run(handle, "SELECT name FROM users") == [{"name": "other"}]
