"""DDL through borneo beyond the basics: table states a driver waits on, child tables and table TTL,
ALTER TABLE (ADD and DROP, nested record fields, USING TTL), indexes into arrays, maps and typed JSON,
list_tables with paging and namespaces, and table usage in cloud mode."""

from __future__ import annotations

import json
import logging

import pytest
from borneo import (
    GetIndexesRequest,
    GetRequest,
    GetTableRequest,
    IllegalArgumentException,
    IndexNotFoundException,
    ListTablesRequest,
    NoSQLHandle,
    NoSQLHandleConfig,
    PutRequest,
    QueryRequest,
    ResourceExistsException,
    ResourceNotFoundException,
    State,
    TableExistsException,
    TableLimits,
    TableNotFoundException,
    TableRequest,
    TableUsageRequest,
    TimeToLive,
)

from .support import ddl, make_handle

pytestmark = pytest.mark.system

DAY_MS = 24 * 3_600_000


def schema(handle, table):
    return json.loads(handle.get_table(GetTableRequest().set_table_name(table)).get_schema())


def put(handle, table, value, **options):
    request = PutRequest().set_table_name(table).set_value(value)
    for name, setting in options.items():
        getattr(request, f"set_{name}")(setting)
    return handle.put(request)


def get(handle, table, key):
    return handle.get(GetRequest().set_table_name(table).set_key(key))


def test_table_states_and_wait_for_completion(handle):
    created = handle.table_request(
        TableRequest().set_statement("CREATE TABLE t (id INTEGER, PRIMARY KEY (id))")
    )
    assert created.get_state() == State.CREATING
    created.wait_for_completion(handle, 5000, 100)
    assert created.get_state() == State.ACTIVE
    altered = handle.table_request(TableRequest().set_statement("ALTER TABLE t (ADD name STRING)"))
    assert altered.get_state() == State.UPDATING
    altered.wait_for_completion(handle, 5000, 100)
    assert altered.get_state() == State.ACTIVE
    dropped = handle.table_request(TableRequest().set_statement("DROP TABLE t"))
    assert dropped.get_state() == State.DROPPING
    dropped.wait_for_completion(handle, 5000, 100)
    assert dropped.get_state() == State.DROPPED
    with pytest.raises(TableNotFoundException):
        handle.get_table(GetTableRequest().set_table_name("t"))


def test_create_and_drop_with_if_clauses_child_tables_and_ttl(handle):
    ddl(handle, "CREATE TABLE users (id STRING, PRIMARY KEY (id)) USING TTL 5 DAYS")
    ddl(handle, "CREATE TABLE IF NOT EXISTS users (id STRING, PRIMARY KEY (id))")
    with pytest.raises(TableExistsException):
        ddl(handle, "CREATE TABLE users (id STRING, PRIMARY KEY (id))")
    ddl(handle, "CREATE TABLE users.orders (oid INTEGER, PRIMARY KEY (oid)) USING TTL 12 HOURS")
    parent = schema(handle, "users")
    assert parent["ttl"] == "5 DAYS" and parent["children"] == ["users.orders"]
    child = schema(handle, "users.orders")
    assert child["parent"] == "users" and child["ttl"] == "12 HOURS"
    assert child["primaryKey"] == ["id", "oid"] and child["shardKey"] == ["id"]
    with pytest.raises(TableNotFoundException, match="Parent table does not exist: nope"):
        ddl(handle, "CREATE TABLE nope.kids (k INTEGER, PRIMARY KEY (k))")
    with pytest.raises(IllegalArgumentException, match="child tables"):
        ddl(handle, "DROP TABLE users")
    ddl(handle, "DROP TABLE users.orders")
    ddl(handle, "DROP TABLE IF EXISTS users.orders")
    with pytest.raises(TableNotFoundException):
        ddl(handle, "DROP TABLE users.orders")
    ddl(handle, "DROP TABLE users")
    assert handle.list_tables(ListTablesRequest()).get_tables() == []


@pytest.fixture
def people(handle):
    ddl(
        handle,
        """CREATE TABLE people (id INTEGER, name STRING, nick STRING,
        address RECORD(street STRING, city RECORD(name STRING, uf STRING)), PRIMARY KEY (id))""",
    )
    first = put(handle, "people", {"id": 1, "name": "Ana", "nick": "aninha", "address": {"street": "A"}})
    return handle, first


