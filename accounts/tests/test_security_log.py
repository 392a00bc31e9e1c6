"""The security log of the customers' account flows: one JSON line per event, the actor, the client
address and the outcome, and never a password, a token or an e-mail address in clear."""

import json
import logging
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts import services
from conftest import CUSTOMER_PASSWORD, post
from ocipizza.security_log import JsonLineFormatter, email_ref, security_event

from .conftest import links

NEW_PASSWORD = "fermentacao-natural-72h"
WRONG_PASSWORD = "senha-errada-de-proposito"


def assert_clean(security_log, *secrets: str) -> None:
    """No line holds any of ``secrets``, nor a customer's e-mail address (only its reference)."""
    assert security_log.lines, "nothing was logged"
    for line in security_log.lines:
        json.loads(line)  # each line is one JSON object
        for secret in (*secrets, "maria@example.com", "joao@example.com", "@example.com"):
            assert secret.lower() not in line.lower(), (secret, line)


def test_login_success_failure_and_disabled(client, customer, security_log):
    post(client, "/conta/entrar/", {"email": "Maria@Example.com", "password": WRONG_PASSWORD})
    post(client, "/conta/entrar/", {"email": "maria@example.com", "password": CUSTOMER_PASSWORD})
    services.customer_set_active(customer_id=customer.id, active=False)
    post(
        Client(enforce_csrf_checks=True),
        "/conta/entrar/",
        {"email": "maria@example.com", "password": CUSTOMER_PASSWORD},
    )
    failure, success, disabled = security_log.of("login")
    ref = email_ref("maria@example.com")
    assert failure == {"event": "login", "outcome": "failure", "client": "127.0.0.1", "email_ref": ref}
    assert success == {"event": "login", "outcome": "success", "client": "127.0.0.1", "customer": customer.id}
    assert disabled["outcome"] == "disabled" and disabled["email_ref"] == ref
    assert [r.levelname for r in security_log.records] == ["WARNING", "INFO", "WARNING"]
    assert_clean(security_log, WRONG_PASSWORD, CUSTOMER_PASSWORD)


def test_a_throttled_login_is_logged(client, customer, security_log, monkeypatch):
    def throttled(**kwargs):
        raise services.Throttled(600)

    monkeypatch.setattr(services, "customer_authenticate", throttled)
    response = post(client, "/conta/entrar/", {"email": "maria@example.com", "password": WRONG_PASSWORD})
    assert response.status_code == 429
    [event] = security_log.of("login")
    assert event["outcome"] == "throttled" and event["email_ref"] == email_ref("maria@example.com")
    assert event["client"] == "127.0.0.1"
    assert_clean(security_log, WRONG_PASSWORD)


def test_the_client_address_is_the_one_behind_the_trusted_proxy(client, customer, security_log, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    post(
        client,
        "/conta/entrar/",
        {"email": "maria@example.com", "password": WRONG_PASSWORD},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    assert security_log.of("login")[0]["client"] == "203.0.113.7"


def test_reset_requested_and_used_without_the_token(client, customer, security_log):
    mail.outbox.clear()
    post(client, "/conta/senha/recuperar/", {"email": "maria@example.com"})
    link = next(u for m in mail.outbox for u in links(m) if "/conta/senha/redefinir/" in u)
    path = link.removeprefix("http://testserver")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    form = client.get(path, follow=True)  # the link may hand over to a token-free page
    assert form.status_code == 200
    response = post(client, form.request["PATH_INFO"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    [requested] = security_log.of("password_reset_requested")
    assert requested == {
        "event": "password_reset_requested",
        "outcome": "success",
        "client": "127.0.0.1",
        "email_ref": email_ref("maria@example.com"),
    }
    [used] = security_log.of("password_reset_used")
    assert used == {
        "event": "password_reset_used",
        "outcome": "success",
        "client": "127.0.0.1",
        "customer": customer.id,
    }
    assert len(token) >= 20
    assert_clean(security_log, token, NEW_PASSWORD)


def test_password_change_and_account_deletion(logged_in_client, confirmed_customer, security_log):
    change = "/conta/senha/alterar/"
    data = {"current_password": WRONG_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    post(logged_in_client, change, data)
    post(logged_in_client, change, {**data, "current_password": CUSTOMER_PASSWORD})
    post(logged_in_client, "/conta/excluir/", {"password": NEW_PASSWORD})
    failure, success = security_log.of("password_changed")
    assert (failure["outcome"], failure["customer"]) == ("failure", confirmed_customer.id)
    assert (success["outcome"], success["customer"], success["client"]) == (
        "success",
        confirmed_customer.id,
        "127.0.0.1",
    )
    [deleted] = security_log.of("account_deleted")
    assert (deleted["outcome"], deleted["customer"]) == ("success", confirmed_customer.id)
    assert_clean(security_log, WRONG_PASSWORD, CUSTOMER_PASSWORD, NEW_PASSWORD)


def test_disable_and_enable_from_the_command_name_the_operator(customer, security_log):
    call_command("customer", "disable", "maria@example.com", stdout=StringIO())
    call_command("customer", "enable", "MARIA@example.com", stdout=StringIO())
    disabled, enabled = security_log.events
    assert disabled["event"] == "account_disabled" and enabled["event"] == "account_enabled"
    for event in (disabled, enabled):
        assert event["customer"] == customer.id and event["outcome"] == "success"
        assert event["operator"].startswith("manage.py customer by ") and event["client"] == "-"
    assert_clean(security_log)


def test_the_helper_redacts_secrets_hashes_emails_and_keeps_one_line(security_log):
    payload = security_event(
        "login",
        outcome="failure",
        email="Maria@Example.com ",
        password="hunter2",
        reset_token="abc123",
        session_key="k" * 32,
        customer='line\nforged {"event": "x"}',
    )
    assert payload["email_ref"] == email_ref("maria@example.com") and len(payload["email_ref"]) == 16
    assert payload["password"] == payload["reset_token"] == payload["session_key"] == "[redacted]"
    [line] = security_log.lines
    assert "\n" not in line and json.loads(line)["customer"] == 'line\nforged {"event": "x"}'
    assert "hunter2" not in line and "abc123" not in line and "k" * 32 not in line
    assert_clean(security_log)


def test_the_logger_writes_json_lines_apart_from_the_plain_ones():
    logger = logging.getLogger("ocipizza.security")
    assert logger.propagate is False
    assert any(isinstance(handler.formatter, JsonLineFormatter) for handler in logger.handlers)


@pytest.mark.parametrize("email", ["maria@example.com", "MARIA@EXAMPLE.COM"])
def test_the_reference_of_an_address_depends_on_the_secret_key(email, settings):
    before = email_ref(email)
    settings.SECRET_KEY = "another-key-" + "x" * 50
    assert email_ref(email) != before
