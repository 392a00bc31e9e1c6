"""OCI request signatures (draft-cavage HTTP signatures, rsa-sha256), checked as OCI's front door does.

The oci SDK signs ``date (request-target) host`` on every request and adds ``content-length
content-type x-content-sha256`` on PUT/POST/PATCH. With a public key the emulator verifies the
signature over those headers, that the body hashes to ``x-content-sha256`` and that the date is
within five minutes; without one it checks only the header's shape (like emulators/nosql).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

REQUIRED = ("date", "(request-target)", "host")
BODY_REQUIRED = ("content-length", "content-type", "x-content-sha256")
MAX_SKEW = dt.timedelta(minutes=5)
_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')


class SignatureError(Exception):
    """The request is not authenticated; the message says why (for the emulator's log, not the client)."""


@dataclass(frozen=True)
class Verifier:
    """Checks ``Authorization: Signature ...`` headers; ``public_key`` None means shape only."""

    public_key: object | None = None  # cryptography RSAPublicKey
    fingerprint: str | None = None  # OCI's MD5 fingerprint of the key, to match keyId's last part

    @classmethod
    def from_pem(cls, pem: bytes) -> Verifier:
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_public_key(pem)
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        digest = hashlib.md5(der, usedforsecurity=False).hexdigest()
        return cls(key, ":".join(digest[i : i + 2] for i in range(0, 32, 2)))

    def verify(
        self,
        *,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        now: dt.datetime | None = None,
    ) -> str:
        """Return the request's keyId, or raise SignatureError."""
        lower = {k.lower(): v for k, v in headers.items()}
        value = (lower.get("authorization") or "").strip()
        if not value:
            raise SignatureError("the Authorization header is missing")
        if not value.startswith("Signature "):
            raise SignatureError("the Authorization header is not an OCI signature")
        params = dict(_PARAM.findall(value[len("Signature ") :]))
        missing = [p for p in ("version", "keyId", "algorithm", "headers", "signature") if not params.get(p)]
        if missing:
            raise SignatureError(f"the signature lacks {', '.join(missing)}")
        if params["version"] != "1" or params["algorithm"].lower() != "rsa-sha256":
            raise SignatureError('expected version="1" and algorithm="rsa-sha256"')
        key_id = params["keyId"]
        if key_id.count("/") < 2:
            raise SignatureError("keyId must be tenancy/user/fingerprint")
        signed = params["headers"].lower().split()
        needed = REQUIRED + (BODY_REQUIRED if method.upper() in ("POST", "PUT", "PATCH") else ())
        if absent := [h for h in needed if h not in signed]:
            raise SignatureError(f"the signature does not cover {', '.join(absent)}")
        if self.public_key is None:
            return key_id
        if self.fingerprint and key_id.rsplit("/", 1)[-1] != self.fingerprint:
            raise SignatureError(f"keyId names another key than {self.fingerprint}")
        lines = []
        for name in signed:
            if name == "(request-target)":
                lines.append(f"(request-target): {method.lower()} {path}")
            elif name in lower:
                lines.append(f"{name}: {lower[name]}")
            else:
                raise SignatureError(f"the signed header {name} is not in the request")
        try:
            signature = base64.b64decode(params["signature"], validate=True)
        except ValueError as e:
            raise SignatureError("the signature is not base64") from e
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            self.public_key.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as e:
            raise SignatureError("the signature does not match the request") from e
        try:
            date = email.utils.parsedate_to_datetime(lower["date"])
        except (TypeError, ValueError) as e:
            raise SignatureError("the date header is not an HTTP date") from e
        now = now or dt.datetime.now(dt.UTC)
        if date.tzinfo is None or abs(now - date) > MAX_SKEW:
            raise SignatureError("the date header is more than five minutes away from the server's clock")
        if "x-content-sha256" in signed:
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            if lower["x-content-sha256"] != digest:
                raise SignatureError("x-content-sha256 does not match the body")
        if "content-length" in signed and lower["content-length"] != str(len(body)):
            raise SignatureError("content-length does not match the body")
        return key_id