def test_alter_add_and_drop_fields_at_every_level(people):
    handle, first = people
    changes = "ADD address.zip STRING DEFAULT '00000', DROP nick, ADD address.city.ibge INTEGER"
    ddl(handle, f"ALTER TABLE people ({changes})")
    fields = {f["name"]: f for f in schema(handle, "people")["fields"]}
    assert "nick" not in fields
    assert [f["name"] for f in fields["address"]["fields"]] == ["street", "city", "zip"]
    assert [f["name"] for f in fields["address"]["fields"][1]["fields"]] == ["name", "uf", "ibge"]
    # A row written before reads the new nested field's default and no longer shows the dropped one; its
    # version is unchanged, as Oracle rewrites no row.
    old = get(handle, "people", {"id": 1})
    assert old.get_value() == {
        "id": 1,
        "name": "Ana",
        "address": {"street": "A", "city": None, "zip": "00000"},
    }
    assert old.get_version().get_bytes() == first.get_version().get_bytes()
    put(handle, "people", {"id": 2, "address": {"city": {"name": "Niterói", "ibge": 3303302}}})
    assert get(handle, "people", {"id": 2}).get_value()["address"]["city"] == {
        "name": "Niterói",
        "uf": None,
        "ibge": 3303302,
    }
    ddl(handle, "ALTER TABLE people (DROP address.city)")
    assert get(handle, "people", {"id": 2}).get_value()["address"] == {"street": None, "zip": "00000"}
    rows = list(handle.query_iterable(QueryRequest().set_statement("SELECT * FROM people")))
    assert all("city" not in row["address"] for row in rows)
    # A field dropped and added again starts empty: old values do not come back.
    ddl(handle, "ALTER TABLE people (ADD nick INTEGER)")
    assert get(handle, "people", {"id": 1}).get_value()["nick"] is None
    assert "nick INTEGER" in handle.get_table(GetTableRequest().set_table_name("people")).get_ddl()


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("ALTER TABLE people (DROP id)", "Cannot remove a primary key field: id"),
        (
            "ALTER TABLE people (ADD extra RECORD(only INTEGER), DROP extra.only)",
            "Cannot remove the last field",
        ),
        ("ALTER TABLE people (ADD name.x STRING)", "name is not a RECORD"),
        ("ALTER TABLE people (ADD address.nope.x STRING)", "address.nope does not exist"),
        ("ALTER TABLE people (DROP name)", "Cannot remove an index key field: name"),
        ("ALTER TABLE people (DROP address.city.uf)", "Cannot remove an index key field: address.city.uf"),
    ],
)
def test_bad_alters_change_nothing(people, statement, says):
    handle, _ = people
    ddl(handle, "CREATE INDEX by_name ON people (name)")
    ddl(handle, "CREATE INDEX by_uf ON people (address.city.uf)")
    before = schema(handle, "people")
    with pytest.raises(IllegalArgumentException, match=says):
        ddl(handle, statement)
    assert schema(handle, "people") == before


@pytest.mark.parametrize(
    ("statement", "error", "says"),
    [
        (
            "ALTER TABLE people (ADD address.street STRING)",
            ResourceExistsException,
            "address.street, it already",
        ),
        (
            "ALTER TABLE people (ADD n INTEGER, DROP nick, ADD n LONG)",
            ResourceExistsException,
            "field, n, it",
        ),
        ("ALTER TABLE people (DROP nothing)", ResourceNotFoundException, "Field does not exist: nothing"),
        ("ALTER TABLE people (DROP address.nothing)", ResourceNotFoundException, "Field does not exist"),
    ],
)
def test_alters_of_fields_that_exist_or_not_are_classified_as_the_proxy_does(people, statement, error, says):
    # The proxy turns DDL messages saying "does not exist" into RESOURCE_NOT_FOUND and "exists" into
    # RESOURCE_EXISTS.
    handle, _ = people
    before = schema(handle, "people")
    with pytest.raises(error, match=says):
        ddl(handle, statement)
    assert schema(handle, "people") == before


