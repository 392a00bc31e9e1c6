"""The emulator's state: buckets, objects, multipart uploads and pre-authenticated requests, in memory.

One lock guards everything: requests are small and the emulator is a development tool, so simple
serialisation is worth more than throughput. Names and shapes follow the Object Storage API.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import os
import pickle
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field

BUCKET_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
MAX_OBJECT_NAME = 1024
MAX_PARTS = 10000
PAR_ACCESS_TYPES = (
    "ObjectRead",
    "ObjectWrite",
    "ObjectReadWrite",
    "AnyObjectRead",
    "AnyObjectWrite",
    "AnyObjectReadWrite",
)


class ApiError(Exception):
    """An error answer of the service: HTTP status, the service's error code and a message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class StoredObject:
    name: str
    data: bytes
    etag: str
    md5: str  # base64 MD5 of the data, or "<md5 of part md5s>-<parts>" for a multipart object
    content_type: str
    modified: dt.datetime
    created: dt.datetime
    cache_control: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    content_language: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    multipart: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Part:
    number: int
    data: bytes
    etag: str
    md5: str


@dataclass
class Upload:
    upload_id: str
    object_name: str
    created: dt.datetime
    fields: dict  # content type, cache control... as the create call gave them
    if_match: str | None = None
    if_none_match: str | None = None
    parts: dict[int, Part] = field(default_factory=dict)


@dataclass
class Par:
    par_id: str
    token: str
    name: str
    access_type: str
    object_name: str | None
    expires: dt.datetime
    created: dt.datetime
    bucket_listing_action: str | None = None


@dataclass
class Bucket:
    name: str
    compartment_id: str
    public_access_type: str = "NoPublicAccess"
    created: dt.datetime = field(default_factory=now)
    etag: str = field(default_factory=lambda: uuid.uuid4().hex)
    objects: dict[str, StoredObject] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    pars: dict[str, Par] = field(default_factory=dict)

    def summary(self, namespace: str) -> dict:
        return {
            "namespace": namespace,
            "name": self.name,
            "compartmentId": self.compartment_id,
            "publicAccessType": self.public_access_type,
            "storageTier": "Standard",
            "timeCreated": iso(self.created),
            "etag": self.etag,
            "createdBy": "ocid1.user.oc1..emulator",
            "approximateCount": len(self.objects),
            "approximateSize": sum(o.size for o in self.objects.values()),
            "objectEventsEnabled": False,
            "versioning": "Disabled",
            "autoTiering": "Disabled",
            "metadata": {},
            "freeformTags": {},
            "definedTags": {},
        }


def check_etag(obj: StoredObject | None, if_match: str | None, if_none_match: str | None) -> None:
    """Apply If-Match / If-None-Match the way the service does for writes and deletes."""
    if if_match is not None:
        if obj is None:
            raise ApiError(404, "ObjectNotFound", "The object does not exist, so If-Match cannot hold")
        if if_match != "*" and if_match.strip('"') != obj.etag:
            raise ApiError(412, "IfMatchFailed", "The If-Match header did not match the object's ETag")
    if if_none_match is not None and obj is not None and if_none_match in ("*", obj.etag, f'"{obj.etag}"'):
        raise ApiError(412, "IfNoneMatchFailed", "The object exists and If-None-Match forbids replacing it")


