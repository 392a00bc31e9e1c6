"""--data PATH keeps tables, rows, versions and TTLs across restarts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from borneo import GetIndexesRequest, GetRequest, PutOption, PutRequest, TimeToLive

from .support import EmulatorProcess, ddl, make_handle

pytestmark = pytest.mark.system


def test_restart_keeps_everything(tmp_path):
    data = str(tmp_path / "nosql.sqlite3")
    first = EmulatorProcess("--data", data).start()
    handle = make_handle(first.url)
    try:
        ddl(handle, "CREATE TABLE shop (sid STRING, doc JSON, PRIMARY KEY (sid)) USING TTL 3 DAYS")
        ddl(handle, "CREATE TABLE shop.item (iid INTEGER, price NUMBER, at TIMESTAMP(6), PRIMARY KEY (iid))")
        ddl(handle, "CREATE INDEX by_city ON shop (doc.city AS STRING)")
        value = {"sid": "s1", "doc": {"city": "Natal", "n": [1, 2.5, None]}}
        version = handle.put(PutRequest().set_table_name("shop").set_value(value)).get_version()
        at = dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC)
        item = {"sid": "s1", "iid": 7, "price": Decimal("12.34"), "at": at}
        handle.put(PutRequest().set_table_name("shop.item").set_value(item).set_ttl(TimeToLive.of_hours(5)))
        before = handle.get(GetRequest().set_table_name("shop").set_key({"sid": "s1"}))
    finally:
        handle.close()
        first.stop()

    second = EmulatorProcess("--data", data).start()
    handle = make_handle(second.url)
    try:
        after = handle.get(GetRequest().set_table_name("shop").set_key({"sid": "s1"}))
        assert after.get_value() == value
        assert after.get_expiration_time() == before.get_expiration_time() != 0
        assert after.get_version().get_bytes() == version.get_bytes()
        item_row = handle.get(GetRequest().set_table_name("shop.item").set_key({"sid": "s1", "iid": 7}))
        assert item_row.get_value() == {**item, "at": dt.datetime(2024, 2, 29, 23, 59, 59, 999999)}
        # The version from before the restart still matches; the new one is different.
        request = PutRequest().set_table_name("shop").set_value(value).set_option(PutOption.IF_VERSION)
        new = handle.put(request.set_match_version(version)).get_version()
        assert new is not None and new.get_bytes() != version.get_bytes()
        assert second.admin("tables", method="GET")["tables"] == ["shop", "shop.item"]
        indexes = handle.get_indexes(GetIndexesRequest().set_table_name("shop")).get_indexes()
        assert [i.get_index_name() for i in indexes] == ["by_city"]
    finally:
        handle.close()
        second.stop()
