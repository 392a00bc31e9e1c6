"""The outbox: every e-mail is a row of the ``outbox`` table before anyone tries to send it.

Delivery protocol, safe with any number of senders (web workers after their response, several
``send_outbox`` processes):

1. **claim**: rewrite the row with ``if_version`` as ``sending``, ``attempts + 1`` and ``due_at`` set to
   the end of a lease. Only one sender's conditional write succeeds; the others skip the row.
2. **send** through the configured dispatcher.
3. **mark**: rewrite the row (``if_version`` = the claim's version) as ``sent``, or back to ``pending``
   with a back-off, or ``failed`` for a permanent refusal.

A sender that dies between 2 and 3 leaves a ``sending`` row whose lease runs out; another sender then
sends it again. That window (one SMTP round trip) is the only way a message goes out twice, and the
lease (``MAIL_OUTBOX_LEASE_SECONDS``, far above the send timeout) keeps a slow sender from being
overtaken. Times come from the web hosts' clocks, so the lease must also exceed their skew.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from ocipizza.nosql import ConditionFailed, Eq, Query, Range, Row, StoreError, store

from .dispatchers import DeliveryError, get_dispatcher

logger = logging.getLogger(__name__)

TABLE = "outbox"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
# A sent row is kept a day for support questions ("did my e-mail go?"), with its content erased.
SENT_TTL = dt.timedelta(days=1)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class OutboxMessage:
    """One e-mail as rendered when it was enqueued."""

    id: str
    template: str
    recipient: str
    subject: str
    body: str
    html: str
    status: str
    attempts: int
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    last_error: str | None = None


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # claimed by another sender first
    producer_errors: list[str] = field(default_factory=list)


def _message(row: Row) -> OutboxMessage:
    value = row.value
    return OutboxMessage(
        id=value["id"],
        template=value["template"],
        recipient=value["recipient"],
        subject=value["subject"] or "",
        body=value["body"] or "",
        html=value["html"] or "",
        status=value["status"],
        attempts=value["attempts"] or 0,
        created_at=value["created_at"],
        due_at=value["due_at"],
        sent_at=value["sent_at"],
        last_error=value["last_error"],
    )


def mail_render(*, template: str, context: Mapping) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/emails/<template>_*`` in the active language."""
    context = {"SITE_NAME": settings.SITE_NAME, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    # A header cannot hold a line break; templates often end with one.
    subject = " ".join(subject.split())
    body = render_to_string(f"emails/{template}_message.txt", context)
    html = render_to_string(f"emails/{template}_message.html", context)
    return subject, body, html


def mail_enqueue(
    *,
    to: str,
    template: str,
    context: Mapping,
    language: str | None = None,
    send_now: bool = True,
    message_id: str | None = None,
) -> str:
    """Render ``template`` for ``to`` and store it in the outbox; return the message id.

    The row is written before this returns, so once a view has called it the message cannot be lost.
    With ``send_now`` (and ``MAIL_SEND_IMMEDIATELY``) the current request tries to send it right after
    its response has gone out; that attempt never raises and ``send_outbox`` covers any failure.
    A caller-chosen ``message_id`` makes the call idempotent: if that message is already in the
    outbox (queued, sent or given up), nothing is written again.
    """
    with translation.override(language or translation.get_language()):
        subject, body, html = mail_render(template=template, context=context)
    now = timezone.now()
    chosen = message_id is not None
    message_id = message_id if chosen else secrets.token_urlsafe(16)
    try:
        _insert(message_id, template, to, subject, body, html, now)
    except ConditionFailed:
        if not chosen:
            raise
        return message_id  # queued before: the one message it stands for stays the only one
    if send_now and settings.MAIL_SEND_IMMEDIATELY and getattr(_pending, "in_request", False):
        _pending.ids.append(message_id)
    return message_id


def _insert(message_id, template, to, subject, body, html, now) -> None:
    store.put(
        TABLE,
        {
            "id": message_id,
            "template": template,
            "recipient": to,
            "subject": subject,
            "body": body,
            "html": html,
            "status": PENDING,
            "attempts": 0,
            "due_at": now,
            "created_at": now,
        },
        if_absent=True,
    )


def outbox_get(*, message_id: str) -> OutboxMessage | None:
    row = store.get_or_none(TABLE, {"id": message_id})
    return _message(row) if row else None


def outbox_deliver(
    *, message_id: str, timeout: float | None = None, ignore_backoff: bool = False, now=None
) -> str:
    """Claim, send and mark one message; return ``sent``, ``retrying``, ``failed`` or ``skipped``.

    ``skipped``: another sender holds it, it is not due yet, or it is already sent.
    """
    row = store.get_or_none(TABLE, {"id": message_id})
    if row is None:
        return "skipped"
    return _deliver(row, timeout=timeout, ignore_backoff=ignore_backoff, now=now)


def outbox_due(*, limit: int, ignore_backoff: bool = False, now=None) -> list[Row]:
    """Rows a sender may claim now, oldest due first: pending ones and lapsed leases."""
    now = now or timezone.now()
    pending_due = (
        (Eq("status", PENDING),) if ignore_backoff else (Eq("status", PENDING), Range("due_at", lte=now))
    )
    # Sorted as idx_outbox_due is (status, due_at), so Oracle NoSQL answers from the index.
    order = ("status", "due_at")
    rows = list(store.query(Query(TABLE, pending_due, order_by=order, limit=limit)))
    if len(rows) < limit:
        lapsed = (Eq("status", SENDING), Range("due_at", lte=now))
        rows += store.query(Query(TABLE, lapsed, order_by=order, limit=limit - len(rows))).rows
    return rows


def outbox_send_due(
    *, batch: int = 50, ignore_backoff: bool = False, timeout: float | None = None, progress=None
) -> SendReport:
    """Deliver up to ``batch`` due messages. Safe to run in several processes at once.

    First each of ``MAIL_OUTBOX_PRODUCERS`` (dotted paths, called as ``producer(limit=, progress=)``)
    may queue messages it owes (e.g. orders' status e-mails); one failing does not hold up the rest.
    """
    report = SendReport()
    for path in settings.MAIL_OUTBOX_PRODUCERS:
        try:
            import_string(path)(limit=batch, progress=progress or (lambda message: None))
        except Exception:
            logger.exception("outbox producer %s failed; sending what is queued anyway", path)
            report.producer_errors.append(path)
    rows = outbox_due(limit=batch, ignore_backoff=ignore_backoff)
    for position, row in enumerate(rows, start=1):
        outcome = _deliver(row, timeout=timeout, ignore_backoff=ignore_backoff)
        getattr(report, outcome).append(row["id"])
        if progress:
            progress(f"[{position}/{len(rows)}] {row['template']} {row['id']}: {outcome}")
    return report


def _deliver(row: Row, *, timeout, ignore_backoff: bool, now=None) -> str:
    now = now or timezone.now()
    value = dict(row.value)
    due = value["due_at"]
    claimable = (value["status"] == PENDING and (ignore_backoff or (due is not None and due <= now))) or (
        value["status"] == SENDING and due is not None and due <= now
    )
    if not claimable:
        return "skipped"
    lease = dt.timedelta(seconds=settings.MAIL_OUTBOX_LEASE_SECONDS)
    value.update(status=SENDING, attempts=(value["attempts"] or 0) + 1, due_at=now + lease)
    try:
        claimed = store.put(TABLE, value, if_version=row.version)
    except ConditionFailed:
        return "skipped"
    message = _message(Row(value, claimed))
    try:
        get_dispatcher().send(message, timeout=timeout or settings.MAIL_SEND_TIMEOUT)
    except DeliveryError as e:
        return _mark_failure(value, claimed, e)
    except Exception as e:  # a bug in a dispatcher must not leave the message leased forever
        logger.exception("mail %s: the dispatcher raised unexpectedly", message.id)
        return _mark_failure(value, claimed, DeliveryError(f"{type(e).__name__}: {e}"))
    # Erase the content: it may hold a confirmation or reset link, which must not outlive its use.
    value.update(
        status=SENT, due_at=None, sent_at=timezone.now(), subject="", body="", html="", last_error=None
    )
    try:
        store.put(TABLE, value, if_version=claimed, ttl=SENT_TTL)
    except ConditionFailed:
        # Our lease ran out mid-send and another sender took the row: it may send a second copy.
        logger.warning("mail %s was sent but its lease had lapsed; a duplicate is possible", message.id)
    except StoreError as e:
        logger.warning("mail %s was sent but could not be marked (%s); it may be sent again", message.id, e)
    return "sent"


def _mark_failure(value: dict, claimed: bytes, error: DeliveryError) -> str:
    attempts = value["attempts"]
    give_up = error.permanent or attempts >= settings.MAIL_OUTBOX_MAX_ATTEMPTS
    value = {**value, "last_error": str(error)[:MAX_ERROR_LENGTH]}
    if give_up:
        value.update(status=FAILED, due_at=None)
        logger.error(
            "mail %s (%s) given up after %d attempt(s): %s", value["id"], value["template"], attempts, error
        )
    else:
        value.update(status=PENDING, due_at=timezone.now() + backoff(attempts))
        logger.warning("mail %s attempt %d failed, will retry: %s", value["id"], attempts, error)
    try:
        store.put(TABLE, value, if_version=claimed)
    except (ConditionFailed, StoreError) as e:
        # The lease will lapse and the message will be tried again: nothing is lost.
        logger.warning("mail %s: could not record the failed attempt: %s", value["id"], e)
    return "failed" if give_up else "retrying"


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at 15 min: quick while a blip lasts, gentle during an outage."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 15 * 60))


# --- the attempt right after the response ---------------------------------------------------------

_pending = threading.local()
IMMEDIATE_PAUSE_KEY = "mail:immediate-paused"
IMMEDIATE_PAUSE = 60  # seconds


def forget_pending(**kwargs) -> None:
    """request_started: a fresh list per request, so nothing leaks from one request into the next."""
    _pending.ids = []
    _pending.in_request = True


def send_pending(**kwargs) -> None:
    """request_finished: the response is out (WSGI closes it after the last byte); try the new mail.

    Never raises: a failure leaves the message pending for ``send_outbox``. After a failed attempt the
    web workers stop trying for ``IMMEDIATE_PAUSE`` seconds, so a mail server that hangs does not hold
    every worker for the timeout after every sign-up while it is down.
    """
    ids = getattr(_pending, "ids", [])
    _pending.ids = []
    _pending.in_request = False
    if not ids:
        return
    try:
        if cache.get(IMMEDIATE_PAUSE_KEY):
            return
    except Exception:
        return  # no cache, no attempt: send_outbox will deliver
    for message_id in ids:
        try:
            outcome = outbox_deliver(message_id=message_id, timeout=settings.MAIL_IMMEDIATE_TIMEOUT)
        except Exception:
            logger.exception("mail %s: the immediate attempt failed; send_outbox will deliver it", message_id)
            outcome = "retrying"
        if outcome == "retrying":
            with contextlib.suppress(Exception):
                cache.set(IMMEDIATE_PAUSE_KEY, True, IMMEDIATE_PAUSE)
            return
