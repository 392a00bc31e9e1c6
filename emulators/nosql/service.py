"""The binary data service: decode a V4 (NSON) request, run it against the store, encode the answer.

Field names and response shapes follow the httpproxy module of oracle/nosql (``NsonProtocol``) so that
unmodified drivers parse the answers. Errors travel in-band with HTTP 200, as the proxy does.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass, field

from . import errors, nson, query
from .errors import NoSQLError, bad_protocol, illegal
from .schema import TTL, IndexDef, check_key, parse_system
from .store import DROPPED, PUT_IF_VERSION, Row, Store, TableInfo, Txn, WriteResult
from .values import NLong, Timestamp

SERIAL_VERSION = 4
PROXY_VERSION_HEADER = "proxy=5.4.15 kv=24.4.9"
QUERY_VERSION_MAX = 5
CLOUD_BATCH_OP_LIMIT = 50
CLOUD_MAX_READ_KB = 2048
CLOUD_MAX_WRITE_KB = 2048
SELECT_OPERATION = 5  # PreparedStatement.OPCODE_SELECT in the drivers
MULTI_DELETE_CONTINUATION = b"emulator-multi-delete:"
USAGE_PERIOD_SECONDS = 60

OP_NAMES = {
    0: "DELETE",
    1: "DELETE_IF_VERSION",
    2: "GET",
    3: "PUT",
    4: "PUT_IF_ABSENT",
    5: "PUT_IF_PRESENT",
    6: "PUT_IF_VERSION",
    7: "QUERY",
    8: "PREPARE",
    9: "WRITE_MULTIPLE",
    10: "MULTI_DELETE",
    11: "GET_TABLE",
    12: "GET_INDEXES",
    13: "GET_TABLE_USAGE",
    14: "LIST_TABLES",
    15: "TABLE_REQUEST",
    16: "SCAN",
    17: "INDEX_SCAN",
    18: "CREATE_TABLE",
    19: "ALTER_TABLE",
    20: "DROP_TABLE",
    21: "CREATE_INDEX",
    22: "DROP_INDEX",
    23: "SYSTEM_REQUEST",
    24: "SYSTEM_STATUS_REQUEST",
    33: "ADD_REPLICA",
    34: "DROP_REPLICA",
    35: "GET_REPLICA_STATS",
}
ROW_OP_NAMES = {
    0: "DELETE",
    1: "DELETE",
    2: "GET",
    3: "PUT",
    4: "PUT",
    5: "PUT",
    6: "PUT",
    9: "WRITE_MULTIPLE",
    10: "MULTI_DELETE",
}
READ_OPS = {2, 7}
WRITE_OPS = {0, 1, 3, 4, 5, 6, 9, 10}
DATA_OPS = READ_OPS | WRITE_OPS


KNOBS = (
    "refuse_connections",
    "throttle_requests",
    "latency_ms",
    "fail_after_commit",
    "error_requests",
    "error_code",
)


@dataclass
class Faults:
    """Test knobs; counters count down as requests consume them."""

    refuse_connections: int = 0  # -1 = refuse until cleared
    throttle_requests: int = 0
    latency_ms: int = 0
    fail_after_commit: int = 0
    error_requests: int = 0  # answer the next N requests with error_code
    error_code: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict:
        with self.lock:
            return {
                "refuse_connections": self.refuse_connections,
                "throttle_requests": self.throttle_requests,
                "latency_ms": self.latency_ms,
                "fail_after_commit": self.fail_after_commit,
                "error_requests": self.error_requests,
                "error_code": self.error_code,
            }

    def update(self, values: dict) -> None:
        with self.lock:
            for key, value in values.items():
                if key not in KNOBS:
                    raise ValueError(f"unknown fault knob: {key}")
                if key == "error_code" and value not in (0, *errors.FAULT_CODES):
                    raise ValueError(
                        f"error_code must be one of {sorted(errors.FAULT_CODES)} "
                        "(see emulators/nosql/errors.py)"
                    )
                if isinstance(value, bool):
                    value = -1 if value and key == "refuse_connections" else int(value)
                if not isinstance(value, int) or value < -1 or (value == -1 and key != "refuse_connections"):
                    raise ValueError(f"{key} must be a non-negative integer")
                setattr(self, key, value)

    def take(self, knob: str) -> bool:
        """Consume one unit of a counting knob; True when the fault applies to this request."""
        with self.lock:
            current = getattr(self, knob)
            if current == 0:
                return False
            if current > 0:
                setattr(self, knob, current - 1)
            return True


@dataclass
class Request:
    version: int
    op: int
    table: str | None
    topo_seq: int
    timeout: int
    payload: dict


class Service:
    def __init__(self, store: Store, faults: Faults, *, cloud: bool = False):
        self.store = store
        self.faults = faults
        self.cloud = cloud
        self.stats_lock = threading.Lock()
        self.op_counts: dict[str, int] = {}

    # --- entry point --------------------------------------------------------------------------------

    def handle(self, body: bytes, namespace: str | None = None) -> bytes:
        """Answer one request; ``namespace`` is its x-nosql-default-ns header (on-premises namespaces)."""
        self.store.set_request_namespace(namespace)
        try:
            return self._handle(body)
        finally:
            self.store.set_request_namespace(None)

    def _handle(self, body: bytes) -> bytes:
        if len(body) < 2:
            return v3_error(errors.BAD_PROTOCOL_MESSAGE, "Reached end of input stream")
        version = struct.unpack(">h", body[:2])[0]
        if version <= 0:
            return v3_error(errors.BAD_PROTOCOL_MESSAGE, f"Invalid serialVersion: {version}")
        if version > SERIAL_VERSION:
            return v3_error(
                errors.UNSUPPORTED_PROTOCOL,
                f"Invalid driver serial version {version}, proxy serial version is {SERIAL_VERSION}",
            )
        if version < SERIAL_VERSION:
            # The emulator speaks NSON only, like a proxy started with forceV4.
            return v3_error(errors.UNSUPPORTED_PROTOCOL, "Requests must use V4 protocol")
        try:
            request = self._parse(body)
        except NoSQLError as e:
            return error_response(e.code, e.message)
        self._count(request.op)
        try:
            if request.op in DATA_OPS and self.faults.take("throttle_requests"):
                return self._throttle(request)
            if self.faults.take("error_requests"):
                code = self.faults.error_code
                return error_response(code, errors.fault_message(code, request.table))
            response = self._dispatch(request)
            if request.op in WRITE_OPS and self.faults.take("fail_after_commit"):
                return error_response(
                    errors.SERVER_ERROR, "Simulated server error after the write was committed"
                )
            return response
        except NoSQLError as e:
            message = e.message
            if (
                e.code == errors.ILLEGAL_ARGUMENT
                and request.op in ROW_OP_NAMES
                and not message.startswith(errors.NOT_SUPPORTED_PREFIX)
            ):
                # The proxy's wording for a bad argument of a row operation (DataService's handling).
                message = f"{ROW_OP_NAMES[request.op]}: Illegal Argument: {message}"
            return error_response(e.code, message)
        except RecursionError:
            return error_response(errors.ILLEGAL_ARGUMENT, "The request is nested too deeply")

    def _parse(self, body: bytes) -> Request:
        message = nson.decode(body, 2)
        if not isinstance(message, dict) or not isinstance(message.get("h"), dict):
            raise NoSQLError(errors.UNSUPPORTED_PROTOCOL, "Bad header")
        header = message["h"]
        payload = message.get("p")
        if not isinstance(payload, dict):
            raise bad_protocol("No payload in message")
        op = header.get("o")
        if not isinstance(op, int):
            raise bad_protocol("Missing op code in header")
        table = header.get("n")
        if table is not None and (not isinstance(table, str) or not table.strip()):
            raise illegal("Table name must be non-empty")
        return Request(
            SERIAL_VERSION, op, table, _int(header.get("ts"), -1), _int(header.get("t"), 5000), payload
        )

    def _count(self, op: int) -> None:
        with self.stats_lock:
            name = OP_NAMES.get(op, f"OP_{op}")
            self.op_counts[name] = self.op_counts.get(name, 0) + 1

    def _throttle(self, request: Request) -> bytes:
        # The proxy's words (DataServiceHandler.handleLimitException), with the table's own limit if known.
        name = request.table or "(query)"
        table = self.store.find_table(request.table) if request.table else None
        top = self.store.find_table(table.top_level) if table is not None else None
        limits = (top.limits if top is not None else None) or {}
        reading = request.op in READ_OPS
        if request.table:
            self.store.record_usage(request.table, 0, 0, throttled="read" if reading else "write")
        kind, code, units = (
            ("Read", errors.READ_LIMIT_EXCEEDED, limits.get("ru", 0))
            if reading
            else ("Write", errors.WRITE_LIMIT_EXCEEDED, limits.get("wu", 0))
        )
        return error_response(
            code,
            f"Operation failed with limit exception: {kind} throughput rate exceeded for table {name}. "
            f"Limit: {units:,} Units/Sec",
        )

    def _dispatch(self, request: Request) -> bytes:
        op = request.op
        handler = {
            0: self._delete,
            1: self._delete,
            2: self._get,
            3: self._put,
            4: self._put,
            5: self._put,
            6: self._put,
            7: self._query,
            8: self._prepare,
            9: self._write_multiple,
            10: self._multi_delete,
            11: self._get_table,
            12: self._get_indexes,
            13: self._table_usage,
            14: self._list_tables,
            15: self._table_request,
            23: self._system_request,
            24: self._system_status,
        }.get(op)
        if handler is not None:
            return handler(request)
        if op in OP_NAMES:
            raise NoSQLError(errors.OPERATION_NOT_SUPPORTED, errors.NOT_SUPPORTED_PREFIX + OP_NAMES[op])
        raise NoSQLError(errors.UNKNOWN_OPERATION, f"Unknown op code: {op}")

    # --- common response parts ---------------------------------------------------------------------

    def _ok(
        self,
        request: Request,
        fields: dict,
        *,
        read_kb: int = 0,
        write_kb: int = 0,
        absolute=False,
        table: str | None = None,
    ) -> bytes:
        out: dict = {"e": 0}
        if self.cloud:
            # The on-premises proxy leaves consumed capacity out; the cloud reports it.
            out["c"] = {"ru": read_kb * (2 if absolute else 1), "rk": read_kb, "wk": write_kb}
        if request.topo_seq < 1:
            out["tp"] = {"pn": 1, "sa": [1]}
        out.update(fields)
        table = table or request.table
        if self.cloud and table and (read_kb or write_kb):
            self.store.record_usage(table, read_kb * (2 if absolute else 1), write_kb)
        return nson.encode(out)

    def _table_name(self, request: Request) -> str:
        if not request.table:
            raise illegal("A table name is required for this operation")
        return request.table

    # --- single-row operations -----------------------------------------------------------------------

    def _get(self, request: Request) -> bytes:
        table = self.store.table(self._table_name(request))
        key = request.payload.get("k")
        if key is None:
            raise illegal("GetRequest requires a key")
        row = self.store.get(table.ref, key)
        absolute = _consistency(request.payload) == 0
        fields = {}
        if row is not None:
            fields["r"] = _row_fields(table, row)
        return self._ok(request, fields, read_kb=row.kb if row else 1, absolute=absolute)

    def _put(self, request: Request) -> bytes:
        table = self.store.table(self._table_name(request))
        options = _put_options(request.op, request.payload)
        result = self.store.put(table.ref, request.op, request.payload.get("l"), **options)
        fields: dict = {}
        if result.success:
            fields["rv"] = result.version
        if request.payload.get("rr") and result.existing is not None:
            fields["ri"] = _return_info(result.existing)
        if result.generated is not None:
            fields["gn"] = result.generated
        return self._ok(request, fields, read_kb=result.read_kb, write_kb=result.write_kb, absolute=True)

    def _delete(self, request: Request) -> bytes:
        table = self.store.table(self._table_name(request))
        key = request.payload.get("k")
        if key is None:
            raise illegal("DeleteRequest requires a key")
        match = request.payload.get("rv")
        if request.op == 1 and match is None:
            raise illegal("DeleteRequest: match version is required for delete-if-version")
        result = self.store.delete(table.ref, key, match if request.op == 1 else None)
        fields: dict = {"ss": result.success}
        if request.payload.get("rr") and result.existing is not None:
            fields["ri"] = _return_info(result.existing)
        return self._ok(request, fields, read_kb=result.read_kb, write_kb=result.write_kb, absolute=True)

    def _multi_delete(self, request: Request) -> bytes:
        table = self.store.table(self._table_name(request))
        key = request.payload.get("k")
        if not isinstance(key, dict):
            raise illegal("MultiDeleteRequest requires a key")
        field_range = _field_range(request.payload.get("rg"))
        max_write_kb = _int(request.payload.get("mw"), 0)
        if max_write_kb < 0:
            raise illegal("MultiDeleteRequest: max write KB must not be negative")
        if self.cloud:
            if max_write_kb > CLOUD_MAX_WRITE_KB:
                raise bad_protocol(
                    f"Invalid maxWriteKB, it can not exceed {CLOUD_MAX_WRITE_KB}: {max_write_kb}"
                )
            # The cloud's own per-request write limit applies when the application sets none.
            max_write_kb = max_write_kb or CLOUD_MAX_WRITE_KB
        continuation = request.payload.get("ck")
        if (
            continuation is not None
            and continuation != b""
            and not (isinstance(continuation, bytes) and continuation.startswith(MULTI_DELETE_CONTINUATION))
        ):
            raise illegal("MultiDeleteRequest: invalid continuation key")
        count, write_kb, more = self.store.multi_delete(table.ref, key, field_range, max_write_kb)
        fields: dict = {"nd": count}
        if more:
            fields["ck"] = MULTI_DELETE_CONTINUATION + table.name.lower().encode()
        return self._ok(request, fields, read_kb=write_kb, write_kb=write_kb, absolute=True)

    def _write_multiple(self, request: Request) -> bytes:
        operations = request.payload.get("os")
        if not isinstance(operations, list) or not operations:
            raise bad_protocol("No operations found in writemultiple")
        expected = request.payload.get("no")
        if expected is not None and expected != len(operations):
            raise bad_protocol(
                f"WriteMultiple: number of operation elements ({len(operations)}) does not equal expected "
                f"number of operations ({expected})"
            )
        if self.cloud and len(operations) > CLOUD_BATCH_OP_LIMIT:
            raise NoSQLError(
                errors.BATCH_OP_NUMBER_LIMIT_EXCEEDED,
                f"The number of operations exceeds the max number of {CLOUD_BATCH_OP_LIMIT}: "
                f"{len(operations)}",
            )
        with self.store.lock:
            plans = []
            for op in operations:
                if not isinstance(op, dict):
                    raise bad_protocol("Operations: each operation must be a MAP")
                name = op.get("n")
                if name is not None and request.table is not None and name.lower() != request.table.lower():
                    raise bad_protocol("Table name must be in header OR in each operation")
                name = name or request.table
                if name is None:
                    raise bad_protocol("Table name is required before op code")
                code = op.get("o")
                if code not in (0, 1, 3, 4, 5, 6):
                    raise bad_protocol(f"Invalid operation for WriteMultipleRequest: {code}")
                plans.append((self.store.table(name), code, op))
            first = plans[0][0]
            for table, _, _ in plans:
                if table.top_level.lower() != first.top_level.lower():
                    raise illegal(
                        f"Table '{table.name}' is not related to table '{first.name}': All sub requests "
                        "must operate on the same table or descendant tables belonging to the same top level "
                        "table."
                    )
            shard = None
            for table, code, op in plans:
                source = op.get("l") if code >= 3 else op.get("k")
                values = _shard_values(table, source, code)
                if shard is None:
                    shard = values
                elif values != shard:
                    raise illegal(
                        f"Shard key: {_shard_text(values)} does not match the shard key of previous rows in "
                        f"the list: {_shard_text(shard)}"
                    )
            txn = Txn(self.store)
            results: list[tuple[WriteResult, dict]] = []
            read_kb = write_kb = 0
            for index, (table, code, op) in enumerate(plans):
                if code >= 3:
                    result = txn.put(table, code, op.get("l"), **_put_options(code, op))
                else:
                    match = op.get("rv") if code == 1 else None
                    if code == 1 and match is None:
                        raise illegal("match version is required for delete-if-version")
                    result = txn.delete(table, op.get("k"), match)
                read_kb += result.read_kb
                write_kb += result.write_kb
                if not result.success and op.get("a"):
                    # An aborting failure discards every staged write: nothing of the batch is stored.
                    failure = {"wi": index, "wr": _op_result(result, op, is_delete=code < 3)}
                    return self._ok(request, {"wf": failure}, read_kb=read_kb, write_kb=0, absolute=True)
                results.append((result, op))
            txn.commit()
        success = [_op_result(result, op, is_delete=op.get("o") in (0, 1)) for result, op in results]
        return self._ok(request, {"ws": success}, read_kb=read_kb, write_kb=write_kb, absolute=True)

    # --- tables ----------------------------------------------------------------------------------------

    def _table_result(self, info: TableInfo) -> bytes:
        out: dict = {"e": 0}
        table = info.table
        if self.cloud:
            out["cc"] = "ocid1.compartment.oc1..emulator"
            out["to"] = f"ocid1.nosqltable.oc1..emulator{info.name.lower().replace('.', '_')}"
        name = table.name if table is not None else info.name
        out["n"] = name
        if ":" in name:
            out["ns"] = name.split(":", 1)[0]
        out["as"] = info.state
        if table is not None and table.limits is not None:
            out["lm"] = table.limits
        if table is not None:
            out["ac"] = table.schema_json()
            out["td"] = table.ddl
        out["od"] = info.operation_id
        return nson.encode(out)

    def _table_request(self, request: Request) -> bytes:
        payload = request.payload
        limits = _limits(payload.get("lm"))
        statement = payload.get("st")
        if statement:
            if not isinstance(statement, str):
                raise illegal("The statement must be a string")
            return self._table_result(self.store.table_ddl(statement, limits if self.cloud else None))
        if limits is not None and request.table:
            return self._table_result(self.store.set_limits(request.table, limits))
        if payload.get("dt") is not None or payload.get("ff") is not None:
            raise NoSQLError(errors.OPERATION_NOT_SUPPORTED, errors.NOT_SUPPORTED_PREFIX + "table tags")
        raise illegal("Table Request must have either statement or limits plus table name")

    def _get_table(self, request: Request) -> bytes:
        name = self._table_name(request)
        operation = request.payload.get("od") or "emulator-op-0"
        table = self.store.find_table(name)
        if table is None:
            dropped = self.store.dropped_ops.get(operation)
            if dropped is not None and dropped.lower() == self.store.qualify(name).lower():
                # The proxy answers the operation a drop started with the table DROPPED.
                return self._table_result(TableInfo(dropped, DROPPED, None, operation))
            raise errors.table_not_found(self.store.qualify(name))
        return self._table_result(TableInfo(table.name, 0, table, operation))

    def _list_tables(self, request: Request) -> bytes:
        start = _int(request.payload.get("ls"), 0)
        limit = _int(request.payload.get("lx"), 0)
        if start < 0 or limit < 0:
            raise bad_protocol("Invalid start index or limit, they must be non-negative")
        namespace = request.payload.get("ns")
        if namespace is not None and self.cloud:
            raise illegal("Namespaces are an on-premises feature; the cloud service has compartments")
        if (
            namespace is not None
            and namespace.lower() != "sysdefault"
            and namespace.lower() not in self.store.namespaces
        ):
            raise NoSQLError(errors.RESOURCE_NOT_FOUND, f"Namespace does not exist: {namespace}")
        names = self.store.list_tables(namespace)
        chosen = names[start : start + limit] if limit else names[start:]
        out: dict = {"e": 0}
        if chosen:
            out["tb"] = chosen
        out["li"] = start + len(chosen)
        return nson.encode(out)

    def _table_usage(self, request: Request) -> bytes:
        if not self.cloud:
            raise NoSQLError(
                errors.OPERATION_NOT_SUPPORTED, "GetTableUsage is supported only by the cloud service"
            )
        table = self.store.table(self._table_name(request))
        payload = request.payload
        start_index = _int(payload.get("ls"), 0)
        limit = _int(payload.get("lx"), 0)
        if start_index < 0 or limit < 0:
            raise illegal("TableUsageRequest: the start index and limit must not be negative")
        start = _iso_ms(payload.get("sr"), "start")
        end = _iso_ms(payload.get("en"), "end")
        if start is not None and end is not None and start > end:
            raise illegal("TableUsageRequest: the end time must not be before the start time")
        period_ms = USAGE_PERIOD_SECONDS * 1000
        slots = dict(self.store.usage.get(table.top_level.lower(), {}))
        now_slot = self.store.now_ms() // period_ms * period_ms
        if start is None and end is None:
            # Without a time range the service answers the most recent usage record only.
            chosen = [now_slot]
        else:
            low = (start or 0) // period_ms * period_ms
            high = end if end is not None else now_slot
            chosen = sorted(t for t in slots if low <= t <= high)
        chosen = chosen[start_index : start_index + limit] if limit else chosen[start_index:]
        storage_bytes = sum(row.size for row in self.store.snapshot(table))
        records = []
        for slot in chosen:
            read_units, write_units, read_throttled, write_throttled = slots.get(slot, (0, 0, 0, 0))
            records.append(
                {
                    "sr": _iso(slot),
                    "pd": USAGE_PERIOD_SECONDS,
                    "ru": read_units,
                    "wu": write_units,
                    "sg": -(-storage_bytes // 1_000_000_000),
                    "rt": read_throttled,
                    "wt": write_throttled,
                    "sl": 0,
                    "ms": 0,
                }
            )
        out = {"e": 0, "n": table.name, "li": start_index + len(records), "u": records}
        return nson.encode(out)

    def _system_request(self, request: Request) -> bytes:
        if self.cloud:
            raise NoSQLError(errors.OPERATION_NOT_SUPPORTED, "System requests are supported only on-premises")
        raw = request.payload.get("st")
        statement = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if not isinstance(statement, str) or not statement.strip():
            raise illegal("SystemRequest requires a statement")
        result = self.store.system(parse_system(statement))
        return self._system_result(statement, result)

    def _system_status(self, request: Request) -> bytes:
        statement = request.payload.get("st")
        return self._system_result(statement if isinstance(statement, str) else "", None)

    def _system_result(self, statement: str, result: str | None) -> bytes:
        # System operations finish before the answer; COMPLETE (0) means wait_for_completion returns.
        out: dict = {"e": 0, "ta": 0, "od": self.store._op_id(), "st": statement}
        if result is not None:
            out["rs"] = result
        return nson.encode(out)

    def _get_indexes(self, request: Request) -> bytes:
        table = self.store.table(self._table_name(request))
        wanted = request.payload.get("i")
        indexes: list[IndexDef] = list(table.indexes.values())
        if wanted is not None:
            indexes = [i for i in indexes if i.name.lower() == wanted.lower()]
            if not indexes:
                raise NoSQLError(
                    errors.INDEX_NOT_FOUND, f"Index {wanted} does not exists in table {table.name}"
                )
        out: dict = {"e": 0}
        if indexes:
            out["ix"] = [
                {"m": i.name, "f": [({"pt": p, "y": t} if t else {"pt": p}) for p, t in i.fields]}
                for i in indexes
            ]
        return nson.encode(out)

    # --- queries ------------------------------------------------------------------------------------------

    def _query_version(self, payload: dict) -> int:
        version = _int(payload.get("qv"), 1)
        if version < 1 or version > QUERY_VERSION_MAX:
            raise NoSQLError(errors.UNSUPPORTED_QUERY_VERSION, f"Unsupported query version {version}")
        return version

    def _prepare(self, request: Request) -> bytes:
        payload = request.payload
        self._query_version(payload)
        text = payload.get("st")
        if not isinstance(text, str) or not text.strip():
            raise illegal("The query statement must be a non-empty string")
        compiled = query.compile_statement(query.parse(text), self.store)
        fields = _prepared_fields(compiled)
        if payload.get("gq"):
            fields["qs"] = query.describe(compiled)
        if payload.get("gs"):
            fields["qc"] = query.result_schema(compiled)
        return self._ok(request, fields, read_kb=1)

    def _query(self, request: Request) -> bytes:
        payload = request.payload
        self._query_version(payload)
        prepared = bool(payload.get("is"))
        if prepared:
            blob = payload.get("pq")
            if not isinstance(blob, bytes):
                raise illegal("A prepared query must carry its prepared statement")
            text = query.decode_prepared(blob)
        else:
            text = payload.get("st")
            if not isinstance(text, str) or not text.strip():
                raise illegal("The query statement must be a non-empty string")
            if payload.get("bv"):
                raise illegal("Bind variables supplied with no prepared statement")
        compiled = query.compile_statement(query.parse(text), self.store)
        variables = query.bind_variables(compiled.statement, _bind_variables(payload.get("bv")))
        limit = _int(payload.get("nl"), 0)
        max_read_kb = _int(payload.get("mr"), 0)
        if limit < 0 or max_read_kb < 0:
            raise illegal("Query limit and max read KB must not be negative")
        if not max_read_kb:
            max_read_kb = CLOUD_MAX_READ_KB if self.cloud else None
        continuation = payload.get("ck")
        page = query.run(
            compiled,
            self.store,
            variables,
            batch_limit=limit or query.DEFAULT_BATCH_ROWS,
            max_read_kb=max_read_kb,
            continuation=continuation if isinstance(continuation, bytes) and continuation else None,
        )
        fields: dict = {"qr": page.results}
        if page.continuation is not None:
            fields["ck"] = page.continuation
        if not prepared:
            fields.update(_prepared_fields(compiled))
        elif payload.get("iq") is False:
            fields["re"] = False
        absolute = _consistency(payload) == 0
        return self._ok(
            request,
            fields,
            read_kb=max(page.read_kb, 1),
            write_kb=page.write_kb,
            absolute=absolute,
            table=compiled.table.ref,
        )


# --- helpers --------------------------------------------------------------------------------------------


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _iso_ms(value, what: str) -> int | None:
    if value is None:
        return None
    try:
        return Timestamp.parse(value).to_millis()
    except NoSQLError:
        raise illegal(f"TableUsageRequest: invalid {what} time {value!r}") from None


def _iso(millis: int) -> str:
    return Timestamp.from_millis(millis).iso(3) + "Z"


def _consistency(payload: dict) -> int:
    consistency = payload.get("co")
    if isinstance(consistency, dict):
        return _int(consistency.get("y"), 1)
    return 1


def _put_options(op: int, payload: dict) -> dict:
    ttl_text = payload.get("tt")
    ttl = TTL.parse(ttl_text) if isinstance(ttl_text, str) else None
    match = payload.get("rv")
    if op == PUT_IF_VERSION and not isinstance(match, bytes):
        raise illegal("PutRequest: match version is required for put-if-version")
    cache = _int(payload.get("ic"), 0)
    if cache < 0:
        raise illegal("PutRequest: the identity cache size must not be negative")
    return {
        "exact": bool(payload.get("ec")),
        "ttl": ttl,
        "update_ttl": bool(payload.get("ut")),
        "match_version": match if op == PUT_IF_VERSION else None,
        "identity_cache": cache,
    }


def _row_fields(table, row: Row) -> dict:
    return {
        "ct": NLong(row.created),
        "md": NLong(row.modified),
        "xp": NLong(row.expiration),
        "rv": row.version,
        "l": query.project(table, row.values),
    }


def _return_info(row: Row) -> dict:
    return {
        "el": dict(row.values),
        "ct": NLong(row.created),
        "em": NLong(row.modified),
        "ev": row.version,
    }


def _op_result(result: WriteResult, op: dict, *, is_delete: bool) -> dict:
    out: dict = {"ss": result.success}
    if result.success and not is_delete and result.version is not None:
        out["rv"] = result.version
    if op.get("rr") and result.existing is not None:
        out["ri"] = _return_info(result.existing)
    if result.generated is not None:
        out["gn"] = result.generated
    return out


def _shard_values(table, source, code: int) -> tuple:
    if not isinstance(source, dict):
        raise illegal(
            f"WriteMultiple: operation {OP_NAMES.get(code)} on {table.name} needs a row or a key MAP"
        )
    converted = check_key(table, {k: v for k, v in source.items()}, partial=True)
    # A key field the database generates (IDENTITY, UUID) may be absent unless the shard key needs it.
    missing = [
        name
        for name in table.primary_key
        if name not in converted
        and (code < 3 or name in table.shard_key or not _generated(table.column(name)))
    ]
    if missing:
        raise illegal(f"Missing primary key field: {missing[0]}")
    return tuple(converted[name] for name in table.shard_key)


def _generated(column) -> bool:
    return column.identity is not None or column.type.generated


def _shard_text(values: tuple) -> str:
    return "/" + "/".join(str(v) for v in values)


def _limits(raw) -> dict | None:
    if not isinstance(raw, dict):
        return None
    limits = {
        "ru": _int(raw.get("ru"), 0),
        "wu": _int(raw.get("wu"), 0),
        "sg": _int(raw.get("sg"), 0),
        "mo": _int(raw.get("mo"), 1),
    }
    if limits["mo"] not in (1, 2):
        raise illegal(f"Unknown capacity mode: {limits['mo']}")
    if limits["sg"] <= 0:
        raise illegal("Invalid table limits: storage GB must be positive")
    if limits["mo"] == 1 and (limits["ru"] <= 0 or limits["wu"] <= 0):
        raise illegal("Invalid table limits: provisioned tables need positive read and write units")
    return limits


def _field_range(raw) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_protocol("Invalid field range")
    out: dict = {"path": raw.get("rp")}
    for wire, side in (("sr", "start"), ("en", "end")):
        spec = raw.get(wire)
        if isinstance(spec, dict):
            out[side] = {"value": spec.get("l"), "inclusive": bool(spec.get("in", True))}
    return out


def _bind_variables(raw) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise illegal("Bad type in bind variables, should be ARRAY")
    variables = {}
    for entry in raw:
        if not isinstance(entry, dict) or "m" not in entry:
            raise illegal("Invalid bind variable entry")
        variables[entry["m"]] = entry.get("l")
    return variables


def _prepared_fields(compiled) -> dict:
    return {
        "pq": query.encode_prepared(compiled.statement.text),
        "n": compiled.table.name,
        "qo": query.operation_code(compiled),
        "mp": 0,
    }


def error_response(code: int, message: str) -> bytes:
    return nson.encode({"e": code, "x": message})


def v3_error(code: int, message: str) -> bytes:
    """Errors raised before the serial version is known go out in the V3 layout: code byte + string."""
    return bytes([code]) + nson.pack_string(message)
