"""Who carries a message out: Django's mail backend (SMTP) or an OCI/Fn Project function.

``settings.MAIL_DISPATCHER`` picks one: ``"smtp"`` (Django's ``EMAIL_BACKEND``, the default),
``"oci_functions"`` or a dotted path to a class with the same ``send`` method.
"""

from __future__ import annotations

import json
import smtplib
import threading
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .outbox import OutboxMessage

_local = threading.local()


class DeliveryError(Exception):
    """The message did not go out. ``permanent``: retrying cannot help (e.g. the address is refused)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class BaseDispatcher:
    def send(self, message: OutboxMessage, *, timeout: float) -> None:
        """Hand ``message`` over for delivery or raise ``DeliveryError``; return only once accepted."""
        raise NotImplementedError


class SMTPDispatcher(BaseDispatcher):
    """Django's configured mail backend (SMTP in production, locmem in tests, console in development)."""

    def send(self, message, *, timeout):
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            # Lets a mailbox (and a support person) tie a copy to its outbox row.
            headers={"X-OCIPizza-Message": message.id},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            # Backends that do not take a timeout (console, locmem) accept and ignore extra options.
            connection = get_connection(fail_silently=False, timeout=timeout)
            sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {e.recipients}", permanent=all(c >= 500 for c in codes)
            ) from e
        except smtplib.SMTPResponseException as e:
            raise DeliveryError(f"SMTP {e.smtp_code}: {e.smtp_error!r}", permanent=e.smtp_code >= 500) from e
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"{type(e).__name__}: {e}") from e
        if sent != 1:
            raise DeliveryError("the mail backend did not accept the message")


