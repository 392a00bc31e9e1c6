"""HTTP front end: the Object Storage REST paths the SDK calls, PAR and public reads, auth and faults."""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from ..httpbase import EmulatorHandler, EmulatorServer, serve
from ..ocisignature import SignatureError, Verifier
from .store import ApiError, Store, StoredObject, iso, par_summary

log = logging.getLogger("emulators.objectstorage")

ADMIN_PREFIX = "/_emulator/"
FAULT_KNOBS = ("refuse_connections", "fail_requests", "fail_skip", "error_status", "latency_ms")
MAX_LIST = 1000


def body_signed(method: str, path: str) -> bool:
    """Whether the SDK signs this request's body: every PUT/POST but object and part uploads."""
    if method not in ("PUT", "POST"):
        return False
    # put_object and upload_part stream their body unsigned (the SDK's enforce_content_headers=False).
    return not (method == "PUT" and ("/o/" in path or "/u/" in path))


@dataclass
class Faults:
    """Test knobs; the counting ones count down as requests consume them (-1: until cleared)."""

    refuse_connections: int = 0  # reset the connection, as an unreachable service would
    fail_requests: int = 0  # answer error_status instead of doing the work
    fail_skip: int = 0  # let this many requests through before fail_requests starts
    error_status: int = 503
    latency_ms: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict:
        with self.lock:
            return {knob: getattr(self, knob) for knob in FAULT_KNOBS}

    def update(self, values: dict) -> None:
        with self.lock:
            for key, value in values.items():
                if key not in FAULT_KNOBS:
                    raise ValueError(f"unknown fault knob: {key} (known: {', '.join(FAULT_KNOBS)})")
                if isinstance(value, bool):
                    value = -1 if value and key in ("refuse_connections", "fail_requests") else int(value)
                counting = key in ("refuse_connections", "fail_requests")
                if not isinstance(value, int) or value < (-1 if counting else 0):
                    raise ValueError(f"{key} must be a non-negative integer" + (" or -1" if counting else ""))
                if key == "error_status" and not 400 <= value <= 599:
                    raise ValueError("error_status must be an HTTP error status (400-599)")
                setattr(self, key, value)

    def clear(self) -> None:
        self.update(
            {
                "refuse_connections": 0,
                "fail_requests": 0,
                "fail_skip": 0,
                "error_status": 503,
                "latency_ms": 0,
            }
        )

    def take(self, knob: str) -> bool:
        with self.lock:
            current = getattr(self, knob)
            if current == 0:
                return False
            if knob == "fail_requests" and self.fail_skip > 0:
                self.fail_skip -= 1
                return False
            if current > 0:
                setattr(self, knob, current - 1)
            return True


