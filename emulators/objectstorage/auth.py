"""OCI request signatures (draft-cavage HTTP signatures, rsa-sha256), checked as the service checks them.

With public keys (``--public-key``) the signature is verified cryptographically over the headers it
names; without, only its shape is checked (instance and resource principals sign with session keys the
emulator cannot know). Either way the headers the service insists on must be among the signed ones.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import re
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')
REQUIRED_ALWAYS = ("date", "(request-target)", "host")
REQUIRED_BODY = ("content-length", "content-type", "x-content-sha256")
MAX_CLOCK_SKEW_SECONDS = 300


def load_public_keys(paths: list[str]) -> list:
    keys = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            keys.append(serialization.load_pem_public_key(data))
        except ValueError:
            # A private key file also does: its public half is what verifies.
            keys.append(serialization.load_pem_private_key(data, password=None).public_key())
    return keys


def body_signed(method: str, path: str) -> bool:
    """Whether the SDK signs this request's body: every PUT/POST but object and part uploads."""
    if method not in ("PUT", "POST"):
        return False
    # put_object and upload_part stream their body unsigned (the SDK's enforce_content_headers=False).
    return not (method == "PUT" and ("/o/" in path or "/u/" in path))


def check_signature(
    *, method: str, target: str, headers, body: bytes | None, public_keys: list
) -> str | None:
    """None when the request's Authorization is acceptable, else the reason (for a 401 NotAuthenticated).

    ``target`` is the raw request path with its query, exactly as sent; ``headers`` is case-insensitive.
    """
    value = (headers.get("Authorization") or "").strip()
    if not value:
        return "The required information to complete authentication was not provided"
    if not value.startswith("Signature "):
        return "The Authorization header is not an OCI request signature"
    params = dict(_PARAM.findall(value[len("Signature ") :]))
    missing = [p for p in ("version", "keyId", "algorithm", "headers", "signature") if not params.get(p)]
    if missing:
        return f"The signature lacks {', '.join(missing)}"
    if params["version"] != "1" or params["algorithm"].lower() != "rsa-sha256":
        return 'Only version="1" and algorithm="rsa-sha256" signatures are accepted'
    signed = params["headers"].lower().split()
    required = list(REQUIRED_ALWAYS)
    if body_signed(method, target.split("?", 1)[0]):
        required += REQUIRED_BODY
    lacking = [h for h in required if h not in signed]
    if lacking:
        return f"The signature must cover {', '.join(lacking)}"
    date = headers.get("Date") or headers.get("x-date")
    try:
        sent = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return "The Date header is missing or malformed"
    if abs(time.time() - sent) > MAX_CLOCK_SKEW_SECONDS:
        return "The Date header is more than 5 minutes away from the server's clock"
    if "x-content-sha256" in signed and body is not None:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("x-content-sha256") != digest:
            return "x-content-sha256 does not match the request body"
        if "content-length" in signed and headers.get("Content-Length", "0") != str(len(body)):
            return "content-length does not match the request body"
    if not public_keys:
        return None
    lines = []
    for name in signed:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            header = headers.get(name)
            if header is None:
                return f"The signed header {name} is missing from the request"
            lines.append(f"{name}: {header}")
    message = "\n".join(lines).encode()
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        return "The signature is not base64"
    for key in public_keys:
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            return None
        except InvalidSignature:
            continue
    return "The signature does not verify with any known public key"
