"""The security event log: one JSON object per line on the ``ocipizza.security`` logger.

What it records: customers' login (success, failure, disabled account, throttled), password reset
requested and used, password changed, account deleted, disabled and enabled (from the back office or
``manage.py customer``); staff sign-in, second factor and sign-out; and every write a staff member
makes in the back office (``BackofficeSite.admin_view`` logs each non-GET request it lets through with
the URL name, its arguments and the response status) plus the LGPD data exports.

Each line names the ``event``, the ``outcome``, the actor (``customer`` id, ``staff`` username, or
``operator`` for a management command) and the ``client`` address (``ocipizza.ratelimit.client_ip``,
so it is the real client behind the trusted proxies). ``security_event`` builds the line, so no call
site formats one itself:

- **No secrets**: no passwords, reset or confirmation tokens, session keys, cookies or TOTP codes. A
  field whose name says it holds one is written as ``"[redacted]"`` whatever a caller passes.
- **Customers' e-mail addresses never appear in clear.** A field named ``email`` is replaced by
  ``email_ref``, a keyed hash (HMAC-SHA256 with ``SECRET_KEY``, 16 hex digits) of the lower-cased
  address. Why a keyed hash rather than a masked address ("m***@gmail.com"): logs travel to places
  with weaker protection and longer retention than the store (log shippers, support tickets), and
  LGPD asks for the least personal data that serves the purpose; a masked address still tells who it
  probably was, while the ref tells nothing to a reader of the log. Yet it stays useful: the same
  address gives the same ref, so repeated failures against one account line up, and an operator who
  has the key finds a given customer's lines with ``email_ref("maria@example.com")`` in
  ``manage.py shell``. A plain hash would not do: anyone with a list of addresses could reverse it.
  Customers are otherwise named by their random id.
- **Staff are named by their username** (their work e-mail) in clear: an audit trail of staff
  actions must say who acted. What someone typed into the staff login form and failed with is only
  a claim, so a failed staff login logs it as an ``email_ref`` too.
- JSON escapes every value, so a name or username holding a line break cannot forge a log line.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os

from django.utils.crypto import salted_hmac

from .ratelimit import client_ip

logger = logging.getLogger("ocipizza.security")

REDACTED = "[redacted]"
# Field names that may never carry their value into the log.
_SECRET_WORDS = ("password", "passwd", "token", "secret", "session", "cookie", "csrf", "otp", "authorization")
# Outcomes logged at WARNING, so an alert can watch for them without parsing the line.
_WARN_OUTCOMES = frozenset({"failure", "throttled", "denied", "invalid", "disabled"})


def email_ref(email: str) -> str:
    """A stable reference to an address that does not reveal it (see the module docstring)."""
    value = (email or "").strip().lower()
    return salted_hmac("ocipizza.security_log.email", value, algorithm="sha256").hexdigest()[:16]


def command_operator(command: str) -> str:
    """Who ran a management command: ``manage.py <command> by <OS user>`` (the actor of its events)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        user = f"uid {os.getuid()}"
    return f"manage.py {command} by {user}"


def _clean(name: str, value):
    if any(word in name.lower() for word in _SECRET_WORDS):
        return REDACTED
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def security_event(event: str, *, request=None, outcome: str = "success", **fields) -> dict:
    """Log one security event and return what was logged.

    ``fields`` name the actor (``customer=``, ``staff=``, ``operator=``) and anything that helps to
    read the event (``code=``, ``url_name=``, ``status=``); ``email=`` is logged as ``email_ref``.
    With ``request`` the client address is added; without one (a management command), ``client`` is
    whatever the caller says, else ``"-"``.
    """
    payload: dict = {"event": event, "outcome": outcome}
    if request is not None:
        payload["client"] = client_ip(request)
    for name, value in fields.items():
        if name == "email":
            payload["email_ref"] = email_ref(value or "")
        else:
            payload[name] = _clean(name, value)
    payload.setdefault("client", "-")
    level = logging.WARNING if outcome in _WARN_OUTCOMES else logging.INFO
    logger.log(level, "%s", json.dumps(payload, ensure_ascii=False), extra={"security": payload})
    return payload


class JsonLineFormatter(logging.Formatter):
    """Writes a security record as one JSON object: time, level and logger, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        payload = getattr(record, "security", None)
        if isinstance(payload, dict):
            line.update(payload)
        else:  # a plain message logged on this logger by someone else
            line["message"] = record.getMessage()
        return json.dumps(line, ensure_ascii=False)
