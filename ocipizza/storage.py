"""Django storage on OCI Object Storage, through the official ``oci`` SDK (``STORAGE_BACKEND=oci``).

Objects are named as Django names files; nothing is overwritten (a taken name gets a new one, decided
atomically by the service with ``If-None-Match: *``). Large files go up in parts (the SDK's
UploadManager). Every failure surfaces as ``OSError``: ``FileNotFoundError`` for a missing object and
``StorageUnavailable`` for a service that cannot be reached or refuses, with what to do next.

URLs: ``URL_MODE=public`` (the default) builds the object's address in a public bucket without asking
the service; ``par`` serves a private bucket through one bucket-wide, read-only pre-authenticated
request (PAR) shared by every process through the cache and renewed before it expires. ``url()`` never
raises: while the service is down a page still renders, its photos just fail to load.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
import threading
import time
from http import HTTPStatus
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.utils.deconstruct import deconstructible

logger = logging.getLogger("ocipizza.storage")

# A name carrying a content hash (menu/calabresa-3f9a1c2b7d4e-300x400.jpg): its bytes never change.
HASHED_NAME = re.compile(r"[-_.][0-9a-f]{8,}(?=[-_.])")
OPEN_SPOOL_BYTES = 8 * 1024 * 1024  # an opened object larger than this is spooled to a temporary file
PAR_RETRY_SECONDS = 30  # after a failed PAR creation, pages use the plain URL this long before retrying

DEFAULTS = {
    "BUCKET": "",
    "NAMESPACE": "",  # looked up once with GetNamespace when empty
    "ENDPOINT": "",  # e.g. the emulator; default: the region's objectstorage endpoint
    "REGION": "",
    "AUTH": "config",  # config (API key in an OCI config file), instance or resource principal
    "OCI_CONFIG_FILE": "~/.oci/config",
    "OCI_PROFILE": "DEFAULT",
    "URL_MODE": "public",  # public or par
    "URL_BASE": "",  # a CDN or custom domain in front of a public bucket
    "PAR_TTL": 7 * 24 * 60 * 60,
    "TIMEOUT": 5.0,
    "RETRIES": 2,
    "MULTIPART_THRESHOLD": 16 * 1024 * 1024,
    "PART_SIZE": 10 * 1024 * 1024,
    "CACHE_CONTROL": "public, max-age=3600",
    "HASHED_CACHE_CONTROL": "public, max-age=31536000, immutable",
}


class StorageUnavailable(OSError):
    """Object Storage could not be reached, or refused the operation; the message says what to check."""


@deconstructible(path="ocipizza.storage.OCIObjectStorage")
class OCIObjectStorage(Storage):
    """Django's storage API on one bucket. Options (keyword arguments, else ``settings.OCI_STORAGE``)
    are the keys of ``DEFAULTS``, in any case."""

    def __init__(self, **options):
        merged = {**DEFAULTS, **getattr(settings, "OCI_STORAGE", {})}
        merged.update({key.upper(): value for key, value in options.items()})
        unknown = set(merged) - set(DEFAULTS)
        if unknown:
            raise ImproperlyConfigured(f"Unknown OCI storage options: {', '.join(sorted(unknown))}")
        self.options = merged
        self.bucket = merged["BUCKET"]
        if not self.bucket:
            raise ImproperlyConfigured("STORAGE_BACKEND=oci needs OCI_STORAGE_BUCKET (the bucket's name)")
        self.url_mode = str(merged["URL_MODE"]).lower()
        if self.url_mode not in ("public", "par"):
            raise ImproperlyConfigured(f"OCI_STORAGE_URL_MODE must be public or par, not {self.url_mode!r}")
        self.auth = str(merged["AUTH"]).lower()
        if self.auth not in ("config", "instance", "resource"):
            raise ImproperlyConfigured(
                f"OCI_STORAGE_AUTH must be config, instance or resource, not {self.auth!r}"
            )
        self._namespace = merged["NAMESPACE"] or None
        self._local = threading.local()
        self._par_lock = threading.Lock()
        self._par: tuple[str, float] | None = None  # (URL prefix, expiry as a UNIX time), this process
        self._par_failed_until = 0.0
        self._signer = None  # (pid, signer) for instance and resource principals
        self._signer_lock = threading.Lock()

    # --- the SDK client -----------------------------------------------------------------------------------

    def client(self):
        """This thread's ``ObjectStorageClient`` (made after a fork, too: sockets stay with their process)."""
        held = getattr(self._local, "client", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        import oci

        config, signer = self._credentials()
        options = self.options
        retries = int(options["RETRIES"])
        timeout = float(options["TIMEOUT"])
        retry = (
            oci.retry.NoneRetryStrategy()
            if retries <= 0
            else oci.retry.RetryStrategyBuilder(
                max_attempts=retries + 1,
                total_elapsed_time_seconds=max(1, int(timeout * (retries + 1) * 2)),
                retry_base_sleep_time_seconds=0.2,
                retry_max_wait_between_calls_seconds=2,
            ).get_retry_strategy()
        )
        kwargs = {
            "timeout": (min(timeout, 3.0), timeout),
            "retry_strategy": retry,
            # Each failure is reported at once; the app, not a process-wide breaker, decides what to show.
            "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
        }
        if options["ENDPOINT"]:
            kwargs["service_endpoint"] = options["ENDPOINT"]
        if signer is not None:
            kwargs["signer"] = signer
        try:
            client = oci.object_storage.ObjectStorageClient(config, **kwargs)
        except (ValueError, oci.exceptions.ClientError) as e:
            raise ImproperlyConfigured(f"OCI storage: {e}; check OCI_REGION / OCI_STORAGE_ENDPOINT") from e
        self._local.client = (os.getpid(), client)
        return client

    def _credentials(self):
        import oci

        options = self.options
        region = options["REGION"] or None
        if self.auth in ("instance", "resource"):
            # One principal signer per process: it fetches and refreshes its token itself, under a lock.
            with self._signer_lock:
                held = self._signer
                if held is None or held[0] != os.getpid():
                    signer = (
                        oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
                        if self.auth == "instance"
                        else oci.auth.signers.get_resource_principals_signer()
                    )
                    held = self._signer = (os.getpid(), signer)
            return ({"region": region} if region else {}), held[1]
        path = os.path.expanduser(options["OCI_CONFIG_FILE"])
        try:
            config = oci.config.from_file(path, options["OCI_PROFILE"])
        except oci.exceptions.ClientError as e:
            raise ImproperlyConfigured(
                f"OCI storage: cannot use profile {options['OCI_PROFILE']} of {path} ({e}); "
                "set OCI_CONFIG_FILE and OCI_PROFILE, or OCI_STORAGE_AUTH=instance|resource"
            ) from e
        if region:
            config["region"] = region
        return config, None

    @property
    def endpoint(self) -> str:
        return (self.options["ENDPOINT"] or self.client().base_client.endpoint).rstrip("/")

    @property
    def namespace(self) -> str:
        if self._namespace is None:
            self._namespace = self._call("GetNamespace", "", lambda c: c.get_namespace()).data
        return self._namespace

    def _call(self, operation: str, name: str, function):
        """Run one SDK call: a missing object raises ``FileNotFoundError``, other failures
        ``StorageUnavailable``."""
        import oci

        try:
            return function(self.client())
        except oci.exceptions.ServiceError as e:
            # A HEAD answer has no body, so its 404 carries no code.
            if e.status == 404 and e.code in ("ObjectNotFound", "NotFound", None):
                raise FileNotFoundError(f"{name} is not in the bucket {self.bucket}") from e
            code = e.code or _phrase(e.status)
            raise StorageUnavailable(
                f"Object Storage refused {operation} of {name or self.bucket!r}: HTTP {e.status} {code}"
                f"{f' ({e.message})' if e.message else ''}; check the bucket {self.bucket}, its policies "
                "and the OCI_STORAGE_* settings"
            ) from e
        except (
            oci.exceptions.RequestException,
            oci.exceptions.ConnectTimeout,
            ConnectionError,
            TimeoutError,
        ) as e:
            raise StorageUnavailable(
                f"Object Storage at {self.options['ENDPOINT'] or 'the region endpoint'} did not answer "
                f"{operation} of {name or self.bucket!r} ({type(e).__name__}); it may be down or "
                "unreachable: try again shortly, and check OCI_STORAGE_ENDPOINT and the network"
            ) from e

    # --- Storage API --------------------------------------------------------------------------------------

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wax+"):
            raise ValueError(f"OCI storage opens objects read-only, not with mode {mode!r}")
        response = self._call("GetObject", name, lambda c: c.get_object(self.namespace, self.bucket, name))
        spool = tempfile.SpooledTemporaryFile(max_size=OPEN_SPOOL_BYTES)  # noqa: SIM115 - the File owns it
        try:
            for chunk in response.data.raw.stream(1024 * 1024, decode_content=False):
                spool.write(chunk)
        except Exception as e:  # the SDK's vendored urllib3 raises its own errors for a broken stream
            spool.close()
            raise StorageUnavailable(f"reading {name} from Object Storage broke off ({e}); try again") from e
        spool.seek(0)
        return File(spool, name=name)

    def _save(self, name, content):
        for _attempt in range(100):
            try:
                self._put(name, content)
                return name
            except _NameTaken:
                # Someone stored this name since get_available_name checked: take another, as
                # FileSystemStorage does when its O_EXCL create fails.
                name = self.get_available_name(name)
        raise StorageUnavailable(f"could not find a free name for {name} in the bucket {self.bucket}")

    def _put(self, name, content) -> None:
        import oci

        fields = {"content_type": self.content_type(name), "cache_control": self.cache_control(name)}
        if hasattr(content, "seek"):
            content.seek(0)
        size = getattr(content, "size", None)
        try:
            if size is not None and size > int(self.options["MULTIPART_THRESHOLD"]):
                manager = oci.object_storage.UploadManager(self.client(), allow_parallel_uploads=False)
                file = getattr(content, "file", content)
                self._call(
                    "UploadParts",
                    name,
                    lambda c: manager.upload_stream(
                        self.namespace,
                        self.bucket,
                        name,
                        file,
                        part_size=int(self.options["PART_SIZE"]),
                        if_none_match="*",
                        **fields,
                    ),
                )
            else:
                data = content.read()
                if isinstance(data, str):
                    data = data.encode()
                digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
                self._call(
                    "PutObject",
                    name,
                    lambda c: c.put_object(
                        self.namespace,
                        self.bucket,
                        name,
                        data,
                        content_md5=digest,  # the service refuses the object if bytes were lost on the way
                        if_none_match="*",
                        **fields,
                    ),
                )
        except StorageUnavailable as e:
            cause = e.__cause__
            if getattr(cause, "status", None) == 412:
                raise _NameTaken from e
            raise
        except oci.exceptions.MultipartUploadError as e:
            # The SDK aborted the upload (no parts stay behind); the object was not written.
            raise StorageUnavailable(f"uploading {name} in parts failed ({e}); try again") from e

    def delete(self, name):
        if not name:
            raise ValueError("The name must be given to delete().")
        # Already gone is fine: deleting a missing file is no error for FileSystemStorage either.
        with contextlib.suppress(FileNotFoundError):
            self._call("DeleteObject", name, lambda c: c.delete_object(self.namespace, self.bucket, name))

    def _head(self, name):
        return self._call("HeadObject", name, lambda c: c.head_object(self.namespace, self.bucket, name))

    def exists(self, name):
        try:
            self._head(name)
        except FileNotFoundError:
            return False
        return True

    def size(self, name):
        return int(self._head(name).headers["content-length"])

    def get_modified_time(self, name):
        moment = _http_date(self._head(name).headers["last-modified"])
        return moment if settings.USE_TZ else dt.datetime.fromtimestamp(moment.timestamp())

    def get_created_time(self, name):
        listing = self._call(
            "ListObjects",
            name,
            lambda c: c.list_objects(
                self.namespace, self.bucket, prefix=name, start=name, limit=1, fields="name,timeCreated"
            ),
        ).data
        if not listing.objects or listing.objects[0].name != name:
            raise FileNotFoundError(f"{name} is not in the bucket {self.bucket}")
        moment = listing.objects[0].time_created
        return moment if settings.USE_TZ else dt.datetime.fromtimestamp(moment.timestamp())

    def listdir(self, path):
        prefix = path.strip("/") + "/" if path and path.strip("/") else ""
        directories, files, start = [], [], None
        while True:
            extra = {"start": start} if start else {}
            page = self._call(
                "ListObjects",
                prefix,
                lambda c, extra=extra: c.list_objects(
                    self.namespace, self.bucket, prefix=prefix, delimiter="/", fields="name", **extra
                ),
            ).data
            directories.extend(p[len(prefix) :].rstrip("/") for p in page.prefixes or [])
            files.extend(o.name[len(prefix) :] for o in page.objects)
            if not page.next_start_with:
                if prefix and not directories and not files:
                    # As a missing folder on disk: a folder exists while something is stored under it.
                    raise FileNotFoundError(f"nothing is stored under {path} in the bucket {self.bucket}")
                return directories, files
            start = page.next_start_with

    def url(self, name):
        quoted = quote(name, safe="/")
        try:
            if self.url_mode == "par":
                prefix = self._par_prefix()
                if prefix:
                    return prefix + quoted
            return self._direct_url(quoted)
        except (StorageUnavailable, ImproperlyConfigured) as e:
            logger.warning("no URL for %s from Object Storage: %s", name, e)
            return ""

    def url_generation(self) -> str:
        """The PAR the URLs go through now (renewed before it expires); empty for a public bucket."""
        if self.url_mode != "par":
            return ""
        try:
            return self._par_prefix() or ""
        except ImproperlyConfigured:
            return ""  # url() logs it for every photo

    def _direct_url(self, quoted: str) -> str:
        base = self.options["URL_BASE"] or f"{self.endpoint}/n/{self.namespace}/b/{self.bucket}/o"
        return f"{base.rstrip('/')}/{quoted}"

    # --- pre-authenticated requests -----------------------------------------------------------------------

    def _par_prefix(self) -> str | None:
        """The URL prefix of a live bucket-wide read PAR, made when none has a day left; None while the
        service refuses to make one (the page then links the plain URL, which a private bucket refuses)."""
        now = time.time()
        ttl = int(self.options["PAR_TTL"])
        margin = min(ttl // 4, 24 * 60 * 60)
        held = self._par
        if held and held[1] - margin > now:
            return held[0]
        if now < self._par_failed_until:
            return None
        with self._par_lock:
            key = f"ocipizza:storage:par:{self.endpoint}:{self.bucket}"
            shared = cache.get(key)
            if shared and shared[1] - margin > now:
                self._par = tuple(shared)
                return shared[0]
            try:
                prefix, expires = self._create_par(ttl)
            except StorageUnavailable as e:
                self._par_failed_until = now + PAR_RETRY_SECONDS
                logger.warning("could not create the photos' pre-authenticated request: %s", e)
                return None
            self._par = (prefix, expires)
            cache.set(key, [prefix, expires], timeout=max(1, int(expires - margin - now)))
            return prefix

    def _create_par(self, ttl: int) -> tuple[str, float]:
        from oci.object_storage.models import CreatePreauthenticatedRequestDetails

        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl)
        details = CreatePreauthenticatedRequestDetails(
            name=f"ocipizza-media-{int(time.time())}",
            access_type="AnyObjectRead",
            bucket_listing_action="Deny",
            time_expires=expires,
        )
        par = self._call(
            "CreatePreauthenticatedRequest",
            "",
            lambda c: c.create_preauthenticated_request(self.namespace, self.bucket, details),
        ).data
        full = par.full_path or (self.endpoint + par.access_uri)
        if not full.endswith("/"):
            full += "/"
        return full, expires.timestamp()

    # --- object metadata ----------------------------------------------------------------------------------

    def content_type(self, name: str) -> str:
        return mimetypes.guess_type(name)[0] or "application/octet-stream"

    def cache_control(self, name: str) -> str:
        """A content-hashed name never changes its bytes: browsers and CDNs may keep it for a year."""
        base = os.path.basename(name)
        hashed = HASHED_NAME.search(os.path.splitext(base)[0] + ".")
        return self.options["HASHED_CACHE_CONTROL" if hashed else "CACHE_CONTROL"]


def media_url_generation() -> str:
    """What the default storage's URLs depend on besides the file's name: cached HTML holding photo
    addresses keys on it (ocipizza/fragments.py). Empty for storages whose URLs never change."""
    generation = getattr(default_storage, "url_generation", None)
    return generation() if generation is not None else ""


class _NameTaken(Exception):
    """The service refused to replace an existing object (If-None-Match: *)."""


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _http_date(value: str) -> dt.datetime:
    from email.utils import parsedate_to_datetime

    moment = parsedate_to_datetime(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