def test_alter_using_ttl_applies_to_new_writes(fresh, handle):
    ddl(handle, "CREATE TABLE codes (id STRING, PRIMARY KEY (id))")
    put(handle, "codes", {"id": "before"})
    ddl(handle, "ALTER TABLE codes USING TTL 2 DAYS")
    assert schema(handle, "codes")["ttl"] == "2 DAYS"
    assert handle.get_table(GetTableRequest().set_table_name("codes")).get_ddl().endswith("USING TTL 2 DAYS")
    put(handle, "codes", {"id": "after"})
    assert get(handle, "codes", {"id": "before"}).get_expiration_time() == 0
    after = get(handle, "codes", {"id": "after"})
    assert after.get_expiration_time() == (-(-after.get_modification_time() // DAY_MS) + 2) * DAY_MS
    ddl(handle, "ALTER TABLE codes USING TTL 0 DAYS")  # no default any more
    put(handle, "codes", {"id": "later"})
    assert get(handle, "codes", {"id": "later"}).get_expiration_time() == 0
    fresh.admin("clock", {"advance_seconds": 3 * 86400})
    assert get(handle, "codes", {"id": "after"}).get_value() is None
    assert get(handle, "codes", {"id": "before"}).get_value() is not None


@pytest.fixture
def catalog(handle):
    ddl(
        handle,
        """CREATE TABLE catalog (id INTEGER, tags ARRAY(STRING), prices MAP(NUMBER),
        sizes ARRAY(RECORD(name STRING, cm INTEGER)), info JSON, photo BINARY, PRIMARY KEY (id))""",
    )
    return handle


def test_indexes_on_array_and_map_elements_and_typed_json(catalog):
    statements = {
        "by_tag": "CREATE INDEX by_tag ON catalog (tags[])",
        "by_size": "CREATE INDEX by_size ON catalog (sizes[].name, sizes[].cm)",
        "by_key": "CREATE INDEX by_key ON catalog (prices.keys())",
        "by_value": "CREATE INDEX by_value ON catalog (prices.values())",
        "by_large": "CREATE INDEX by_large ON catalog (prices.large)",
        "by_age": "CREATE INDEX by_age ON catalog (info.age AS INTEGER, info.city AS STRING)",
        "by_json_tag": "CREATE INDEX by_json_tag ON catalog (info.tags[] AS STRING)",
    }
    for statement in statements.values():
        ddl(catalog, statement)
    indexes = catalog.get_indexes(GetIndexesRequest().set_table_name("catalog")).get_indexes()
    found = {i.get_index_name(): i.get_field_names() for i in indexes}
    assert found == {
        "by_tag": ["tags[]"],
        "by_size": ["sizes[].name", "sizes[].cm"],
        "by_key": ["prices.keys()"],
        "by_value": ["prices.values()"],
        "by_large": ["prices.large"],
        "by_age": ["info.age", "info.city"],
        "by_json_tag": ["info.tags[]"],
    }
    one = catalog.get_indexes(GetIndexesRequest().set_table_name("catalog").set_index_name("by_age"))
    assert [i.get_field_types() for i in one.get_indexes()] == [["INTEGER", "STRING"]]
    assert [i["name"] for i in schema(catalog, "catalog")["indexes"]] == list(statements)
    ddl(catalog, "DROP INDEX by_tag ON catalog")
    with pytest.raises(IndexNotFoundException):
        catalog.get_indexes(GetIndexesRequest().set_table_name("catalog").set_index_name("by_tag"))


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ("tags", "index an array's elements with tags\\[\\]"),
        ("prices", "prices.keys\\(\\)"),
        ("sizes[]", "RECORD cannot be indexed"),
        ("photo", "BINARY cannot be indexed"),
        ("id[]", "id is not an array"),
        ("tags.keys()", "tags is not a map"),
        ("sizes[].weight", "has no field weight"),
        ("info.age", "need 'AS <type>'"),
        ("tags[] AS STRING", "only JSON paths take a type"),
        ("tags[], prices.values()", "only one array or map"),
        ("tags[1]", "not supported by the emulator"),
        ("upper(tags)", "not supported by the emulator"),
    ],
)
def test_bad_indexes_are_refused(catalog, fields, says):
    with pytest.raises(IllegalArgumentException, match=says):
        ddl(catalog, f"CREATE INDEX bad ON catalog ({fields})")
    assert catalog.get_indexes(GetIndexesRequest().set_table_name("catalog")).get_indexes() == []


def test_list_tables_paging(handle):
    names = [f"t{n:02d}" for n in range(7)]
    for name in reversed(names):
        ddl(handle, f"CREATE TABLE {name} (id INTEGER, PRIMARY KEY (id))")
    seen, start = [], 0
    while True:
        result = handle.list_tables(ListTablesRequest().set_start_index(start).set_limit(3))
        if not result.get_tables():
            break
        seen += result.get_tables()
        start = result.get_last_returned_index()
    assert seen == names