ERROR_CODES = {
    400: "InvalidParameter",
    401: "NotAuthenticated",
    404: "NotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


class Emulator:
    """What request threads share: the store, the faults, the keys that verify signatures, counters."""

    def __init__(
        self,
        *,
        namespace: str = "ocipizza",
        data: str | None = None,
        cloud: bool = False,
        verifier: Verifier | None = None,
        faults: dict | None = None,
    ):
        self.store = Store(namespace, data)
        self.cloud = cloud
        self.verifier = verifier or Verifier()
        self.faults = Faults()
        if faults:
            self.faults.update(faults)
        self.lock = threading.Lock()
        self.requests = 0
        self.refused = 0
        self.failed = 0
        self.auth_failures = 0
        self.operations: dict[str, int] = {}
        self.last_headers: dict[str, str] = {}

    def count(self, operation: str) -> None:
        with self.lock:
            self.operations[operation] = self.operations.get(operation, 0) + 1

    def stats(self) -> dict:
        with self.lock:
            return {
                "requests": self.requests,
                "refused_connections": self.refused,
                "failed_requests": self.failed,
                "auth_failures": self.auth_failures,
                "operations": dict(self.operations),
                "last_headers": dict(self.last_headers),
                "cloud": self.cloud,
                "faults": self.faults.as_dict(),
            }

    def reset_stats(self) -> None:
        with self.lock:
            self.requests = self.refused = self.failed = self.auth_failures = 0
            self.operations.clear()
            self.last_headers = {}


def http_date(moment) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


class Handler(EmulatorHandler):
    server_version = "OCIObjectStorageEmulator/1.0"
    emulator: Emulator  # bound by make_server
    logger = log

    # --- plumbing -----------------------------------------------------------------------------------------

    def _headers_out(self, extra: dict | None) -> dict:
        headers = {"opc-request-id": f"emu-{uuid.uuid4().hex}", "Date": http_date(_now())}
        client_id = self.headers.get("opc-client-request-id")
        if client_id:
            headers["opc-client-request-id"] = client_id
        headers.update(extra or {})
        return headers

    def _send(
        self, status: int, body: bytes = b"", content_type: str | None = None, extra: dict | None = None
    ) -> None:
        self.send_response(status)
        headers = self._headers_out(extra)
        if content_type:
            headers.setdefault("Content-Type", content_type)
        if status not in (204, 304):
            headers.setdefault("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def _json(self, status: int, payload, extra: dict | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", extra)

    def _error(self, error: ApiError) -> None:
        self._json(error.status, {"code": error.code, "message": error.message})

    def _refuse(self) -> None:
        """Reset the connection, as a crashed or unreachable endpoint would."""
        with self.emulator.lock:
            self.emulator.refused += 1
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    # --- verbs --------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        raw_path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        if raw_path.startswith(ADMIN_PREFIX):
            self._admin(raw_path[len(ADMIN_PREFIX) :])
            return
        emulator = self.emulator
        with emulator.lock:
            emulator.requests += 1
            emulator.last_headers = {k.lower(): v for k, v in self.headers.items()}
        if emulator.faults.take("refuse_connections"):
            self._refuse()
            return
        # Bodies come in before anything answers, or the client would see a reset mid-upload.
        body = self._body() if self.command in ("PUT", "POST") else b""
        latency = emulator.faults.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)
        if emulator.faults.take("fail_requests"):
            with emulator.lock:
                emulator.failed += 1
            status = emulator.faults.error_status
            code = ERROR_CODES.get(status, "InternalServerError")
            self._error(ApiError(status, code, f"Injected fault: the service answered {status}"))
            return
        try:
            self._route(raw_path, query, body)
        except ApiError as e:
            self._error(e)
        except Exception as e:  # a bug still answers like the service would, not with a dropped socket
            log.exception("unexpected error")
            self._error(ApiError(500, "InternalServerError", f"Unexpected emulator error: {e!r}"))

    # --- routing ------------------------------------------------------------------------------------------

    def _route(self, raw_path: str, query: dict, body: bytes) -> None:
        method = self.command
        if raw_path.startswith("/p/"):
            self._par_request(raw_path, body)
            return
        segments = raw_path.split("/")
        # ['', 'n', ns, 'b', bucket, kind, rest...]: object names may hold '/', so rest is rejoined.
        if len(segments) < 2 or segments[1] != "n":
            raise ApiError(404, "NotFound", f"No API at {raw_path}")
        if len(segments) <= 3 and (len(segments) == 2 or segments[2] == ""):
            self._authorize(body)
            if method != "GET":
                raise ApiError(405, "MethodNotAllowed", "Only GET is allowed on /n/")
            self.emulator.count("GetNamespace")
            self._json(200, self.emulator.store.namespace)
            return
        namespace = unquote(segments[2])
        if len(segments) == 3:
            self._authorize(body)
            self.emulator.store.check_namespace(namespace)
            self.emulator.count("GetNamespaceMetadata")
            self._json(
                200,
                {"namespace": namespace, "defaultS3CompartmentId": None, "defaultSwiftCompartmentId": None},
            )
            return
        if segments[3] != "b":
            raise ApiError(404, "NotFound", f"No API at {raw_path}")
        if len(segments) == 4 or (len(segments) == 5 and segments[4] == ""):
            self._authorize(body)
            self._buckets(namespace, query, body)
            return
        bucket = unquote(segments[4])
        if len(segments) == 5:
            self._authorize(body)
            self._bucket(namespace, bucket, body)
            return
        kind = segments[5]
        rest = unquote("/".join(segments[6:]))
        if kind == "o":
            if rest:
                self._authorize(body, public_read=(namespace, bucket, False))
                self._object(namespace, bucket, rest, body)
            else:
                self._authorize(body, public_read=(namespace, bucket, True))
                self._list(namespace, bucket, query)
        elif kind == "u":
            self._authorize(body)
            if rest:
                self._upload(namespace, bucket, rest, query, body)
            else:
                self._uploads(namespace, bucket, query, body)
        elif kind == "p":
            self._authorize(body)
            self._pars(namespace, bucket, rest, query, body)
        else:
            raise ApiError(404, "NotFound", f"No API at {raw_path}")

    def _authorize(self, body: bytes, public_read: tuple | None = None) -> None:
        emulator = self.emulator
        if not emulator.cloud:
            return
        if public_read and self.command in ("GET", "HEAD") and not self.headers.get("Authorization"):
            namespace, bucket_name, listing = public_read
            try:
                access = emulator.store.bucket(namespace, bucket_name).public_access_type
            except ApiError:
                access = "NoPublicAccess"
            if access == "ObjectRead" or (access == "ObjectReadWithoutList" and not listing):
                return
        try:
            emulator.verifier.verify(
                method=self.command,
                target=self.path,
                headers=self.headers,
                body=body,
                body_signed=body_signed(self.command, self.path.split("?", 1)[0]),
            )
        except SignatureError as e:
            with emulator.lock:
                emulator.auth_failures += 1
            raise ApiError(401, "NotAuthenticated", str(e)) from None

    # --- namespace and buckets ----------------------------------------------------------------------------

    def _buckets(self, namespace: str, query: dict, body: bytes) -> None:
        store = self.emulator.store
        if self.command == "POST":
            details = _json_body(body)
            self.emulator.count("CreateBucket")
            bucket = store.create_bucket(
                namespace,
                details.get("name"),
                compartment_id=details.get("compartmentId") or "ocid1.compartment.oc1..emulator",
                public_access_type=details.get("publicAccessType") or "NoPublicAccess",
            )
            self._json(
                200,
                bucket.summary(namespace),
                {"ETag": bucket.etag, "Location": f"/n/{namespace}/b/{bucket.name}"},
            )
        elif self.command == "GET":
            store.check_namespace(namespace)
            self.emulator.count("ListBuckets")
            with store.lock:
                rows = [b.summary(namespace) for _, b in sorted(store.buckets.items())]
            keep = ("namespace", "name", "compartmentId", "createdBy", "timeCreated", "etag")
            self._json(200, [{k: row[k] for k in keep} for row in rows])
        else:
            raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed here")

    def _bucket(self, namespace: str, name: str, body: bytes) -> None:
        store = self.emulator.store
        if self.command in ("GET", "HEAD"):
            self.emulator.count("GetBucket" if self.command == "GET" else "HeadBucket")
            bucket = store.bucket(namespace, name)
            self._json(200, bucket.summary(namespace), {"ETag": bucket.etag})
        elif self.command == "POST":
            self.emulator.count("UpdateBucket")
            details = _json_body(body)
            bucket = store.update_bucket(namespace, name, public_access_type=details.get("publicAccessType"))
            self._json(200, bucket.summary(namespace), {"ETag": bucket.etag})
        elif self.command == "DELETE":
            self.emulator.count("DeleteBucket")
            store.delete_bucket(namespace, name)
            self._send(204)
        else:
            raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed on a bucket")

    # --- objects ------------------------------------------------------------------------------------------

    def _object(self, namespace: str, bucket: str, name: str, body: bytes) -> None:
        store = self.emulator.store
        if self.command == "PUT":
            self.emulator.count("PutObject")
            obj = store.put(
                namespace,
                bucket,
                name,
                body,
                fields=self._content_fields(),
                if_match=self.headers.get("if-match"),
                if_none_match=self.headers.get("if-none-match"),
                content_md5=self.headers.get("Content-MD5"),
            )
            self._send(
                200,
                extra={
                    "ETag": obj.etag,
                    "opc-content-md5": obj.md5,
                    "last-modified": http_date(obj.modified),
                },
            )
        elif self.command in ("GET", "HEAD"):
            self.emulator.count("GetObject" if self.command == "GET" else "HeadObject")
            self._serve(store.get(namespace, bucket, name))
        elif self.command == "DELETE":
            self.emulator.count("DeleteObject")
            store.delete(namespace, bucket, name, if_match=self.headers.get("if-match"))
            self._send(204, extra={"last-modified": http_date(_now())})
        else:
            raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed on an object")

    def _content_fields(self) -> dict:
        metadata = {
            k[len("opc-meta-") :]: v for k, v in self.headers.items() if k.lower().startswith("opc-meta-")
        }
        return {
            "content_type": self.headers.get("Content-Type"),
            "cache_control": self.headers.get("Cache-Control"),
            "content_disposition": self.headers.get("Content-Disposition"),
            "content_encoding": self.headers.get("Content-Encoding"),
            "content_language": self.headers.get("Content-Language"),
            "metadata": metadata,
        }

    def _serve(self, obj: StoredObject) -> None:
        """Answer a GET or HEAD of ``obj`` with its metadata, conditions and an optional byte range."""
        if_match, if_none_match = self.headers.get("if-match"), self.headers.get("if-none-match")
        if if_match is not None and if_match != "*" and if_match.strip('"') != obj.etag:
            raise ApiError(412, "IfMatchFailed", "The If-Match header did not match the object's ETag")
        headers = {
            "ETag": obj.etag,
            "Last-Modified": http_date(obj.modified),
            "Accept-Ranges": "bytes",
            "storage-tier": "Standard",
        }
        if obj.multipart:
            headers["opc-multipart-md5"] = obj.md5
        else:
            headers["Content-MD5"] = obj.md5
        for header, value in (
            ("Cache-Control", obj.cache_control),
            ("Content-Disposition", obj.content_disposition),
            ("Content-Encoding", obj.content_encoding),
            ("Content-Language", obj.content_language),
        ):
            if value:
                headers[header] = value
        for key, value in obj.metadata.items():
            headers[f"opc-meta-{key}"] = value
        if if_none_match is not None and (if_none_match == "*" or if_none_match.strip('"') == obj.etag):
            self._send(304, extra=headers)
            return
        data, status = obj.data, 200
        byte_range = self.headers.get("Range")
        if byte_range and self.command == "GET":
            first, last = _parse_range(byte_range, obj.size)
            data, status = obj.data[first : last + 1], 206
            headers["Content-Range"] = f"bytes {first}-{last}/{obj.size}"
        self._send(status, data, obj.content_type, headers)

    def _list(self, namespace: str, bucket: str, query: dict) -> None:
        if self.command != "GET":
            raise ApiError(405, "MethodNotAllowed", "Only GET lists objects")
        self.emulator.count("ListObjects")
        limit = _int_param(query, "limit", MAX_LIST, 1, MAX_LIST)
        objects, prefixes, next_start = self.emulator.store.list(
            namespace,
            bucket,
            prefix=_param(query, "prefix") or "",
            start=_param(query, "start"),
            end=_param(query, "end"),
            limit=limit,
            delimiter=_param(query, "delimiter"),
            start_after=_param(query, "startAfter"),
        )
        wanted = {f.strip() for f in (_param(query, "fields") or "").split(",") if f.strip()}
        unknown = wanted - {
            "name",
            "size",
            "etag",
            "md5",
            "timeCreated",
            "timeModified",
            "storageTier",
            "archivalState",
        }
        if unknown:
            raise ApiError(400, "InvalidParameter", f"Unknown fields: {', '.join(sorted(unknown))}")
        rows = []
        for obj in objects:
            row = {"name": obj.name}
            if "size" in wanted:
                row["size"] = obj.size
            if "etag" in wanted:
                row["etag"] = obj.etag
            if "md5" in wanted:
                row["md5"] = obj.md5
            if "timeCreated" in wanted:
                row["timeCreated"] = iso(obj.created)
            if "timeModified" in wanted:
                row["timeModified"] = iso(obj.modified)
            if "storageTier" in wanted:
                row["storageTier"] = "Standard"
            rows.append(row)
        payload = {"objects": rows, "prefixes": prefixes}
        if next_start is not None:
            payload["nextStartWith"] = next_start
        self._json(200, payload)

    # --- multipart uploads --------------------------------------------------------------------------------

    def _uploads(self, namespace: str, bucket: str, query: dict, body: bytes) -> None:
        store = self.emulator.store
        if self.command == "POST":
            self.emulator.count("CreateMultipartUpload")
            details = _json_body(body)
            fields = {
                "content_type": details.get("contentType"),
                "cache_control": details.get("cacheControl"),
                "content_disposition": details.get("contentDisposition"),
                "content_encoding": details.get("contentEncoding"),
                "content_language": details.get("contentLanguage"),
                "metadata": details.get("metadata") or {},
            }
            name = details.get("object")
            if not isinstance(name, str):
                raise ApiError(400, "MissingParameter", "object is required")
            upload = store.create_upload(
                namespace,
                bucket,
                name,
                fields,
                if_match=self.headers.get("if-match"),
                if_none_match=self.headers.get("if-none-match"),
            )
            self._json(
                200,
                _upload_summary(upload, namespace, bucket),
                {"Location": f"/n/{namespace}/b/{bucket}/u/{name}"},
            )
        elif self.command == "GET":
            self.emulator.count("ListMultipartUploads")
            with store.lock:
                uploads = sorted(store.bucket(namespace, bucket).uploads.values(), key=lambda u: u.created)
            rows = [_upload_summary(u, namespace, bucket) for u in uploads]
            self._paged(rows, query)
        else:
            raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed here")

    def _upload(self, namespace: str, bucket: str, name: str, query: dict, body: bytes) -> None:
        store = self.emulator.store
        upload_id = _param(query, "uploadId")
        if not upload_id:
            raise ApiError(400, "MissingParameter", "uploadId is required")
        if self.command == "PUT":
            self.emulator.count("UploadPart")
            number = _int_param(query, "uploadPartNum", None, 1, 10000)
            part = store.upload_part(
                namespace,
                bucket,
                name,
                upload_id,
                number,
                body,
                content_md5=self.headers.get("Content-MD5"),
                if_none_match=self.headers.get("if-none-match"),
            )
            self._send(200, extra={"ETag": part.etag, "opc-content-md5": part.md5})
        elif self.command == "POST":
            self.emulator.count("CommitMultipartUpload")
            details = _json_body(body)
            obj = store.commit_upload(
                namespace,
                bucket,
                name,
                upload_id,
                details.get("partsToCommit") or [],
                details.get("partsToExclude") or [],
            )
            self._send(
                200,
                extra={
                    "ETag": obj.etag,
                    "opc-multipart-md5": obj.md5,
                    "last-modified": http_date(obj.modified),
                },
            )
        elif self.command == "DELETE":
            self.emulator.count("AbortMultipartUpload")
            store.abort_upload(namespace, bucket, name, upload_id)
            self._send(204)
        elif self.command == "GET":
            self.emulator.count("ListMultipartUploadParts")
            with store.lock:
                parts = sorted(
                    store.upload(namespace, bucket, name, upload_id).parts.values(), key=lambda p: p.number
                )
            rows = [
                {"partNumber": p.number, "etag": p.etag, "md5": p.md5, "size": len(p.data)} for p in parts
            ]
            self._paged(rows, query)
        else:
            raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed here")

    def _paged(self, rows: list, query: dict) -> None:
        """A list answer paged the way the service pages them: ``page`` in, ``opc-next-page`` out."""
        limit = _int_param(query, "limit", MAX_LIST, 1, MAX_LIST)
        start = _int_param(query, "page", 0, 0, None)
        chunk = rows[start : start + limit]
        extra = {"opc-next-page": str(start + limit)} if start + limit < len(rows) else {}
        self._json(200, chunk, extra)

    # --- pre-authenticated requests -----------------------------------------------------------------------

    def _pars(self, namespace: str, bucket: str, par_id: str, query: dict, body: bytes) -> None:
        store = self.emulator.store
        base = f"http://{self.headers.get('Host') or 'localhost'}"
        if not par_id:
            if self.command == "POST":
                self.emulator.count("CreatePreauthenticatedRequest")
                par = store.create_par(namespace, bucket, _json_body(body))
                summary = par_summary(par, namespace, bucket)
                summary["fullPath"] = base + summary["accessUri"]
                self._json(200, summary)
            elif self.command == "GET":
                self.emulator.count("ListPreauthenticatedRequests")
                with store.lock:
                    pars = sorted(store.bucket(namespace, bucket).pars.values(), key=lambda p: p.created)
                prefix = _param(query, "objectNamePrefix") or ""
                rows = []
                for par in pars:
                    if prefix and not (par.object_name or "").startswith(prefix):
                        continue
                    row = par_summary(par, namespace, bucket)
                    for secret in ("accessUri", "fullPath"):  # only the create answer shows the token
                        row.pop(secret)
                    rows.append(row)
                self._paged(rows, query)
            else:
                raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed here")
            return
        if self.command == "GET":
            self.emulator.count("GetPreauthenticatedRequest")
            row = par_summary(store.par(namespace, bucket, par_id), namespace, bucket)
            row.pop("accessUri")
            row.pop("fullPath")
            self._json(200, row)
        elif self.command == "DELETE":
            self.emulator.count("DeletePreauthenticatedRequest")
            store.delete_par(namespace, bucket, par_id)
            self._send(204)
        else:
            raise ApiError(405, "MethodNotAllowed", f"{self.command} is not allowed here")

    def _par_request(self, raw_path: str, body: bytes) -> None:
        """``/p/{token}/n/{ns}/b/{bucket}/o/{object}``: the holder of the URL needs no signature."""
        segments = raw_path.split("/")
        if len(segments) < 9 or segments[3] != "n" or segments[5] != "b" or segments[7] != "o":
            raise ApiError(404, "NotFound", "Not a pre-authenticated request URL")
        token, namespace, bucket = segments[2], unquote(segments[4]), unquote(segments[6])
        name = unquote("/".join(segments[8:]))
        store = self.emulator.store
        par = store.par_by_token(token, namespace, bucket)
        access = par.access_type
        reads = access in ("ObjectRead", "ObjectReadWrite", "AnyObjectRead", "AnyObjectReadWrite")
        writes = access in ("ObjectWrite", "ObjectReadWrite", "AnyObjectWrite", "AnyObjectReadWrite")
        if par.object_name is not None and name != par.object_name:
            raise ApiError(404, "NotFound", "This pre-authenticated request is for another object")
        if self.command in ("GET", "HEAD") and name == "":
            if par.bucket_listing_action != "ListObjects":
                raise ApiError(404, "NotFound", "This pre-authenticated request does not list the bucket")
            self.emulator.count("ParListObjects")
            self._list(namespace, bucket, {})
        elif self.command in ("GET", "HEAD") and reads:
            self.emulator.count("ParGetObject")
            self._serve(store.get(namespace, bucket, name))
        elif self.command == "PUT" and writes and name:
            self.emulator.count("ParPutObject")
            obj = store.put(
                namespace,
                bucket,
                name,
                body,
                fields=self._content_fields(),
                if_match=self.headers.get("if-match"),
                if_none_match=self.headers.get("if-none-match"),
                content_md5=self.headers.get("Content-MD5"),
            )
            self._send(200, extra={"ETag": obj.etag, "opc-content-md5": obj.md5})
        else:
            raise ApiError(404, "NotFound", f"This pre-authenticated request does not allow {self.command}")

    # --- admin endpoints for tests ------------------------------------------------------------------------

    def _admin(self, name: str) -> None:
        emulator = self.emulator
        raw = self._body() if self.command in ("PUT", "POST") else b""
        try:
            payload = json.loads(raw) if raw.strip() else {}
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as e:
            self._json(400, {"error": f"invalid JSON: {e}"})
            return
        try:
            if self.command == "GET" and name in ("requests", "faults", "health"):
                answer = {
                    "requests": emulator.stats,
                    "faults": emulator.faults.as_dict,
                    "health": lambda: {
                        "ok": True,
                        "cloud": emulator.cloud,
                        "namespace": emulator.store.namespace,
                    },
                }[name]()
                self._json(200, answer)
            elif self.command != "POST":
                self._json(404, {"error": f"unknown admin endpoint {self.command} {name}"})
            elif name == "faults":
                if payload.pop("clear", False):
                    emulator.faults.clear()
                emulator.faults.update(payload)
                self._json(200, emulator.faults.as_dict())
            elif name == "reset":
                emulator.store.reset()
                emulator.faults.clear()
                emulator.reset_stats()
                self._json(200, {"ok": True})
            elif name == "buckets":
                bucket = emulator.store.create_bucket(
                    emulator.store.namespace,
                    payload.get("name"),
                    public_access_type=payload.get("publicAccessType") or "NoPublicAccess",
                )
                self._json(200, bucket.summary(emulator.store.namespace))
            elif name == "requests":
                if payload.get("reset"):
                    emulator.reset_stats()
                self._json(200, emulator.stats())
            elif name == "config":
                if "cloud" in payload:
                    emulator.cloud = bool(payload["cloud"])
                self._json(200, {"cloud": emulator.cloud})
            else:
                self._json(404, {"error": f"unknown admin endpoint {name}"})
        except ApiError as e:
            self._json(e.status, {"error": e.message, "code": e.code})
        except ValueError as e:
            self._json(400, {"error": str(e)})


