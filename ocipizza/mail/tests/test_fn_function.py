"""The whole Fn path as production runs it: outbox -> oci_functions dispatcher -> the oci SDK (signed) ->
the OCI Functions emulator -> functions/send_mail's ``handler`` under the real fdk -> a real SMTP server.

Every failure is checked from both ends: what the outbox decided (sent, retry, give up) and what Fn shows
(the status, OCI's error code, the function's log for that call id).
"""

import json
import re
import socket

import oci
import pytest
from oci.functions import FunctionsInvokeClient

from emulators.functions.tests.support import SEND_MAIL_ID, route_mail_through_fn
from emulators.nosql.tests.support import write_oci_config
from ocipizza.mail import mail_enqueue, outbox_get, outbox_send_due

pytestmark = pytest.mark.system

CALL = re.compile(r"\(Fn call ([0-9A-Z]{26})\)")


def enqueue(to="ana@example.com"):
    return mail_enqueue(to=to, template="confirm_email", context={"name": "Ana", "link": "http://x/c/1/"})


def call_id(message_id: str) -> str:
    """The Fn call id the outbox recorded with the message's last failure."""
    return CALL.search(outbox_get(message_id=message_id).last_error).group(1)


def test_mail_goes_out_through_the_sdk_the_emulator_and_the_function(fn_mail, smtp_server, oci_config):
    message_id = enqueue()
    assert outbox_send_due().sent == [message_id]
    [received] = smtp_server.wait_for(1)
    assert received["To"] == "ana@example.com" and received["X-OCIPizza-Message"] == message_id
    assert received["Subject"] == "Confirme seu e-mail na OCI PIZZA"
    assert "http://x/c/1/" in received.get_body(("plain",)).get_content()
    assert received.get_body(("html",)) is not None
    stats = fn_mail.stats()
    # Signed with the configured profile's key and verified; the message id is the request id.
    assert stats["last_key_id"] == oci_config.key_id("OCIPIZZA") and stats["auth_failures"] == 0
    assert stats["last_headers"]["opc-request-id"] == message_id
    assert stats["statuses"] == {"200": 1}
    # The function's own log line, with the message id and no address.
    log = fn_mail.logs(until=f"message {message_id} sent through")
    assert any(
        line.endswith(f"message {message_id} sent through 127.0.0.1:{smtp_server.port}") for line in log
    )
    assert not any("ana@example.com" in line for line in log)


def test_fns_own_invoke_api_without_auth(settings, smtp_server, fn_emulator, oci_config):
    route_mail_through_fn(settings, smtp_server, fn_emulator, oci_config)
    assert settings.MAIL_FN["AUTH"] == "none"
    message_id = enqueue()
    assert outbox_send_due().sent == [message_id]
    assert smtp_server.wait_for(1)[0]["X-OCIPizza-Message"] == message_id
    headers = fn_emulator.stats()["last_headers"]
    assert headers["content-type"] == "application/json" and "authorization" not in headers


def test_a_refusal_is_final_and_the_functions_log_says_why(fn_mail, smtp_server):
    smtp_server.handler.refused.add("ninguem@example.com")
    refused = enqueue("ninguem@example.com")
    assert outbox_send_due().failed == [refused]
    error = outbox_get(message_id=refused).last_error
    assert error.startswith("refused: recipient refused") and "550" in error
    assert any(
        f"message {refused} refused by" in line for line in fn_mail.logs(call_id(refused), until="refused by")
    )
    assert smtp_server.messages == []


def test_a_mail_server_outage_is_retried_with_the_calls_traceback_in_its_log(fn_mail, smtp_server):
    smtp_server.stop()
    later = enqueue()
    assert outbox_send_due().retrying == [later]
    error = outbox_get(message_id=later).last_error
    assert error.startswith("function answered HTTP 502 FunctionInvokeExecutionFailed: function failed")
    log = "\n".join(fn_mail.logs(call_id(later), until="func.py"))
    assert "Connection refused" in log and "func.py" in log  # the fdk's traceback of the handler
    smtp_server.start()
    assert outbox_send_due(ignore_backoff=True).sent == [later]
    assert smtp_server.wait_for(1)[0]["X-OCIPizza-Message"] == later