def test_namespaces(fresh, handle):
    handle.do_system_request("CREATE NAMESPACE shop")
    with pytest.raises(ResourceExistsException, match="Namespace already exists: 'shop'"):
        handle.do_system_request("CREATE NAMESPACE shop")
    handle.do_system_request("CREATE NAMESPACE IF NOT EXISTS shop")
    assert handle.list_namespaces() == ["sysdefault", "shop"]
    ddl(handle, "CREATE TABLE shop:users (id INTEGER, PRIMARY KEY (id))")
    ddl(handle, "CREATE TABLE shop:users.orders (oid INTEGER, PRIMARY KEY (oid))")
    ddl(handle, "CREATE TABLE users (id INTEGER, PRIMARY KEY (id))")
    with pytest.raises(ResourceNotFoundException, match="Namespace does not exist: nope"):
        ddl(handle, "CREATE TABLE nope:t (id INTEGER, PRIMARY KEY (id))")
    assert handle.list_tables(ListTablesRequest()).get_tables() == [
        "shop:users",
        "shop:users.orders",
        "users",
    ]
    assert handle.list_tables(ListTablesRequest().set_namespace("shop")).get_tables() == [
        "shop:users",
        "shop:users.orders",
    ]
    assert handle.list_tables(ListTablesRequest().set_namespace("sysdefault")).get_tables() == ["users"]
    with pytest.raises(ResourceNotFoundException):
        handle.list_tables(ListTablesRequest().set_namespace("nope"))
    put(handle, "shop:users", {"id": 1})
    assert get(handle, "users", {"id": 1}).get_value() is None  # another table
    assert schema(handle, "shop:users")["namespace"] == "shop"

    # A handle whose default namespace is "shop" reads and queries its tables by their plain names.
    config = NoSQLHandleConfig(fresh.url).set_default_namespace("shop")
    config.set_logger(logging.getLogger("borneo"))  # else borneo writes logs/driver.log into the checkout
    from borneo.kv import StoreAccessTokenProvider

    scoped = NoSQLHandle(config.set_authorization_provider(StoreAccessTokenProvider()))
    try:
        assert scoped.get(GetRequest().set_table_name("users").set_key({"id": 1})).get_value() == {"id": 1}
        assert list(scoped.query_iterable(QueryRequest().set_statement("SELECT * FROM users"))) == [{"id": 1}]
        with pytest.raises(TableNotFoundException, match="Table not found: shop:nope"):
            scoped.get(GetRequest().set_table_name("nope").set_key({"id": 1}))
        scoped.put(PutRequest().set_table_name("sysdefault:users").set_value({"id": 9}))
    finally:
        scoped.close()
    assert get(handle, "users", {"id": 9}).get_value() == {"id": 9}

    with pytest.raises(IllegalArgumentException, match="cannot be removed because it is not empty"):
        handle.do_system_request("DROP NAMESPACE shop")
    handle.do_system_request("DROP NAMESPACE shop CASCADE")
    assert handle.list_tables(ListTablesRequest()).get_tables() == ["users"]
    with pytest.raises(ResourceNotFoundException, match="Namespace 'shop' does not exist"):
        handle.do_system_request("DROP NAMESPACE shop")
    handle.do_system_request("DROP NAMESPACE IF EXISTS shop")


