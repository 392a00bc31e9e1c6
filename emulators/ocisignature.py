"""OCI request signatures (draft-cavage HTTP signatures, rsa-sha256), checked as OCI's services check them.

The oci SDK signs ``date (request-target) host`` on every request and adds ``content-length content-type
x-content-sha256`` when it signs the body, which each service decides (Object Storage streams uploads
unsigned). Every check looks at the header's shape, the signed-header list, the date (five minutes either
way) and the body's hash. With public keys the signature is verified too: by the key whose fingerprint
ends an API key's keyId, or by any known key for a session token's (``ST$...``, instance and resource
principals). Without keys it is not, as an emulator cannot know a principal's session key.

The Functions and Object Storage emulators share this. NoSQL's checks only the shape, with
``parse_authorization``, and stays on the standard library: ``cryptography`` is imported where a key is.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PARTS = ("version", "keyId", "algorithm", "headers", "signature")
REQUIRED_ALWAYS = ("date", "(request-target)", "host")
REQUIRED_WITH_BODY = ("content-length", "content-type", "x-content-sha256")
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')


class SignatureError(Exception):
    """The request is not authenticated; the message says why, in the service's words."""


def parse_authorization(value: str | None) -> dict[str, str]:
    """The ``Signature`` header's parameters, or SignatureError when it is not one the SDK would send."""
    value = (value or "").strip()
    if not value:
        raise SignatureError("The required information to complete authentication was not provided")
    if not value.startswith("Signature "):
        raise SignatureError("The Authorization header is not an OCI request signature")
    params = dict(_PARAM.findall(value[len("Signature ") :]))
    if missing := [p for p in PARTS if not params.get(p)]:
        raise SignatureError(f"The signature lacks {', '.join(missing)}")
    if params["version"] != "1" or params["algorithm"].lower() != "rsa-sha256":
        raise SignatureError('Only version="1" and algorithm="rsa-sha256" signatures are accepted')
    return params


def fingerprint(public_key) -> str:
    """OCI's fingerprint of a key: the MD5 of its DER form, colon-separated (the keyId's last part)."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def load_public_key(pem: bytes):
    """The public key of a PEM public key or unencrypted private key; ValueError for anything else."""
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_public_key(pem)
    except ValueError:
        pass
    try:
        return serialization.load_pem_private_key(pem, password=None).public_key()
    except (TypeError, ValueError):  # TypeError: the private key is encrypted
        raise ValueError("not a PEM public key nor an unencrypted PEM private key") from None


@dataclass(frozen=True)
class Verifier:
    """Checks requests' ``Authorization: Signature ...``; with no ``public_keys``, everything but the RSA."""

    public_keys: dict = field(default_factory=dict)  # fingerprint -> cryptography RSAPublicKey

    @classmethod
    def from_pems(cls, pems: Iterable[bytes]) -> Verifier:
        """From PEM public keys; an unencrypted private key also does, its public half is what verifies."""
        return cls._of([load_public_key(pem) for pem in pems])

    @classmethod
    def from_files(cls, paths: Iterable[str]) -> Verifier:
        """From key files; OSError, or ValueError naming the file that holds no usable key."""
        keys = []
        for path in paths:
            with open(path, "rb") as handle:
                try:
                    keys.append(load_public_key(handle.read()))
                except ValueError as e:
                    raise ValueError(f"{path}: {e}") from None
        return cls._of(keys)

    @classmethod
    def _of(cls, keys: list) -> Verifier:
        return cls({fingerprint(key): key for key in keys})

    @property
    def verifies(self) -> bool:
        return bool(self.public_keys)

    def verify(
        self,
        *,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None,
        body_signed: bool,
        now: dt.datetime | None = None,
    ) -> str:
        """The request's keyId, or SignatureError.

        ``target`` is the raw path with its query, as sent; ``body`` None when the server has not read it
        (then its hash is not checked); ``body_signed`` whether the service requires the body's headers.
        """
        lower = {k.lower(): v for k, v in headers.items()}
        params = parse_authorization(lower.get("authorization"))
        signed = params["headers"].lower().split()
        required = REQUIRED_ALWAYS + (REQUIRED_WITH_BODY if body_signed else ())
        if lacking := [h for h in required if h not in signed]:
            raise SignatureError(f"The signature must cover {', '.join(lacking)}")
        self._check_date(lower.get("date") or lower.get("x-date"), now or dt.datetime.now(dt.UTC))
        if body is not None:
            self._check_body(signed, lower, body)
        if self.public_keys:
            self._check_rsa(params, signed, method, target, lower)
        return params["keyId"]

    @staticmethod
    def _check_date(value: str | None, now: dt.datetime) -> None:
        try:
            sent = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise SignatureError("The Date header is missing or malformed") from None
        if sent.tzinfo is None or abs(now - sent) > MAX_CLOCK_SKEW:
            raise SignatureError("The Date header is more than 5 minutes away from the server's clock")

    @staticmethod
    def _check_body(signed: list[str], lower: dict[str, str], body: bytes) -> None:
        if "x-content-sha256" in signed:
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            if lower.get("x-content-sha256") != digest:
                raise SignatureError("x-content-sha256 does not match the request body")
        if "content-length" in signed and lower.get("content-length", "0") != str(len(body)):
            raise SignatureError("content-length does not match the request body")

    def _check_rsa(self, params: dict, signed: list[str], method: str, target: str, lower: dict) -> None:
        lines = []
        for name in signed:
            if name == "(request-target)":
                lines.append(f"(request-target): {method.lower()} {target}")
            elif name in lower:
                lines.append(f"{name}: {lower[name]}")
            else:
                raise SignatureError(f"The signed header {name} is missing from the request")
        try:
            signature = base64.b64decode(params["signature"], validate=True)
        except ValueError:
            raise SignatureError("The signature is not base64") from None
        message = "\n".join(lines).encode()
        key_id = params["keyId"]
        if key_id.startswith("ST$"):
            # A session token (instance or resource principal) signs with a key of its own: any known.
            candidates = list(self.public_keys.values())
        else:
            # An API key's keyId ends with its fingerprint: only that key may verify it.
            named = self.public_keys.get(key_id.rsplit("/", 1)[-1])
            candidates = [named] if named is not None else []
        if not any(_verifies(key, signature, message) for key in candidates):
            raise SignatureError("The signature does not verify with any known public key")


def _verifies(public_key, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
