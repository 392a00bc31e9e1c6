"""``stores`` and ``store``: Django's connection-handler shape, one store per alias and process."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from ocipizza.nosql import StoreHandler, StoreNotConfigured, store, stores
from ocipizza.nosql.backends.sqlite import SQLiteStore


def sqlite_config(path) -> dict:
    return {"BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore", "OPTIONS": {"PATH": str(path)}}


def test_threads_share_one_store_per_alias(tmp_path):
    handler = StoreHandler({"default": sqlite_config(tmp_path / "a.sqlite3")})
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(handler["default"])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(s) for s in seen}) == 1
    assert seen[0] is handler["default"]
    assert handler.all() == [seen[0]]


def test_reset_closes_stores_built_in_any_thread(tmp_path, monkeypatch):
    handler = StoreHandler({"default": sqlite_config(tmp_path / "a.sqlite3")})
    closed = []
    monkeypatch.setattr(SQLiteStore, "close", lambda self: closed.append(self))
    thread = threading.Thread(target=lambda: handler["default"])
    thread.start()
    thread.join()
    built = handler["default"]
    handler.reset()
    assert closed == [built]
    assert handler["default"] is not built


def test_an_unknown_alias_or_backend_is_a_settings_error(tmp_path):
    handler = StoreHandler({"broken": {"BACKEND": "nowhere.Store"}})
    with pytest.raises(StoreNotConfigured, match="has no store named 'other'"):
        handler["other"]
    with pytest.raises(ImproperlyConfigured, match="BACKEND that can be imported"):
        handler["broken"]


def test_store_follows_the_settings(settings, tmp_path, nosql_store):
    assert store.alias == nosql_store.alias and stores["default"] is nosql_store
    settings.NOSQL_STORES = {"default": sqlite_config(tmp_path / "other.sqlite3")}
    assert stores["default"] is not nosql_store
    assert store.path == str(tmp_path / "other.sqlite3")