def test_an_outage_of_the_function_service_is_retried(fn_mail, smtp_server):
    fn_mail.admin("faults", {"refuse_connections": 1})
    message_id = enqueue()
    assert outbox_send_due().retrying == [message_id]
    assert outbox_get(message_id=message_id).last_error.startswith("function unreachable")
    fn_mail.admin("faults", {"function_error": 1})
    assert outbox_send_due(ignore_backoff=True).retrying == [message_id]
    assert "HTTP 502" in outbox_get(message_id=message_id).last_error
    assert outbox_send_due(ignore_backoff=True).sent == [message_id]
    assert outbox_get(message_id=message_id).attempts == 3
    assert len(smtp_server.wait_for(1)) == 1


@pytest.fixture
def silent_smtp():
    """A port that accepts connections and never says a word: a mail server that hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_function_past_its_timeout_is_fns_504_and_the_mail_is_retried(fn_mail, smtp_server, silent_smtp):
    fn_mail.configure(SEND_MAIL_ID, timeout=1, config={"SMTP_PORT": str(silent_smtp)})
    message_id = enqueue()
    assert outbox_send_due().retrying == [message_id]
    assert outbox_get(message_id=message_id).last_error.startswith(
        "function answered HTTP 504 FunctionInvokeTimeout: Timed out"
    )
    fn_mail.configure(SEND_MAIL_ID, timeout=30, config={"SMTP_PORT": str(smtp_server.port)})
    assert outbox_send_due(ignore_backoff=True).sent == [message_id]


def test_a_caller_that_gives_up_first_retries_later(fn_mail, smtp_server):
    # A cold start slower than the send timeout: the SDK's read times out, the outbox retries.
    fn_mail.admin("recycle", {"function": SEND_MAIL_ID})
    fn_mail.admin("faults", {"cold_start_ms": 2000})
    message_id = enqueue()
    assert outbox_send_due(timeout=0.5).retrying == [message_id]
    assert outbox_get(message_id=message_id).last_error.startswith("function unreachable")
    fn_mail.admin("faults", {"cold_start_ms": 0})
    assert outbox_send_due(ignore_backoff=True).sent == [message_id]


def test_a_malformed_payload_is_refused_for_good(fn_mail, smtp_server, oci_config, settings):
    # Straight through the SDK: bytes that are not the payload's JSON get the function's refusal.
    config = oci.config.from_file(str(oci_config.path), "OCIPIZZA")
    client = FunctionsInvokeClient(config, service_endpoint=fn_mail.url)
    for body in (b"{not json", b'["a list"]', json.dumps({"id": "x", "to": "a@example.com"}).encode()):
        answer = client.invoke_function(SEND_MAIL_ID, invoke_function_body=body)
        assert answer.status == 200
        assert json.loads(answer.data.content)["status"] == "refused"
    # Through the outbox: a recipient with a line break (a header injection) is never retried.
    message_id = enqueue("ana@example.com\nBcc: todos@example.com")
    assert outbox_send_due().failed == [message_id]
    assert outbox_get(message_id=message_id).last_error.startswith("refused: invalid header")
    assert smtp_server.messages == []


def test_a_deployment_mistake_keeps_the_mail_until_it_is_fixed(fn_mail, smtp_server, settings, tmp_path):
    good = dict(settings.MAIL_FN)
    # A key OCI does not know: 401, and a function id that does not exist: 404. Neither loses the mail.
    settings.MAIL_FN = {**good, "OCI_CONFIG_FILE": str(write_oci_config(tmp_path).path)}
    message_id = enqueue()
    assert outbox_send_due().retrying == [message_id]
    assert outbox_get(message_id=message_id).last_error.startswith(
        "function answered HTTP 401 NotAuthenticated"
    )
    settings.MAIL_FN = {**good, "FUNCTION_ID": "ocid1.fnfunc.oc1..nosuchfunction"}
    assert outbox_send_due(ignore_backoff=True).retrying == [message_id]
    assert "HTTP 404 NotAuthorizedOrNotFound" in outbox_get(message_id=message_id).last_error
    settings.MAIL_FN = good
    assert outbox_send_due(ignore_backoff=True).sent == [message_id]