def _now():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def _json_body(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "InvalidParameter", "The request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "InvalidParameter", "The request body must be a JSON object")
    return value


def _param(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _int_param(query: dict, name: str, default, low: int, high: int | None) -> int:
    raw = _param(query, name)
    if raw is None:
        if default is None:
            raise ApiError(400, "MissingParameter", f"{name} is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        raise ApiError(400, "InvalidParameter", f"{name} must be between {low} and {high}")
    return value


def _parse_range(value: str, size: int) -> tuple[int, int]:
    unit, _, spec = value.partition("=")
    first_raw, _, last_raw = spec.partition("-")
    try:
        if unit.strip() != "bytes" or "," in spec:
            raise ValueError
        if first_raw == "":
            first, last = max(0, size - int(last_raw)), size - 1
        else:
            first = int(first_raw)
            last = min(int(last_raw), size - 1) if last_raw else size - 1
    except ValueError:
        raise ApiError(400, "InvalidRange", f"Unsupported Range header {value}") from None
    if first > last or first >= size:
        raise ApiError(416, "InvalidRange", f"The range {value} is outside the object's {size} bytes")
    return first, last


def _upload_summary(upload, namespace: str, bucket: str) -> dict:
    return {
        "namespace": namespace,
        "bucket": bucket,
        "object": upload.object_name,
        "uploadId": upload.upload_id,
        "timeCreated": iso(upload.created),
        "storageTier": "Standard",
    }


def make_server(host: str, port: int, emulator: Emulator) -> EmulatorServer:
    return serve(host, port, Handler, emulator)
