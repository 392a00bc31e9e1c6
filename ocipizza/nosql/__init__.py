"""The NoSQL data layer: ``stores["default"]`` is configured by ``settings.NOSQL_STORES`` like CACHES.

Apps import from here, never from a backend module or a driver.
"""

import threading
from types import SimpleNamespace

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.utils.connection import BaseConnectionHandler, ConnectionProxy
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
    StoreNotConfigured,
    StoreUnavailable,
    TableMissing,
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
    "StoreNotConfigured",
    "StoreUnavailable",
    "TableMissing",
    "TableNotFound",
    "Version",
    "store",
    "stores",
]

DEFAULT_SCHEMA = "ocipizza.nosql.tables.SCHEMA"


def create_store(alias: str, config: dict) -> BaseStore:
    """A new store built from one ``NOSQL_STORES`` entry (``BACKEND``, ``OPTIONS``, optional ``SCHEMA``)."""
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as e:
        raise StoreNotConfigured(f"NOSQL_STORES[{alias!r}] needs a BACKEND that can be imported: {e}") from e
    schema = config.get("SCHEMA", DEFAULT_SCHEMA)
    if isinstance(schema, str):
        schema = import_string(schema)
    return backend(alias, schema, config.get("OPTIONS", {}))


class StoreHandler(BaseConnectionHandler):
    """``stores[alias]``: the store ``settings.NOSQL_STORES[alias]`` describes, built on first use.

    Django's CacheHandler with one difference: BaseConnectionHandler keeps connections per thread (in an
    asgiref Local), this keeps one store per alias and process, shared by its threads. Stores are
    thread-safe, and an Oracle store holds a borneo handle with its own connection pool: one per thread
    of a threaded worker would multiply handles, pools and TLS handshakes, and leave stores no one
    closes when their thread ends. Backends reopen their connections themselves after a fork.
    """

    settings_name = "NOSQL_STORES"
    exception_class = StoreNotConfigured

    def __init__(self, settings=None):
        super().__init__(settings)
        self._given_settings = settings
        self._connections = SimpleNamespace()  # shared by every thread, unlike the base class's Local
        self._lock = threading.Lock()

    def configure_settings(self, settings):
        return getattr(django_settings, self.settings_name, {}) if settings is None else settings

    def create_connection(self, alias):
        return create_store(alias, self.settings[alias])

    def __getitem__(self, alias: str) -> BaseStore:
        try:
            return getattr(self._connections, alias)
        except AttributeError:
            pass
        # Two threads asking at once build one store, not two with one of them never closed.
        with self._lock:
            if not hasattr(self._connections, alias) and alias not in self.settings:
                raise self.exception_class(f"settings.NOSQL_STORES has no store named {alias!r}")
            return super().__getitem__(alias)

    def close_all(self) -> None:
        """Close every store built so far (their connections reopen on next use)."""
        for store_ in list(vars(self._connections).values()):
            store_.close()

    def reset(self) -> None:
        """Close and forget every store, and read ``NOSQL_STORES`` again on next use."""
        with self._lock:
            self.close_all()
            self._connections = SimpleNamespace()
            self._settings = self._given_settings
            self.__dict__.pop("settings", None)  # the base class caches it in a cached_property


stores = StoreHandler()

# ``store`` stands for ``stores["default"]`` and follows settings changes, like ``django.core.cache.cache``.
store = ConnectionProxy(stores, "default")


def _reset_on_setting_change(*, setting, **kwargs):
    if setting == "NOSQL_STORES":
        stores.reset()


setting_changed.connect(_reset_on_setting_change)
