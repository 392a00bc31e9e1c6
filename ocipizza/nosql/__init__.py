"""The NoSQL data layer: ``stores["default"]`` is configured by ``settings.NOSQL_STORES`` like CACHES.

Apps import from here, never from a backend module or a driver.
"""

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .backends.base import BaseStore, Delete, Page, Put, Row, Version
from .exceptions import (
    ConditionFailed,
    DoesNotExist,
    InvalidKey,
    InvalidQuery,
    InvalidRequest,
    InvalidValue,
    SchemaError,
    StoreError,
    StoreUnavailable,
    TableNotFound,
)
from .query import Eq, IsNull, Query, Range

__all__ = [
    "BaseStore",
    "ConditionFailed",
    "Delete",
    "DoesNotExist",
    "Eq",
    "InvalidKey",
    "InvalidQuery",
    "InvalidRequest",
    "InvalidValue",
    "IsNull",
    "Page",
    "Put",
    "Query",
    "Range",
    "Row",
    "SchemaError",
    "StoreError",
    "StoreUnavailable",
    "TableNotFound",
    "Version",
    "store",
    "stores",
]

DEFAULT_SCHEMA = "ocipizza.nosql.tables.SCHEMA"


def create_store(alias: str, config: dict) -> BaseStore:
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as e:
        raise ImproperlyConfigured(
            f"NOSQL_STORES[{alias!r}] needs a BACKEND that can be imported: {e}"
        ) from e
    schema = config.get("SCHEMA", DEFAULT_SCHEMA)
    if isinstance(schema, str):
        schema = import_string(schema)
    return backend(alias, schema, config.get("OPTIONS", {}))


class StoreHandler:
    """Lazily builds one store per alias and process; stores are thread-safe, so threads share them."""

    def __init__(self):
        self._stores: dict[str, BaseStore] = {}
        self._lock = threading.Lock()

    def __getitem__(self, alias: str) -> BaseStore:
        store_ = self._stores.get(alias)
        if store_ is not None:
            return store_
        with self._lock:
            if alias not in self._stores:
                configs = getattr(settings, "NOSQL_STORES", {})
                if alias not in configs:
                    raise ImproperlyConfigured(f"settings.NOSQL_STORES has no store named {alias!r}")
                self._stores[alias] = create_store(alias, configs[alias])
            return self._stores[alias]

    def all(self) -> list[BaseStore]:
        return list(self._stores.values())

    def reset(self) -> None:
        with self._lock:
            for store_ in self._stores.values():
                store_.close()
            self._stores.clear()


stores = StoreHandler()


class _DefaultStore:
    """``store`` stands for ``stores["default"]`` and follows settings changes, like ``cache``."""

    def __getattr__(self, name):
        return getattr(stores["default"], name)


store = _DefaultStore()


def _reset_on_setting_change(*, setting, **kwargs):
    if setting == "NOSQL_STORES":
        stores.reset()


setting_changed.connect(_reset_on_setting_change)
