"""Oracle NoSQL Database through the official driver, borneo.

Two modes, chosen by the ``MODE`` option:

- ``onprem``: an Oracle NoSQL proxy (KVLite or a cluster behind ``httpproxy``, or the project's
  emulator) at ``ENDPOINT``; ``USER``/``PASSWORD`` for a secure store, ``NAMESPACE`` optional.
- ``cloud``: OCI NoSQL Database Cloud Service in ``REGION`` (or at ``ENDPOINT``), tables in
  ``COMPARTMENT``, requests signed with an API key from ``OCI_CONFIG_FILE``/``OCI_PROFILE``
  (``AUTH=config``), an instance principal (``AUTH=instance``) or a resource principal
  (``AUTH=resource``, e.g. inside OCI Functions). New top-level tables get ``TABLE_*`` limits.

One handle per process (borneo's handle is thread-safe and pools connections), made lazily, rebuilt
after a fork and closed at exit. Every driver error is re-raised as this package's exception: requests
that time out, keep being throttled or cannot connect become ``StoreUnavailable`` within
``REQUEST_TIMEOUT`` seconds, retries included.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
from decimal import Decimal

from ..exceptions import (
    ConditionFailed,
    DoesNotExist,
    InvalidRequest,
    SchemaError,
    StoreUnavailable,
    TableNotFound,
)
from ..query import And, Compare, Field, Null, Or, Plan, encode_continuation
from ..schema import Table
from .base import BaseStore, CheckedDelete, CheckedPut, Page, Row, Version, expires_at

logger = logging.getLogger(__name__)

VERSION_FIELD = "row_version_"
EXPIRES_FIELD = "row_expires_"
DECLARED_TYPES = {
    "STRING": "STRING",
    "INTEGER": "INTEGER",
    "LONG": "LONG",
    "DOUBLE": "DOUBLE",
    "NUMBER": "NUMBER",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP",
    "ENUM": "STRING",
    "BINARY": "BINARY",
}


def _to_driver(value):
    if isinstance(value, dt.datetime):
        # borneo writes naive datetimes as UTC; send exactly that.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, bytes):
        return bytearray(value)
    return value


def _from_driver(column_type: str, value):
    if value is None:
        return None
    if column_type == "TIMESTAMP":
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if column_type == "NUMBER":
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if column_type == "DOUBLE":
        return float(value)
    if column_type == "BINARY":
        return bytes(value)
    if column_type == "JSON":
        return _plain_json(value)
    return value


def _plain_json(value):
    # JSON numbers may come back as Decimal; the contract promises int/float, like the embedded store.
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    return value


class OracleStore(BaseStore):
    def __init__(self, alias, schema, options=None):
        super().__init__(alias, schema, options)
        import borneo  # imported here so the embedded default never needs the driver loaded

        self._borneo = borneo
        self._handle = None
        self._pid = None
        self._lock = threading.Lock()
        self._prepared: dict[str, object] = {}
        self.timeout_ms = int(float(self.options.get("REQUEST_TIMEOUT", 3)) * 1000)
        self.mode = self.options.get("MODE", "onprem")
        self.namespace = self.options.get("NAMESPACE") or None
        self.compartment = self.options.get("COMPARTMENT") or None

    # --- the handle ---------------------------------------------------------------------------------

    def handle(self):
        if self._handle is not None and self._pid == os.getpid():
            return self._handle
        with self._lock:
            if self._handle is None or self._pid != os.getpid():
                self._handle = self._borneo.NoSQLHandle(self._config())
                self._pid = os.getpid()
                atexit.register(self.close)
        return self._handle

    def _config(self):
        borneo = self._borneo
        options = self.options
        if self.mode == "cloud":
            provider = self._signature_provider()
            endpoint = options.get("ENDPOINT") or None
            region = options.get("REGION") or None
            if not endpoint and not region:
                raise InvalidRequest("cloud mode needs OCI_REGION or NOSQL_ENDPOINT")
            config = borneo.NoSQLHandleConfig(endpoint or region, provider=provider)
            if self.compartment:
                config.set_default_compartment(self.compartment)
        elif self.mode == "onprem":
            from borneo.kv import StoreAccessTokenProvider

            user, password = options.get("USER"), options.get("PASSWORD")
            provider = StoreAccessTokenProvider(user, password) if user else StoreAccessTokenProvider()
            config = borneo.NoSQLHandleConfig(options.get("ENDPOINT") or "http://127.0.0.1:8080")
            config.set_authorization_provider(provider)
            if self.namespace:
                config.set_default_namespace(self.namespace)
        else:
            raise InvalidRequest(f"NOSQL_MODE must be onprem or cloud, not {self.mode!r}")
        config.set_timeout(self.timeout_ms)
        config.set_table_request_timeout(max(self.timeout_ms, 10_000))
        # Few, quick retries: a page would rather answer 503 in time than hang on a sick database.
        config.configure_default_retry_handler(
            int(options.get("RETRIES", 4)), float(options.get("RETRY_DELAY", 0.2))
        )
        # Without a logger of its own borneo writes logs/driver.log; route it through Django's logging.
        config.set_logger(logging.getLogger("borneo"))
        return config

    def _signature_provider(self):
        from borneo.iam import SignatureProvider

        auth = self.options.get("AUTH", "config")
        if auth == "instance":
            return SignatureProvider.create_with_instance_principal()
        if auth == "resource":
            return SignatureProvider.create_with_resource_principal()
        if auth != "config":
            raise InvalidRequest(f"OCI_AUTH must be config, instance or resource, not {auth!r}")
        return SignatureProvider(
            config_file=os.path.expanduser(self.options.get("OCI_CONFIG_FILE", "~/.oci/config")),
            profile_name=self.options.get("OCI_PROFILE", "DEFAULT"),
        )

    def close(self):
        with self._lock:
            if self._handle is not None and self._pid == os.getpid():
                try:
                    self._handle.close()
                except Exception:  # closing a broken handle must not raise at exit
                    logger.debug("closing the borneo handle failed", exc_info=True)
            self._handle = None
            self._prepared.clear()

    def _call(self, function, table: Table | None = None):
        """Run one driver call, translating its errors into the store's exceptions."""
        borneo = self._borneo
        try:
            return function(self.handle())
        except borneo.TableNotFoundException as e:
            name = table.name if table else "?"
            raise TableNotFound(f"table {name} does not exist; run `python manage.py nosql_migrate`") from e
        except borneo.IllegalArgumentException as e:
            raise InvalidRequest(f"the database refused the request: {e}") from e
        except (InvalidRequest, ConditionFailed, DoesNotExist):
            raise
        except Exception as e:  # timeouts, throttling, refused connections, server errors
            raise StoreUnavailable(f"Oracle NoSQL did not answer in time: {type(e).__name__}: {e}") from e

    def _version(self, version: bytes):
        return self._borneo.Version.create_version(bytearray(version))

    def _row(self, table: Table, value: dict, version, expiration_ms) -> Row:
        columns = table.columns
        converted = {name: _from_driver(columns[name].type, value.get(name)) for name in columns}
        expires = expires_at(expiration_ms / 1000) if expiration_ms else None
        return Row(converted, bytes(version.get_bytes()), expires)

    # --- reads --------------------------------------------------------------------------------------

    def _get(self, table: Table, key: dict) -> Row:
        request = (
            self._borneo.GetRequest()
            .set_table_name(table.name)
            .set_key({k: _to_driver(v) for k, v in key.items()})
        )
        result = self._call(lambda h: h.get(request), table)
        if result.get_value() is None:
            raise DoesNotExist(f"no {table.name} row with key {key}")
        return self._row(table, result.get_value(), result.get_version(), result.get_expiration_time())

    def _query(self, compiled: Plan) -> Page:
        table = compiled.table
        variables: list[tuple[str, str, object]] = []
        where = _compile(compiled.condition, variables)
        order = ", ".join(f"{_path(f)} {'DESC' if d else 'ASC'}" for f, d in compiled.order)
        variables.append(("$limit", "INTEGER", compiled.limit + 1))
        declare = " ".join(f"{name} {kind};" for name, kind, _ in variables)
        # Versions and expiry come with each row (row_version, expiration_time_millis), so a row read by
        # a query can be written back with if_version, exactly as one read by key.
        columns = ", ".join(f"t.{name}" for name in table.columns)
        statement = (
            f"DECLARE {declare} SELECT row_version(t) AS {VERSION_FIELD}, expiration_time_millis(t) AS "
            f"{EXPIRES_FIELD}, {columns} FROM {table.name} t WHERE {where} ORDER BY {order} LIMIT $limit"
        )
        prepared = self._prepare(statement, table)
        for name, _kind, value in variables:
            prepared.set_variable(name, _to_driver(value))
        request = self._borneo.QueryRequest().set_prepared_statement(prepared).set_timeout(self.timeout_ms)
        records = []

        def run(handle):
            while True:
                result = handle.query(request)
                records.extend(result.get_results())
                if request.is_done():
                    return

        self._call(run, table)
        rows = []
        for record in records[: compiled.limit]:
            converted = {
                name: _from_driver(col.type, record.get(name)) for name, col in table.columns.items()
            }
            expires = record.get(EXPIRES_FIELD)
            rows.append(
                Row(converted, bytes(record[VERSION_FIELD]), expires_at(expires / 1000) if expires else None)
            )
        more = len(records) > compiled.limit
        return Page(tuple(rows), encode_continuation(compiled, rows[-1].value) if more else None)

    def _prepare(self, statement: str, table: Table):
        prepared = self._prepared.get(statement)
        if prepared is None:
            request = self._borneo.PrepareRequest().set_statement(statement)
            prepared = self._call(lambda h: h.prepare(request), table).get_prepared_statement()
            self._prepared[statement] = prepared
        # Bind variables live on the statement object: each query binds its own copy.
        return prepared.copy_statement()

    # --- writes -------------------------------------------------------------------------------------

    def _put_request(self, op: CheckedPut):
        borneo = self._borneo
        request = borneo.PutRequest().set_table_name(op.table.name)
        request.set_value({k: _to_driver(v) for k, v in op.row.items()})
        if op.if_absent:
            request.set_option(borneo.PutOption.IF_ABSENT)
        elif op.if_version is not None:
            request.set_option(borneo.PutOption.IF_VERSION).set_match_version(self._version(op.if_version))
        if op.ttl is not None:
            ttl = (
                borneo.TimeToLive.of_days(op.ttl.value)
                if op.ttl.unit == "DAYS"
                else borneo.TimeToLive.of_hours(op.ttl.value)
            )
            request.set_ttl(ttl)
        request.set_return_row(op.if_absent or op.if_version is not None)
        return request

    def _delete_request(self, op: CheckedDelete):
        request = self._borneo.DeleteRequest().set_table_name(op.table.name)
        request.set_key({k: _to_driver(v) for k, v in op.key.items()})
        if op.if_version is not None:
            request.set_match_version(self._version(op.if_version)).set_return_row(True)
        return request

    def _put(self, op: CheckedPut) -> Version:
        result = self._call(lambda h: h.put(self._put_request(op)), op.table)
        version = result.get_version()
        if version is None:
            raise self._condition_failed(op, result, None)
        return bytes(version.get_bytes())

    def _delete(self, op: CheckedDelete) -> bool:
        result = self._call(lambda h: h.delete(self._delete_request(op)), op.table)
        if op.if_version is not None and not result.get_success():
            raise self._condition_failed(op, result, None)
        return bool(result.get_success())

    def _condition_failed(self, op, result, index) -> ConditionFailed:
        current = None
        existing = result.get_existing_value() if hasattr(result, "get_existing_value") else None
        if existing is not None:
            current = self._row(op.table, existing, result.get_existing_version(), 0)
        if isinstance(op, CheckedPut) and op.if_absent:
            message = f"{op.table.name} {op.key} already exists"
        elif isinstance(op, CheckedDelete) and op.must_exist and op.if_version is None:
            message = f"{op.table.name} {op.key} does not exist"
        else:
            message = f"{op.table.name} {op.key}: the row changed since it was read"
        return ConditionFailed(message, index=index, current=current)

    def _write_many(self, ops) -> list:
        borneo = self._borneo
        request = borneo.WriteMultipleRequest()
        for op in ops:
            if isinstance(op, CheckedPut):
                request.add(self._put_request(op), True)
            else:
                request.add(self._delete_request(op), op.if_version is not None or op.must_exist)
        result = self._call(lambda h: h.write_multiple(request), ops[0].table)
        if not result.get_success():
            index = result.get_failed_operation_index()
            failed = result.get_failed_operation_result()
            raise self._condition_failed(ops[index], failed, index)
        outcomes = []
        for op, outcome in zip(ops, result.get_results(), strict=True):
            if isinstance(op, CheckedPut):
                outcomes.append(bytes(outcome.get_version().get_bytes()))
            else:
                outcomes.append(bool(outcome.get_success()))
        return outcomes

    # --- tables -------------------------------------------------------------------------------------

    def existing_tables(self) -> set[str]:
        borneo = self._borneo
        names: set[str] = set()
        request = borneo.ListTablesRequest()
        if self.namespace:
            request.set_namespace(self.namespace)
        result = self._call(lambda h: h.list_tables(request))
        for name in result.get_tables():
            # Namespaced stores answer "ns:table".
            names.add(name.split(":", 1)[-1])
        return {name for name in names if name in self.schema.tables}

    def existing_indexes(self, table: str) -> set[str]:
        request = self._borneo.GetIndexesRequest().set_table_name(table)
        spec = self.schema.tables.get(table)
        result = self._call(lambda h: h.get_indexes(request), spec)
        return {index.get_index_name() for index in result.get_indexes()}

    def execute_ddl(self, statement: str) -> None:
        borneo = self._borneo
        request = borneo.TableRequest().set_statement(statement)
        top_level_table = (
            statement.lstrip().upper().startswith("CREATE TABLE")
            and "." not in (statement.split("(")[0].split()[-1])
        )
        if self.mode == "cloud" and top_level_table:
            request.set_table_limits(
                borneo.TableLimits(
                    int(self.options.get("TABLE_READ_UNITS", 50)),
                    int(self.options.get("TABLE_WRITE_UNITS", 50)),
                    int(self.options.get("TABLE_STORAGE_GB", 1)),
                )
            )
        try:
            self._call(lambda h: h.do_table_request(request, 60_000, 500))
        except InvalidRequest as e:
            raise SchemaError(f"cannot apply {statement!r}: {e}") from e

    def drop_all(self) -> None:
        for name in sorted(self.schema.tables, key=lambda n: -n.count(".")):
            request = self._borneo.TableRequest().set_statement(f"DROP TABLE IF EXISTS {name}")
            self._call(lambda h, r=request: h.do_table_request(r, 60_000, 500))

    def ping(self) -> None:
        request = self._borneo.ListTablesRequest().set_limit(1)
        if self.namespace:
            request.set_namespace(self.namespace)
        self._call(lambda h: h.list_tables(request))


