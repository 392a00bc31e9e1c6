"""The account flows on the Oracle NoSQL backend (borneo over HTTP to the emulator), not just SQLite."""

import datetime as dt

import pytest
from django.core.management import call_command

from accounts import repositories, selectors
from conftest import post
from ocipizza.mail import mail_enqueue, outbox_send_due

from .conftest import STRONG_PASSWORD, signup_data

pytestmark = pytest.mark.usefixtures("oracle_store")


def test_signup_confirm_login_reset_and_delete_on_oracle(client, smtp_server):
    assert post(client, "/conta/cadastro/", signup_data()).status_code == 302
    [confirm] = smtp_server.wait_for(1)
    path = next(u for u in links_of(confirm) if "/conta/confirmar/" in u).removeprefix("http://testserver")
    assert post(client, path).status_code == 302
    assert post(client, path).status_code == 400  # used once
    assert (
        post(client, "/conta/entrar/", {"email": "ANA@example.com", "password": STRONG_PASSWORD}).status_code
        == 302
    )
    assert client.get("/conta/").status_code == 200
    post(client, "/conta/senha/recuperar/", {"email": "ana@example.com"})
    reset = smtp_server.wait_for(2)[1]
    path = next(u for u in links_of(reset) if "/redefinir/" in u).removeprefix("http://testserver")
    new = "massa-de-longa-fermentacao"
    assert post(client, path, {"password1": new, "password2": new}).status_code == 302
    assert post(client, "/conta/entrar/", {"email": "ana@example.com", "password": new}).status_code == 302
    assert post(client, "/conta/excluir/", {"password": new}).status_code == 302
    assert selectors.customer_get_by_email(email="ana@example.com") is None


def links_of(message):
    return [u for u in message.get_body(("plain",)).get_content().split() if u.startswith("http")]


def test_purge_and_the_outbox_queries_run_on_oracle(customer, capsys, smtp_server):
    repositories.user_update(
        customer.id, lambda s: s.evolve(created_at=s.customer.created_at - dt.timedelta(days=40))
    )
    call_command("purge_unconfirmed", "--days", "30")
    assert "1 unconfirmed account(s) deleted." in capsys.readouterr().out
    assert selectors.customer_get(customer_id=customer.id) is None
    due = mail_enqueue(to="a@example.com", template="account_deleted", context={"name": "A"})
    assert due in outbox_send_due(ignore_backoff=True).sent
    assert outbox_send_due(ignore_backoff=True).sent == []