class OCIFunctionsDispatcher(BaseDispatcher):
    """Invokes the ``send_mail`` function (functions/send_mail) with the rendered message as JSON.

    ``settings.MAIL_FN``: ``ENDPOINT`` and ``FUNCTION_ID``, and ``AUTH``: ``none`` posts to an Fn
    server's ``{ENDPOINT}/invoke/{FUNCTION_ID}`` (Fn Project, local development); ``config``,
    ``instance`` or ``resource`` signs the call with the oci SDK for OCI Functions, where ENDPOINT is
    the application's invoke endpoint. The local emulator (emulators/functions) answers both ways.
    """

    def __init__(self):
        options = settings.MAIL_FN
        self.endpoint = (options.get("ENDPOINT") or "").rstrip("/")
        self.function_id = options.get("FUNCTION_ID") or ""
        self.auth = options.get("AUTH") or "none"
        self.options = options
        if not self.endpoint or not self.function_id:
            raise ImproperlyConfigured(
                "MAIL_DISPATCHER=oci_functions needs MAIL_FN_ENDPOINT and MAIL_FN_FUNCTION_ID"
            )

    def payload(self, message) -> bytes:
        return json.dumps(
            {
                "id": message.id,
                "from": settings.DEFAULT_FROM_EMAIL,
                "to": message.recipient,
                "subject": message.subject,
                "text": message.body,
                "html": message.html,
            }
        ).encode()

    def send(self, message, *, timeout):
        if self.auth == "none":
            self._post(message, timeout)
        else:
            self._invoke_oci(message, timeout)

    def _post(self, message, timeout):
        request = urllib.request.Request(  # noqa: S310  (the URL comes from settings, scheme checked below)
            f"{self.endpoint}/invoke/{self.function_id}",
            data=self.payload(message),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        if not request.full_url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("MAIL_FN_ENDPOINT must be an http(s) URL")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                _check_answer(response.read(), response.headers.get("Fn-Call-Id"))
        except urllib.error.HTTPError as e:
            # Fn answers its errors as {"message": ...}; the call id finds the function's log.
            raise DeliveryError(
                _failure(e.code, "", _error_message(e.read()), e.headers.get("Fn-Call-Id")),
                permanent=_permanent_http(e.code),
            ) from e
        except (urllib.error.URLError, OSError) as e:
            raise DeliveryError(f"function unreachable: {e}") from e

    def _invoke_oci(self, message, timeout):
        # Submodules imported by name: the oci package does not load every service on "import oci".
        from circuitbreaker import CircuitBreakerError
        from oci.exceptions import RequestException, ServiceError
        from oci.functions import FunctionsInvokeClient

        try:
            client = self._client(FunctionsInvokeClient, timeout)
            answer = client.invoke_function(
                self.function_id,
                invoke_function_body=self.payload(message),
                # The message id travels as the request id: OCI's logs and ours then name the same call.
                opc_request_id=message.id,
            )
            _check_answer(answer.data.content, answer.headers.get("Fn-Call-Id"))
        except ServiceError as e:
            call_id = (e.headers or {}).get("Fn-Call-Id")
            raise DeliveryError(
                _failure(e.status, e.code, e.message, call_id), permanent=_permanent_http(e.status)
            ) from e
        except (RequestException, OSError) as e:
            # Timeouts land here too: the function may still send, and the outbox's retry may repeat it.
            raise DeliveryError(f"function unreachable: {e}") from e
        except CircuitBreakerError as e:
            # The SDK stops calling for a while after repeated failures; the outbox tries again later.
            raise DeliveryError(f"function unreachable: the SDK's circuit breaker is open ({e})") from e

    def _client(self, client_class, timeout: float):
        """One client per thread and setting: an instance or resource principal signer fetches a token
        when it is made, which must not happen for every e-mail; the SDK's HTTP session is not shared
        between threads."""
        key = (
            self.endpoint,
            self.auth,
            self.options.get("OCI_CONFIG_FILE"),
            self.options.get("OCI_PROFILE"),
            timeout,
        )
        clients = _local.__dict__.setdefault("fn_clients", {})
        if key not in clients:
            config, signer = _oci_signer(self.auth, self.options)
            extra = {"signer": signer} if signer is not None else {}
            clients[key] = client_class(
                config, service_endpoint=self.endpoint, timeout=(timeout, timeout), **extra
            )
        return clients[key]


def _check_answer(raw: bytes, call_id: str | None = None) -> None:
    """The function says ``{"status": "refused"}`` when the mail server refused the message for good."""
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return  # accepted (2xx) with a body we do not understand: it did not say it failed
    if isinstance(answer, dict) and answer.get("status") == "refused":
        where = f" (Fn call {call_id})" if call_id else ""
        raise DeliveryError(f"refused: {answer.get('error', '')}{where}", permanent=True)


def _error_message(raw: bytes) -> str:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return ""
    return str(answer.get("message", "")) if isinstance(answer, dict) else ""


def _failure(status: int, code: str, message: str, call_id: str | None) -> str:
    """``function answered HTTP 502 FunctionInvokeExecutionFailed: function failed (Fn call 01J...)``:
    the call id is what to search the function's logs for."""
    text = f"function answered HTTP {status}"
    if code:
        text += f" {code}"
    if message:
        text += f": {message}"
    if call_id:
        text += f" (Fn call {call_id})"
    return text


def _permanent_http(status: int) -> bool:
    # 429 and 5xx pass. 401, 403 and 404 are the deployment's fault (a key, a policy, a function id), not
    # the message's: once someone fixes it the queued mail must still go out. Other 4xx (400, 413) say
    # this request itself is wrong, and repeating it will not help.
    return 400 <= status < 500 and status not in (401, 403, 404, 408, 429)


def _oci_signer(auth: str, options) -> tuple[dict, object | None]:
    from oci import config as oci_config
    from oci.auth import signers

    if auth == "config":
        # The client builds its request signer from the config file's API key.
        return oci_config.from_file(options.get("OCI_CONFIG_FILE"), options.get("OCI_PROFILE")), None
    if auth == "instance":
        return {}, signers.InstancePrincipalsSecurityTokenSigner()
    if auth == "resource":
        return {}, signers.get_resource_principals_signer()
    raise ImproperlyConfigured(f"MAIL_FN_AUTH must be none, config, instance or resource, not {auth!r}")


DISPATCHERS = {
    "smtp": SMTPDispatcher,
    "oci_functions": OCIFunctionsDispatcher,
}


def get_dispatcher() -> BaseDispatcher:
    """The dispatcher ``settings.MAIL_DISPATCHER`` names (built per call: settings may change in tests)."""
    name = settings.MAIL_DISPATCHER
    cls = DISPATCHERS.get(name)
    if cls is None:
        try:
            cls = import_string(name)
        except ImportError as e:
            raise ImproperlyConfigured(
                f"MAIL_DISPATCHER={name!r}: use smtp, oci_functions or a dotted path to a dispatcher class"
            ) from e
    return cls()
