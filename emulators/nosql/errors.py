"""Error codes of the Oracle NoSQL HTTP proxy, and the exception that carries one back to the driver."""

from __future__ import annotations

# User errors (1..49)
UNKNOWN_OPERATION = 1
TABLE_NOT_FOUND = 2
INDEX_NOT_FOUND = 3
ILLEGAL_ARGUMENT = 4
ROW_SIZE_LIMIT_EXCEEDED = 5
KEY_SIZE_LIMIT_EXCEEDED = 6
BATCH_OP_NUMBER_LIMIT_EXCEEDED = 7
REQUEST_SIZE_LIMIT_EXCEEDED = 8
TABLE_EXISTS = 9
INDEX_EXISTS = 10
INVALID_AUTHORIZATION = 11
INSUFFICIENT_PERMISSION = 12
RESOURCE_EXISTS = 13
RESOURCE_NOT_FOUND = 14
TABLE_LIMIT_EXCEEDED = 15
INDEX_LIMIT_EXCEEDED = 16
BAD_PROTOCOL_MESSAGE = 17
EVOLUTION_LIMIT_EXCEEDED = 18
OPERATION_NOT_SUPPORTED = 21
ETAG_MISMATCH = 22
UNSUPPORTED_PROTOCOL = 24
TABLE_NOT_READY = 26
UNSUPPORTED_QUERY_VERSION = 27

# Throttling (50..99)
READ_LIMIT_EXCEEDED = 50
WRITE_LIMIT_EXCEEDED = 51
SIZE_LIMIT_EXCEEDED = 52
OPERATION_LIMIT_EXCEEDED = 53

# Retryable server errors (100..124)
REQUEST_TIMEOUT = 100
SERVER_ERROR = 101
SERVICE_UNAVAILABLE = 102
SECURITY_INFO_UNAVAILABLE = 104
RETRY_AUTHENTICATION = 105

# Other server errors
UNKNOWN_ERROR = 125
ILLEGAL_STATE = 126

NOT_SUPPORTED_PREFIX = "not supported by the emulator: "


class NoSQLError(Exception):
    """An in-band error: the proxy answers HTTP 200 with this code and message in the payload."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Errors the fault knob can inject ({"error_requests": N, "error_code": code}), with the proxy's wording;
# borneo retries the retryable ones (SECURITY_INFO_UNAVAILABLE, SERVICE_UNAVAILABLE, SERVER_ERROR, ...).
FAULT_CODES = {
    SECURITY_INFO_UNAVAILABLE: "Security information is not available yet; retry the operation later",
    SERVICE_UNAVAILABLE: "The service is temporarily unavailable; retry the operation later",
    SERVER_ERROR: "Internal server error (simulated by the emulator)",
    REQUEST_TIMEOUT: "Request timed out in the store (simulated by the emulator)",
    RETRY_AUTHENTICATION: "Authentication failed; retry with fresh credentials",
    TABLE_NOT_READY: "Table is not ready: {table} (simulated by the emulator)",
    OPERATION_LIMIT_EXCEEDED: "Too many DDL operations; retry later (simulated by the emulator)",
    SIZE_LIMIT_EXCEEDED: "Table size limit exceeded for table {table} (simulated by the emulator)",
    INSUFFICIENT_PERMISSION: "Insufficient permission for table {table} (simulated by the emulator)",
    ILLEGAL_STATE: "Illegal state (simulated by the emulator)",
    UNKNOWN_ERROR: "Unknown error (simulated by the emulator)",
}


def fault_message(code: int, table: str | None) -> str:
    return FAULT_CODES[code].format(table=table or "(none)")


def illegal(message: str) -> NoSQLError:
    return NoSQLError(ILLEGAL_ARGUMENT, message)


def unsupported(what: str) -> NoSQLError:
    """A statement or option outside what the emulator implements: refused rather than guessed."""
    return NoSQLError(ILLEGAL_ARGUMENT, NOT_SUPPORTED_PREFIX + what)


def bad_protocol(message: str) -> NoSQLError:
    return NoSQLError(BAD_PROTOCOL_MESSAGE, message)


def table_not_found(name: str) -> NoSQLError:
    return NoSQLError(TABLE_NOT_FOUND, f"Table not found: {name}")
