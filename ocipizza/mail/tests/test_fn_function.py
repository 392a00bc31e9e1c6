"""The whole Fn path: outbox -> oci_functions dispatcher -> an Fn server stand-in running the real
functions/send_mail handler -> a real SMTP server (aiosmtpd)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import free_port
from functions.send_mail import func
from ocipizza.mail import mail_enqueue, outbox_get, outbox_send_due


@pytest.fixture
def fn_server(settings, smtp_server):
    """Answers POST /invoke/<id> as an Fn server would, by running the function with its config."""
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_STARTTLS": "false"}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                body, status = json.dumps(func.deliver(payload, config)).encode(), 200
            except Exception as e:  # Fn reports a function that raised as a failed invocation
                body, status = json.dumps({"message": str(e)}).encode(), 502
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.MAIL_DISPATCHER = "oci_functions"
    settings.MAIL_FN = {
        "ENDPOINT": f"http://127.0.0.1:{server.server_port}",
        "FUNCTION_ID": "send-mail",
        "AUTH": "none",
    }
    yield server
    server.shutdown()
    server.server_close()


def enqueue(to):
    return mail_enqueue(to=to, template="confirm_email", context={"name": "Ana", "link": "http://x/c/1/"})


def test_mail_goes_out_through_the_function(fn_server, smtp_server):
    message_id = enqueue("ana@example.com")
    assert outbox_send_due().sent == [message_id]
    [received] = smtp_server.wait_for(1)
    assert received["To"] == "ana@example.com" and received["X-OCIPizza-Message"] == message_id
    assert received["Subject"] == "Confirme seu e-mail na OCI PIZZA"
    assert "http://x/c/1/" in received.get_body(("plain",)).get_content()
    assert received.get_body(("html",)) is not None


def test_a_refusal_is_final_and_an_outage_is_retried(fn_server, smtp_server):
    smtp_server.handler.refused.add("ninguem@example.com")
    refused = enqueue("ninguem@example.com")
    assert outbox_send_due().failed == [refused]
    assert outbox_get(message_id=refused).last_error.startswith("refused: recipient refused")
    smtp_server.stop()
    later = enqueue("ana@example.com")
    assert outbox_send_due().retrying == [later]
    smtp_server.start()
    assert outbox_send_due(ignore_backoff=True).sent == [later]


def test_the_function_refuses_a_malformed_payload():
    assert func.deliver({"to": "a@example.com"}, {"SMTP_HOST": "unused"})["status"] == "refused"
    assert func.deliver(None, {})["status"] == "refused"
