"""The ``send_mail`` function (Fn Project / OCI Functions): sends one e-mail rendered by OCI PIZZA.

The outbox's ``oci_functions`` dispatcher (ocipizza/mail/dispatchers.py) invokes it with JSON:
``{"id", "from", "to", "subject", "text", "html"}``. It relays the message over SMTP, configured by the
function's configuration (``fn config function ...`` or the OCI console): ``SMTP_HOST``, ``SMTP_PORT``
(587), ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_STARTTLS`` (true) and ``SMTP_TIMEOUT`` (20). On OCI that
is the Email Delivery service's SMTP endpoint with SMTP credentials.

Answers: ``{"status": "sent"}``; ``{"status": "refused", "error": ...}`` when the server refuses the
message for good (the outbox gives it up); an exception, which Fn turns into a failed invocation, when
the server is unreachable or says "try later" (the outbox retries). Idempotence comes from the outbox's
claim, not from here: each message is handed over once, barring a crash mid-send.
"""

from __future__ import annotations

import io
import json
import logging
import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage

REQUIRED = ("id", "from", "to", "subject", "text")
# Under fdk, the root logger writes to stderr with the call id: Fn keeps those lines as the call's log.
logger = logging.getLogger("send_mail")


class BadPayload(ValueError):
    pass


def build_message(payload: Mapping) -> EmailMessage:
    if not isinstance(payload, Mapping) or any(not isinstance(payload.get(k), str) for k in REQUIRED):
        raise BadPayload(f"the payload needs the strings {', '.join(REQUIRED)}")
    if payload.get("html") is not None and not isinstance(payload["html"], str):
        raise BadPayload("html must be a string or null")
    message = EmailMessage()
    try:
        message["From"] = payload["from"]
        message["To"] = payload["to"]
        message["Subject"] = payload["subject"]
        message["X-OCIPizza-Message"] = payload["id"]
    except ValueError as e:  # a line break in a header: never worth retrying
        raise BadPayload(f"invalid header: {e}") from e
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return message


def deliver(payload: Mapping, config: Mapping = os.environ) -> dict:
    """Send one message; returns the answer for the outbox. Raises on failures worth retrying."""
    try:
        message = build_message(payload)
    except BadPayload as e:
        logger.warning("message refused: %s", e)
        return {"status": "refused", "error": str(e)}
    host = config.get("SMTP_HOST", "")
    if not host:
        raise RuntimeError("SMTP_HOST is not configured for this function")
    port = int(config.get("SMTP_PORT", "587"))
    timeout = float(config.get("SMTP_TIMEOUT", "20"))
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if config.get("SMTP_STARTTLS", "true").lower() == "true":
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as e:
        if all(code >= 500 for code, _ in e.recipients.values()):
            logger.warning("message %s refused by %s:%d: %s", payload["id"], host, port, e.recipients)
            return {"status": "refused", "error": f"recipient refused: {e.recipients}"}
        raise
    except smtplib.SMTPResponseException as e:
        if e.smtp_code >= 500:
            logger.warning("message %s refused by %s:%d: SMTP %d", payload["id"], host, port, e.smtp_code)
            return {"status": "refused", "error": f"SMTP {e.smtp_code}"}
        raise
    # The message id only: addresses stay out of the function's log.
    logger.info("message %s sent through %s:%d", payload["id"], host, port)
    return {"status": "sent", "id": payload["id"]}


def handler(ctx, data: io.BytesIO | None = None):
    from fdk import response  # present in the function's image, not in the web app's

    try:
        payload = json.loads((data.getvalue() if data else b"") or b"{}")
    except ValueError:
        payload = None
    answer = deliver(payload)
    return response.Response(
        ctx, response_data=json.dumps(answer), headers={"Content-Type": "application/json"}
    )