def test_table_usage_in_cloud_mode(cloud_emulator, oci_config):
    from borneo.iam import SignatureProvider

    cloud_emulator.admin("reset")
    handle = make_handle(cloud_emulator.url, provider=SignatureProvider(config_file=str(oci_config.path)))
    try:
        ddl(handle, "CREATE TABLE pizzas (id INTEGER, PRIMARY KEY (id))", limits=TableLimits(50, 20, 1))
        writes = [put(handle, "pizzas", {"id": n}, ttl=TimeToLive.of_days(1)) for n in range(3)]
        reads = [get(handle, "pizzas", {"id": n}) for n in range(3)]
        reads.append(handle.query(QueryRequest().set_statement("SELECT * FROM pizzas")))
        result = handle.get_table_usage(TableUsageRequest().set_table_name("pizzas"))
        assert result.get_table_name() == "pizzas"
        [record] = result.get_usage_records()
        assert record.get_write_units() == sum(w.get_write_units() for w in writes)
        assert record.get_read_units() == sum(r.get_read_units() for r in reads)
        assert reads[-1].get_read_units() > 0
        assert record.get_seconds_in_period() == 60
        assert (record.get_read_throttle_count(), record.get_write_throttle_count()) == (0, 0)
        ranged = handle.get_table_usage(
            TableUsageRequest().set_table_name("pizzas").set_start_time(0).set_end_time(2**41).set_limit(5)
        )
        assert sum(r.get_write_units() for r in ranged.get_usage_records()) == record.get_write_units()
        cloud_emulator.admin("faults", {"throttle_requests": 1})
        put(handle, "pizzas", {"id": 9})  # borneo retries the throttled attempt by itself
        [throttled] = handle.get_table_usage(TableUsageRequest().set_table_name("pizzas")).get_usage_records()
        assert throttled.get_write_throttle_count() == 1
        with pytest.raises(TableNotFoundException):
            handle.get_table_usage(TableUsageRequest().set_table_name("nope"))
    finally:
        handle.close()


def test_nested_types_namespaces_and_evolution_survive_a_restart(tmp_path):
    from .support import EmulatorProcess

    data = str(tmp_path / "nosql.sqlite3")
    value = {"id": 1, "tags": ["a"], "address": {"street": "A", "geo": {"lat": 1.5}}, "old": "x"}
    process = EmulatorProcess("--data", data).start()
    try:
        handle = make_handle(process.url)
        handle.do_system_request("CREATE NAMESPACE shop")
        ddl(
            handle,
            """CREATE TABLE shop:places (id INTEGER, tags ARRAY(STRING), old STRING,
            address RECORD(street STRING, geo RECORD(lat DOUBLE)), PRIMARY KEY (id))""",
        )
        ddl(handle, "CREATE INDEX by_tag ON shop:places (tags[])")
        put(handle, "shop:places", value)
        ddl(handle, "ALTER TABLE shop:places (DROP old, ADD address.geo.lon DOUBLE DEFAULT 0.0)")
        ddl(handle, "ALTER TABLE shop:places USING TTL 3 DAYS")
        before = get(handle, "shop:places", {"id": 1})
        before_schema = schema(handle, "shop:places")
        handle.close()
    finally:
        process.stop()
    process = EmulatorProcess("--data", data).start()
    try:
        handle = make_handle(process.url)
        assert handle.list_namespaces() == ["sysdefault", "shop"]
        after = get(handle, "shop:places", {"id": 1})
        assert after.get_value() == before.get_value()
        assert after.get_value()["address"]["geo"] == {"lat": 1.5, "lon": 0.0}
        assert "old" not in after.get_value()
        assert after.get_version().get_bytes() == before.get_version().get_bytes()
        assert schema(handle, "shop:places") == before_schema
        put(handle, "shop:places", {"id": 2, "tags": ["b"], "address": {"geo": {"lon": 2}}})
        assert get(handle, "shop:places", {"id": 2}).get_value()["address"]["geo"] == {
            "lat": None,
            "lon": 2.0,
        }
        handle.close()
    finally:
        process.stop()


def test_the_ddl_get_table_returns_after_an_alter_recreates_the_same_table(handle):
    ddl(
        handle,
        """CREATE TABLE every (id LONG GENERATED BY DEFAULT ON NULL AS IDENTITY (START WITH 5 INCREMENT BY -1
        MINVALUE -9 MAXVALUE 10 CACHE 7 CYCLE), ref STRING AS UUID, ts TIMESTAMP(2) DEFAULT '2024-01-01',
        fb BINARY(3), e ENUM(A, B) NOT NULL DEFAULT B, n NUMBER DEFAULT 1.5, tags ARRAY(MAP(RECORD(x INTEGER,
        y STRING DEFAULT 'q'))), PRIMARY KEY (SHARD(ref), id)) USING TTL 4 HOURS""",
    )
    ddl(handle, "ALTER TABLE every (ADD extra RECORD(a BOOLEAN DEFAULT TRUE))")
    regenerated = handle.get_table(GetTableRequest().set_table_name("every")).get_ddl()
    before = schema(handle, "every")
    ddl(handle, "DROP TABLE every")
    ddl(handle, regenerated)
    assert schema(handle, "every") == before