def persisted(method):
    """A change of state: written to the ``--data`` file, if any, before the answer goes out."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            result = method(self, *args, **kwargs)
            self.save()
            return result

    return wrapper


class Store:
    def __init__(self, namespace: str = "ocipizza", data: str | None = None):
        self.namespace = namespace
        self.lock = threading.RLock()
        self.buckets: dict[str, Bucket] = {}
        self.data = data
        if data and os.path.exists(data):
            # The emulator's own file (never anyone else's): pickle keeps the dataclasses as they are.
            with open(data, "rb") as handle:
                saved = pickle.load(handle)
            self.buckets = saved["buckets"]

    def save(self) -> None:
        """Write every bucket to the data file, atomically (a crash leaves the previous state)."""
        if not self.data:
            return
        temporary = f"{self.data}.tmp"
        with open(temporary, "wb") as handle:
            pickle.dump({"version": 1, "namespace": self.namespace, "buckets": self.buckets}, handle)
        os.replace(temporary, self.data)

    @persisted
    def reset(self) -> None:
        with self.lock:
            self.buckets.clear()

    # --- buckets ------------------------------------------------------------------------------------------

    def check_namespace(self, namespace: str) -> None:
        if namespace != self.namespace:
            raise ApiError(
                404,
                "NamespaceNotFound",
                f"Either the namespace {namespace} does not exist or you are not authorized to view it",
            )

    def bucket(self, namespace: str, name: str) -> Bucket:
        self.check_namespace(namespace)
        bucket = self.buckets.get(name)
        if bucket is None:
            raise ApiError(
                404,
                "BucketNotFound",
                f"Either the bucket named '{name}' does not exist in the "
                f"namespace '{namespace}' or you are not authorized to access it",
            )
        return bucket

    @persisted
    def create_bucket(
        self,
        namespace: str,
        name: str,
        *,
        compartment_id: str = "ocid1.compartment.oc1..emulator",
        public_access_type: str = "NoPublicAccess",
    ) -> Bucket:
        self.check_namespace(namespace)
        if not isinstance(name, str) or not BUCKET_NAME.match(name):
            raise ApiError(400, "InvalidBucketName", "Bucket names use letters, digits, '-', '_' and '.'")
        if public_access_type not in ("NoPublicAccess", "ObjectRead", "ObjectReadWithoutList"):
            raise ApiError(400, "InvalidParameter", f"Unknown publicAccessType {public_access_type}")
        with self.lock:
            if name in self.buckets:
                raise ApiError(409, "BucketAlreadyExists", f"Bucket '{name}' already exists")
            bucket = Bucket(name, compartment_id, public_access_type)
            self.buckets[name] = bucket
            return bucket

    @persisted
    def update_bucket(self, namespace: str, name: str, *, public_access_type: str | None) -> Bucket:
        with self.lock:
            bucket = self.bucket(namespace, name)
            if public_access_type is not None:
                if public_access_type not in ("NoPublicAccess", "ObjectRead", "ObjectReadWithoutList"):
                    raise ApiError(400, "InvalidParameter", f"Unknown publicAccessType {public_access_type}")
                bucket.public_access_type = public_access_type
                bucket.etag = uuid.uuid4().hex
            return bucket

    @persisted
    def delete_bucket(self, namespace: str, name: str) -> None:
        with self.lock:
            bucket = self.bucket(namespace, name)
            if bucket.objects or bucket.uploads:
                raise ApiError(409, "BucketNotEmpty", f"Bucket named '{name}' is not empty")
            del self.buckets[name]

    # --- objects ------------------------------------------------------------------------------------------

    @persisted
    def put(
        self,
        namespace: str,
        bucket_name: str,
        name: str,
        data: bytes,
        *,
        fields: dict,
        if_match: str | None = None,
        if_none_match: str | None = None,
        content_md5: str | None = None,
    ) -> StoredObject:
        check_object_name(name)
        digest = md5_b64(data)
        if content_md5 is not None and content_md5 != digest:
            raise ApiError(
                400,
                "UnmatchedContentMD5",
                f"The computed MD5 of the request body ({digest}) "
                f"does not match the Content-MD5 header ({content_md5})",
            )
        with self.lock:
            bucket = self.bucket(namespace, bucket_name)
            current = bucket.objects.get(name)
            check_etag(current, if_match, if_none_match)
            obj = self._new_object(name, data, digest, fields, current)
            bucket.objects[name] = obj
            return obj

    @staticmethod
    def _new_object(name, data, digest, fields, current, multipart=False) -> StoredObject:
        moment = now()
        return StoredObject(
            name=name,
            data=data,
            etag=str(uuid.uuid4()),
            md5=digest,
            content_type=fields.get("content_type") or "application/octet-stream",
            modified=moment,
            created=current.created if current else moment,
            cache_control=fields.get("cache_control"),
            content_disposition=fields.get("content_disposition"),
            content_encoding=fields.get("content_encoding"),
            content_language=fields.get("content_language"),
            metadata=dict(fields.get("metadata") or {}),
            multipart=multipart,
        )

    def get(self, namespace: str, bucket_name: str, name: str) -> StoredObject:
        with self.lock:
            obj = self.bucket(namespace, bucket_name).objects.get(name)
        if obj is None:
            raise ApiError(
                404, "ObjectNotFound", f"The object '{name}' was not found in the bucket '{bucket_name}'"
            )
        return obj

    @persisted
    def delete(self, namespace: str, bucket_name: str, name: str, *, if_match: str | None = None) -> None:
        with self.lock:
            bucket = self.bucket(namespace, bucket_name)
            current = bucket.objects.get(name)
            if current is None:
                raise ApiError(
                    404, "ObjectNotFound", f"The object '{name}' was not found in the bucket '{bucket_name}'"
                )
            check_etag(current, if_match, None)
            del bucket.objects[name]

    def list(
        self,
        namespace: str,
        bucket_name: str,
        *,
        prefix: str = "",
        start: str | None = None,
        end: str | None = None,
        limit: int = 1000,
        delimiter: str | None = None,
        start_after: str | None = None,
    ) -> tuple[list[StoredObject], list[str], str | None]:
        """Objects (and, with a delimiter, the common prefixes) in name order; the third value is the
        name to start the next page with, as ``nextStartWith`` carries it."""
        with self.lock:
            names = sorted(self.bucket(namespace, bucket_name).objects.items())
        objects: list[StoredObject] = []
        prefixes: list[str] = []
        seen_prefixes: set[str] = set()
        for name, obj in names:
            if not name.startswith(prefix):
                continue
            if start is not None and name < start:
                continue
            if start_after is not None and name <= start_after:
                continue
            if end is not None and name >= end:
                break
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    common = name[: cut + len(delimiter)]
                    if common in seen_prefixes:
                        continue
                    if len(objects) + len(prefixes) >= limit:
                        return objects, prefixes, name
                    seen_prefixes.add(common)
                    prefixes.append(common)
                    continue
            if len(objects) + len(prefixes) >= limit:
                return objects, prefixes, name
            objects.append(obj)
        return objects, prefixes, None

    # --- multipart uploads --------------------------------------------------------------------------------

    @persisted
    def create_upload(
        self,
        namespace: str,
        bucket_name: str,
        name: str,
        fields: dict,
        *,
        if_match: str | None,
        if_none_match: str | None,
    ) -> Upload:
        check_object_name(name)
        with self.lock:
            bucket = self.bucket(namespace, bucket_name)
            check_etag(bucket.objects.get(name), if_match, if_none_match)
            upload = Upload(str(uuid.uuid4()), name, now(), fields, if_match, if_none_match)
            bucket.uploads[upload.upload_id] = upload
            return upload

    def upload(self, namespace: str, bucket_name: str, name: str, upload_id: str) -> Upload:
        upload = self.bucket(namespace, bucket_name).uploads.get(upload_id)
        if upload is None or upload.object_name != name:
            raise ApiError(404, "NoSuchUpload", f"The upload {upload_id} for '{name}' does not exist")
        return upload

    @persisted
    def upload_part(
        self,
        namespace: str,
        bucket_name: str,
        name: str,
        upload_id: str,
        number: int,
        data: bytes,
        *,
        content_md5: str | None,
        if_none_match: str | None = None,
    ) -> Part:
        if not 1 <= number <= MAX_PARTS:
            raise ApiError(400, "InvalidParameter", f"uploadPartNum must be between 1 and {MAX_PARTS}")
        digest = md5_b64(data)
        if content_md5 is not None and content_md5 != digest:
            raise ApiError(
                400, "UnmatchedContentMD5", "The computed MD5 of the part does not match Content-MD5"
            )
        with self.lock:
            upload = self.upload(namespace, bucket_name, name, upload_id)
            if if_none_match == "*" and number in upload.parts:
                raise ApiError(412, "IfNoneMatchFailed", f"Part {number} was already uploaded")
            part = Part(number, data, str(uuid.uuid4()), digest)
            upload.parts[number] = part
            return part

    @persisted
    def commit_upload(
        self,
        namespace: str,
        bucket_name: str,
        name: str,
        upload_id: str,
        parts: list[dict],
        exclude: list[int],
    ) -> StoredObject:
        with self.lock:
            bucket = self.bucket(namespace, bucket_name)
            upload = self.upload(namespace, bucket_name, name, upload_id)
            if not parts:
                raise ApiError(400, "InvalidParameter", "partsToCommit must name at least one part")
            chosen: list[Part] = []
            for entry in sorted(parts, key=lambda p: p.get("partNum", 0)):
                part = upload.parts.get(entry.get("partNum"))
                if part is None or entry.get("etag") != part.etag:
                    raise ApiError(
                        400,
                        "InvalidUploadPart",
                        f"Part {entry.get('partNum')} was not uploaded with that ETag",
                    )
                chosen.append(part)
            for number in exclude:
                upload.parts.pop(number, None)
            check_etag(bucket.objects.get(name), upload.if_match, upload.if_none_match)
            data = b"".join(p.data for p in chosen)
            md5s = b"".join(base64.b64decode(p.md5) for p in chosen)
            digest = f"{md5_b64(md5s)}-{len(chosen)}"
            obj = self._new_object(
                name, data, digest, upload.fields, bucket.objects.get(name), multipart=True
            )
            bucket.objects[name] = obj
            del bucket.uploads[upload_id]
            return obj

    @persisted
    def abort_upload(self, namespace: str, bucket_name: str, name: str, upload_id: str) -> None:
        with self.lock:
            self.upload(namespace, bucket_name, name, upload_id)
            del self.bucket(namespace, bucket_name).uploads[upload_id]

    # --- pre-authenticated requests -----------------------------------------------------------------------

    @persisted
    def create_par(self, namespace: str, bucket_name: str, details: dict) -> Par:
        access = details.get("accessType")
        if access not in PAR_ACCESS_TYPES:
            raise ApiError(
                400, "InvalidParameter", f"accessType must be one of {', '.join(PAR_ACCESS_TYPES)}"
            )
        name = details.get("name")
        if not isinstance(name, str) or not name:
            raise ApiError(400, "MissingParameter", "name is required")
        object_name = details.get("objectName")
        if access.startswith("Object") and not object_name:
            raise ApiError(400, "MissingParameter", f"objectName is required for {access}")
        try:
            expires = dt.datetime.fromisoformat(str(details.get("timeExpires")).replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, "InvalidParameter", "timeExpires must be an RFC 3339 date") from None
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        if expires <= now():
            raise ApiError(400, "InvalidParameter", "timeExpires must be in the future")
        with self.lock:
            bucket = self.bucket(namespace, bucket_name)
            par = Par(
                par_id=base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("="),
                token=secrets.token_urlsafe(48),
                name=name,
                access_type=access,
                object_name=object_name if access.startswith("Object") else None,
                expires=expires,
                created=now(),
                bucket_listing_action=details.get("bucketListingAction"),
            )
            bucket.pars[par.par_id] = par
            return par

    def par(self, namespace: str, bucket_name: str, par_id: str) -> Par:
        par = self.bucket(namespace, bucket_name).pars.get(par_id)
        if par is None:
            raise ApiError(404, "NotFound", f"The pre-authenticated request {par_id} does not exist")
        return par

    @persisted
    def delete_par(self, namespace: str, bucket_name: str, par_id: str) -> None:
        with self.lock:
            self.par(namespace, bucket_name, par_id)
            del self.bucket(namespace, bucket_name).pars[par_id]

    def par_by_token(self, token: str, namespace: str, bucket_name: str) -> Par:
        """The live PAR a ``/p/{token}/...`` URL names; a wrong, deleted or expired one is a 404."""
        with self.lock:
            bucket = self.buckets.get(bucket_name) if namespace == self.namespace else None
            for par in bucket.pars.values() if bucket else ():
                if secrets.compare_digest(par.token, token) and par.expires > now():
                    return par
        raise ApiError(404, "NotFound", "The pre-authenticated request does not exist or has expired")


def check_object_name(name: str) -> None:
    if not name or len(name.encode()) > MAX_OBJECT_NAME or "\x00" in name:
        raise ApiError(400, "InvalidObjectName", f"Object names have 1 to {MAX_OBJECT_NAME} bytes and no NUL")


def par_summary(par: Par, namespace: str, bucket: str) -> dict:
    access_uri = f"/p/{par.token}/n/{namespace}/b/{bucket}/o/"
    if par.object_name:
        from urllib.parse import quote

        access_uri += quote(par.object_name, safe="/")
    return {
        "id": par.par_id,
        "name": par.name,
        "accessUri": access_uri,
        "fullPath": None,
        "objectName": par.object_name,
        "bucketListingAction": par.bucket_listing_action,
        "accessType": par.access_type,
        "timeExpires": iso(par.expires),
        "timeCreated": iso(par.created),
    }