# --- query compilation ------------------------------------------------------------------------------


def _path(resolved: Field) -> str:
    return ".".join(("t", resolved.column.name, *resolved.path))


def _declared(resolved: Field, value) -> str:
    if not resolved.path:
        return DECLARED_TYPES[resolved.column.type]
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "LONG"
    if isinstance(value, float):
        return "DOUBLE"
    return "STRING"


def _compile(node, variables: list) -> str:
    if isinstance(node, Compare):
        name = f"$v{len(variables)}"
        variables.append((name, _declared(node.field, node.value), node.value))
        operator = "!=" if node.op == "<>" else node.op
        return f"{_path(node.field)} {operator} {name}"
    if isinstance(node, Null):
        path = _path(node.field)
        if node.field.path:
            # A missing JSON field is not NULL in Oracle NoSQL; the contract treats both as null.
            return f"(NOT EXISTS {path} OR {path} IS NULL)" if node.null else f"({path} IS NOT NULL)"
        return f"{path} IS {'' if node.null else 'NOT '}NULL"
    if isinstance(node, And):
        return "(" + " AND ".join(_compile(p, variables) for p in node.parts) + ")" if node.parts else "true"
    if isinstance(node, Or):
        return "(" + " OR ".join(_compile(p, variables) for p in node.parts) + ")" if node.parts else "false"
    raise TypeError(f"cannot compile {node!r}")
