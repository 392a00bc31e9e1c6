"""Oracle NoSQL Database through the official driver, borneo.

Two modes, chosen by the ``MODE`` option:

- ``onprem``: an Oracle NoSQL proxy (KVLite or a cluster behind ``httpproxy``, or the project's
  emulator) at ``ENDPOINT``; ``USER``/``PASSWORD`` for a secure store, ``NAMESPACE`` optional.
- ``cloud``: OCI NoSQL Database Cloud Service in ``REGION`` (or at ``ENDPOINT``), tables in
  ``COMPARTMENT``, requests signed with an API key from ``OCI_CONFIG_FILE``/``OCI_PROFILE``
  (``AUTH=config``), an instance principal (``AUTH=instance``) or a resource principal
  (``AUTH=resource``, e.g. inside OCI Functions). New top-level tables get ``TABLE_*`` limits.

One handle per process (borneo's handle is thread-safe and pools connections), made lazily, rebuilt
after a fork and closed at exit. Every driver error is re-raised as this package's exception, chained
with ``from``: requests that time out, keep being throttled, cannot connect or keep failing on the server
become ``StoreUnavailable`` within ``REQUEST_TIMEOUT`` seconds, retries included.

Other options: ``RETRIES`` (default 5) and ``RETRY_DELAY`` (seconds before the first retry, doubling
after each, default 0.1) for throttling and server errors; ``DDL_TIMEOUT`` (seconds to wait for a table
or index to become usable, default 60); ``POOL_SIZE`` (HTTP connections kept per handle, default 32).

A write retried after a server error may find its own first attempt already applied (the server
committed, then failed to answer). A conditional put in that position would fail its own condition;
instead, when the row found is exactly the row being written, the write is reported as done (see
``_own_write``), so ``if_absent`` never reports a row the caller itself just created as taken.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import os
import threading
import time
import weakref
from decimal import Decimal

from ..exceptions import (
    ConditionFailed,
    DoesNotExist,
    InvalidRequest,
    SchemaError,
    StoreUnavailable,
    TableMissing,
    TableNotFound,
)
from ..query import And, Compare, Field, Null, Or, Plan, encode_continuation
from ..schema import Column, Table, columns_from_schema, parse_ddl
from .base import BaseStore, CheckedDelete, CheckedPut, Page, Row, Version, expires_at

logger = logging.getLogger(__name__)

ROW = "$t"  # the row variable: Oracle's row functions only take a $-alias
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
# Retried exceptions after which the first attempt cannot have been applied.
NOT_APPLIED = {
    "ReadThrottlingException",
    "WriteThrottlingException",
    "OperationThrottlingException",
    "SecurityInfoNotReadyException",
}

_open_stores: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for store in list(_open_stores):
        store.close()


def _to_driver(value):
    if isinstance(value, dt.datetime):
        # borneo sends naive datetimes as UTC; send exactly that.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, bytes):
        return bytearray(value)  # borneo takes bytes for a string; BINARY travels as bytearray
    return value


def _from_driver(column_type: str, value):
    if value is None:
        return None
    if column_type == "TIMESTAMP":
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        # borneo hands timestamps back naive, in UTC.
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
    """JSON as the contract promises it: dict/list/str/int/float/bool/None.

    borneo may hand back ``OrderedDict``, JSON null as its own ``JsonNone`` and, from a real server, big or
    fractional numbers as ``Decimal``.
    """
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if type(value).__name__ == "JsonNone":
        return None
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
        options = self.options
        self.timeout_ms = max(1, int(float(options.get("REQUEST_TIMEOUT") or 3) * 1000))
        self.ddl_timeout_ms = int(float(options.get("DDL_TIMEOUT") or 60) * 1000)
        self.retries = int(options.get("RETRIES", 5))
        self.retry_delay_ms = max(1, int(float(options.get("RETRY_DELAY", 0.1)) * 1000))
        self.mode = (options.get("MODE") or "onprem").lower()
        self.namespace = options.get("NAMESPACE") or None
        self.compartment = options.get("COMPARTMENT") or None
        if self.mode not in ("onprem", "cloud"):
            raise InvalidRequest(f"NOSQL_MODE must be onprem or cloud, not {self.mode!r}")

    # --- the handle ---------------------------------------------------------------------------------

    def handle(self):
        handle = self._handle
        if handle is not None and self._pid == os.getpid():
            return handle
        with self._lock:
            if self._handle is None or self._pid != os.getpid():
                # After a fork the parent's handle (and its sockets) stay with the parent.
                self._prepared.clear()
                self._handle = self._borneo.NoSQLHandle(self._config())
                self._pid = os.getpid()
                _open_stores.add(self)
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
            where = endpoint or borneo.Regions.from_region_id(region) or region
            config = borneo.NoSQLHandleConfig(where, provider)
            if self.compartment:
                config.set_default_compartment(self.compartment)
        else:
            from borneo.kv import StoreAccessTokenProvider

            user, password = options.get("USER"), options.get("PASSWORD")
            provider = StoreAccessTokenProvider(user, password) if user else StoreAccessTokenProvider()
            config = borneo.NoSQLHandleConfig(options.get("ENDPOINT") or "http://127.0.0.1:8080")
            config.set_authorization_provider(provider)
            if self.namespace:
                config.set_default_namespace(self.namespace)
        config.set_timeout(self.timeout_ms)
        config.set_table_request_timeout(max(self.timeout_ms, 10_000))
        pool = int(options.get("POOL_SIZE") or 32)
        config.set_pool_connections(2).set_pool_maxsize(pool)
        config.set_retry_handler(_retry_handler(borneo, self.retries, self.retry_delay_ms))
        # Without a logger of its own borneo writes logs/driver.log next to the script; route it
        # through Django's logging instead (the "borneo" logger in settings.LOGGING).
        config.set_logger(logging.getLogger("borneo"))
        return config

    def _signature_provider(self):
        from borneo.iam import SignatureProvider

        auth = (self.options.get("AUTH") or "config").lower()
        region = self.options.get("REGION") or None
        if auth == "instance":
            return SignatureProvider.create_with_instance_principal(region=region)
        if auth == "resource":
            return SignatureProvider.create_with_resource_principal()
        if auth != "config":
            raise InvalidRequest(f"OCI_AUTH must be config, instance or resource, not {auth!r}")
        return SignatureProvider(
            config_file=os.path.expanduser(self.options.get("OCI_CONFIG_FILE") or "~/.oci/config"),
            profile_name=self.options.get("OCI_PROFILE") or "DEFAULT",
        )

    def close(self):
        with self._lock:
            handle, self._handle = self._handle, None
            if handle is not None and self._pid == os.getpid():
                try:
                    handle.close()
                except Exception:  # closing a broken handle must not raise at exit
                    logger.debug("closing the borneo handle failed", exc_info=True)
            self._prepared.clear()
            _open_stores.discard(self)

    def _call(self, function, table: Table | None = None):
        """Run one driver call, translating its errors into the store's exceptions."""
        borneo = self._borneo
        try:
            return function(self.handle())
        except borneo.TableNotFoundException as e:
            name = table.name if table else "?"
            raise TableMissing(f"table {name} does not exist; run `python manage.py nosql_migrate`") from e
        except (borneo.IllegalArgumentException, borneo.ResourceExistsException) as e:
            # The proxy turns DDL errors saying "exists" (a table, an index, a field added twice) into
            # RESOURCE_EXISTS: a refusal of the statement, not an outage.
            raise InvalidRequest(f"the database refused the request: {e}") from e
        except borneo.InvalidAuthorizationException as e:
            raise StoreUnavailable(f"Oracle NoSQL refused the credentials: {e}") from e
        except (borneo.NoSQLException, OSError, RuntimeError) as e:
            # Timeouts, throttling that did not clear in time, server errors, refused or reset
            # connections (requests' ConnectionError is an OSError), borneo's own timeout RuntimeError.
            raise StoreUnavailable(f"Oracle NoSQL did not answer: {type(e).__name__}: {e}") from e

    def _version(self, version: bytes):
        return self._borneo.Version.create_version(bytearray(version))

    def _values(self, table: Table, value) -> dict:
        columns = table.columns
        return {name: _from_driver(columns[name].type, value.get(name)) for name in columns}

    def _row(self, table: Table, value, version, expiration_ms) -> Row:
        expires = expires_at(expiration_ms / 1000) if expiration_ms else None
        return Row(self._values(table, value), bytes(version.get_bytes()), expires)

    # --- reads --------------------------------------------------------------------------------------

    def _get(self, table: Table, key: dict) -> Row:
        request = self._get_request(table, key)
        result = self._call(lambda h: h.get(request), table)
        if result.get_value() is None:
            raise DoesNotExist(f"no {table.name} row with key {key}")
        return self._row(table, result.get_value(), result.get_version(), result.get_expiration_time())

    def _get_request(self, table: Table, key: dict):
        return (
            self._borneo.GetRequest()
            .set_table_name(table.name)
            .set_key({k: _to_driver(v) for k, v in key.items()})
        )

    def _query(self, compiled: Plan) -> Page:
        table = compiled.table
        statement, variables = compile_query(compiled)
        prepared = self._prepare(statement, table)
        for name, _kind, value in variables:
            prepared.set_variable(name, _to_driver(value))
        request = self._borneo.QueryRequest().set_prepared_statement(prepared)
        records = []
        deadline = time.monotonic() + self.timeout_ms / 1000

        def run(handle):
            # One page may take several round trips; together they keep to one request budget.
            while True:
                remaining = int((deadline - time.monotonic()) * 1000)
                if remaining <= 0:
                    raise StoreUnavailable(f"the query on {table.name} took longer than {self.timeout_ms} ms")
                request.set_timeout(remaining)
                records.extend(handle.query(request).get_results())
                if request.is_done():
                    return

        self._call(run, table)
        rows = []
        for record in records[: compiled.limit]:
            expires = record.get(EXPIRES_FIELD)
            rows.append(
                Row(
                    self._values(table, record),
                    bytes(record[VERSION_FIELD]),
                    expires_at(expires / 1000) if expires else None,
                )
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
        request = self._put_request(op)
        result = self._call(lambda h: h.put(request), op.table)
        version = result.get_version()
        if version is not None:
            return bytes(version.get_bytes())
        existing = result.get_existing_value()
        if _maybe_applied(request) and existing is not None and self._own_write(op, existing):
            return bytes(result.get_existing_version().get_bytes())
        raise self._condition_failed(op, result, None)

    def _delete(self, op: CheckedDelete) -> bool:
        request = self._delete_request(op)
        result = self._call(lambda h: h.delete(request), op.table)
        if result.get_success():
            return True
        if op.if_version is not None:
            if _maybe_applied(request) and result.get_existing_value() is None:
                # The retry found the row gone: the first attempt deleted it.
                logger.warning("a retried delete of %s %s found it already deleted", op.table.name, op.key)
                return True
            raise self._condition_failed(op, result, None)
        return False

    def _own_write(self, op: CheckedPut, existing) -> bool:
        """True when the row found is exactly ``op.row``: the retried write's own first attempt."""
        if self._values(op.table, existing) != op.row:
            return False
        logger.warning(
            "a retried write to %s %s found its own first attempt applied (the server failed after "
            "committing); reporting it as written",
            op.table.name,
            op.key,
        )
        return True

    def _condition_failed(self, op, result, index) -> ConditionFailed:
        current = None
        existing = result.get_existing_value()
        if existing is not None:
            # The returned row carries no expiry: read it once more so ``current`` is the whole row,
            # as the embedded store gives it (falling back to what came back if that read fails).
            try:
                current = self._get(op.table, op.key)
            except (DoesNotExist, StoreUnavailable):
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
            if _maybe_applied(request):
                applied = self._batch_applied(ops, index, failed)
                if applied is not None:
                    return applied
            raise self._condition_failed(ops[index], failed, index)
        outcomes = []
        for op, outcome in zip(ops, result.get_results(), strict=True):
            if isinstance(op, CheckedPut):
                outcomes.append(bytes(outcome.get_version().get_bytes()))
            else:
                outcomes.append(bool(outcome.get_success()))
        return outcomes

    def _batch_applied(self, ops, index, failed) -> list | None:
        """After a server error, did the first attempt apply the whole batch? Its results if so.

        Only when the failing operation met exactly what the batch writes (its own row, or its row
        gone for a delete) and every put's row reads back as written; a batch is atomic, so then all
        of it was applied. Deletes are reported as done.
        """
        op = ops[index]
        existing = failed.get_existing_value()
        if isinstance(op, CheckedPut):
            if existing is None or self._values(op.table, existing) != op.row:
                return None
        elif existing is not None:
            return None
        outcomes: list = []
        for op in ops:
            if isinstance(op, CheckedDelete):
                outcomes.append(True)
                continue
            request = self._get_request(op.table, op.key)
            result = self._call(lambda h, r=request: h.get(r), op.table)
            if result.get_value() is None or self._values(op.table, result.get_value()) != op.row:
                return None
            outcomes.append(bytes(result.get_version().get_bytes()))
        logger.warning(
            "a retried batch on %s found its first attempt applied (the server failed after committing)",
            ops[0].table.name,
        )
        return outcomes

    # --- tables -------------------------------------------------------------------------------------

    def existing_tables(self) -> set[str]:
        borneo = self._borneo
        names: set[str] = set()
        start = 0
        while True:
            request = borneo.ListTablesRequest().set_start_index(start).set_limit(100)
            if self.namespace:
                request.set_namespace(self.namespace)
            result = self._call(lambda h, r=request: h.list_tables(r))
            tables = result.get_tables()
            # Namespaced stores answer "ns:table".
            names.update(name.split(":", 1)[-1] for name in tables)
            if not tables or len(tables) < 100:
                break
            start = result.get_last_returned_index()
        return {name for name in names if name in self.schema.tables}

    def existing_indexes(self, table: str) -> set[str]:
        request = self._borneo.GetIndexesRequest().set_table_name(table)
        spec = self.schema.tables.get(table)
        try:
            result = self._call(lambda h: h.get_indexes(request), spec)
        except TableNotFound:
            return set()
        return {index.get_index_name() for index in result.get_indexes()}

    def existing_columns(self, table: str) -> dict[str, Column]:
        """From GetTable's schema JSON, which the database keeps up to date through every ALTER TABLE."""
        request = self._borneo.GetTableRequest().set_table_name(table)
        if self.namespace:
            request.set_namespace(self.namespace)
        spec = self.schema.tables.get(table) or Table(table, {}, (), ())
        result = self._call(lambda h: h.get_table(request), spec)
        schema = result.get_schema()
        if not schema:
            raise SchemaError(f"the database answered GetTable for {table} without its schema")
        return columns_from_schema(schema)

    def execute_ddl(self, statement: str) -> None:
        borneo = self._borneo
        request = borneo.TableRequest().set_statement(statement)
        try:
            parsed = parse_ddl(statement, self.schema.tables)
        except Exception:  # not ours to judge: let the database parse it
            parsed = None
        if self.mode == "cloud" and isinstance(parsed, Table) and parsed.parent is None:
            # The cloud service needs limits for a new top-level table; child tables share their parent's.
            request.set_table_limits(
                borneo.TableLimits(
                    int(self.options.get("TABLE_READ_UNITS") or 50),
                    int(self.options.get("TABLE_WRITE_UNITS") or 50),
                    int(self.options.get("TABLE_STORAGE_GB") or 1),
                )
            )
        try:
            self._call(lambda h: h.do_table_request(request, self.ddl_timeout_ms, 500))
        except InvalidRequest as e:
            raise SchemaError(f"cannot apply {statement!r}: {e}") from e

    def drop_all(self) -> None:
        for name in sorted(self.schema.tables, key=lambda n: -n.count(".")):
            request = self._borneo.TableRequest().set_statement(f"DROP TABLE IF EXISTS {name}")
            self._call(lambda h, r=request: h.do_table_request(r, self.ddl_timeout_ms, 500))

    def ping(self) -> None:
        """One cheap data read (a get of a key nobody uses), not ListTables, which the cloud rate-limits."""
        for table in self.schema.tables.values():
            if all(table.columns[k].type == "STRING" for k in table.primary_key):
                request = self._get_request(table, {k: "__readyz__" for k in table.primary_key})
                # TableNotFound: the database answered; missing tables are nosql_migrate's business.
                with contextlib.suppress(TableNotFound):
                    self._call(lambda h, r=request: h.get(r), table)
                return
        request = self._borneo.ListTablesRequest().set_limit(1)
        self._call(lambda h: h.list_tables(request))


def _retry_handler(borneo, retries: int, first_delay_ms: int):
    """borneo's default handler waits 200 ms or more and counts its fixed delay in whole seconds; this
    one backs off from ``first_delay_ms``, doubling, never past the request's own deadline."""

    class BoundedRetryHandler(borneo.DefaultRetryHandler):
        def delay(self, request, num_retried, re):
            # borneo counts the retries made so far: 0 before the first one.
            wanted = first_delay_ms * 2**num_retried
            delay_ms = self.compute_backoff_delay(request, wanted)
            if delay_ms > 0:
                time.sleep(delay_ms / 1000)
                request.add_retry_delay_ms(delay_ms)

    return BoundedRetryHandler(retries, 0)


def _maybe_applied(request) -> bool:
    """Whether an earlier attempt of this request may have been applied (it was retried after an
    error other than throttling, e.g. a server error answered after the commit)."""
    stats = request.get_retry_stats()
    if stats is None:
        return False
    return any(name not in NOT_APPLIED for name in stats.get_exceptions_map())


# --- query compilation ------------------------------------------------------------------------------


def compile_query(compiled: Plan) -> tuple[str, list[tuple[str, str, object]]]:
    """The Oracle NoSQL SQL for one page of ``compiled``, and its (name, declared type, value) bindings.

    ``SELECT row_version($t), expiration_time_millis($t), <every column> FROM table $t WHERE ... ORDER BY
    ... LIMIT $limit``: rows come with their version and expiry, so a row read by a query can be written
    back with ``if_version`` exactly like one read by key. Values are always bind variables.
    """
    table = compiled.table
    variables: list[tuple[str, str, object]] = []
    where = _compile(compiled.condition, variables) if compiled.condition.parts else ""
    order = ", ".join(f"{_path(f)} {'DESC' if d else 'ASC'}" for f, d in compiled.order)
    variables.append(("$limit", "INTEGER", compiled.limit + 1))
    declare = " ".join(f"{name} {kind};" for name, kind, _ in variables)
    columns = ", ".join(f"{ROW}.{name}" for name in table.columns)
    statement = (
        f"DECLARE {declare} SELECT row_version({ROW}) AS {VERSION_FIELD}, expiration_time_millis({ROW}) AS "
        f"{EXPIRES_FIELD}, {columns} FROM {table.name} {ROW}"
        + (f" WHERE {where}" if where else "")
        + f" ORDER BY {order} LIMIT $limit"
    )
    return statement, variables


def _path(resolved: Field) -> str:
    return ".".join((ROW, resolved.column.name, *resolved.path))


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
        return f"{_path(node.field)} {node.op} {name}"
    if isinstance(node, Null):
        path = _path(node.field)
        if node.field.path:
            # The contract's null for a JSON field is SQL NULL, JSON null or missing (as SQLite's
            # json_extract sees it). In Oracle NoSQL a missing field is the empty sequence (IS NULL is
            # false, IS NOT NULL true) and JSON null is a value (IS NULL false, = null true), so spell
            # out all three.
            if node.null:
                return f"(NOT EXISTS {path} OR {path} IS NULL OR {path} = null)"
            return f"(EXISTS {path} AND {path} IS NOT NULL AND NOT ({path} = null))"
        return f"{path} IS {'' if node.null else 'NOT '}NULL"
    if isinstance(node, And):
        return "(" + " AND ".join(_compile(p, variables) for p in node.parts) + ")" if node.parts else "true"
    if isinstance(node, Or):
        return "(" + " OR ".join(_compile(p, variables) for p in node.parts) + ")" if node.parts else "false"
    raise TypeError(f"cannot compile {node!r}")
