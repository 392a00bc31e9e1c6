"""Operator commands: customer find/disable/enable and purge_unconfirmed."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts import repositories, selectors
from conftest import client_login


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_customer_find_shows_the_account(customer):
    out = run("customer", "find", "MARIA@example.com")
    assert customer.id in out and "maria@example.com" in out and "(11) 98765-4321" in out
    assert "confirmed       no" in out and "active          yes" in out


def test_customer_disable_logs_out_everywhere_and_enable_lets_them_back(customer):
    client = Client()
    client_login(client, customer.id)
    assert client.get("/conta/").status_code == 200
    out = run("customer", "disable", "maria@example.com")
    assert "Disabled maria@example.com" in out and "no (disabled)" in out
    assert client.get("/conta/").status_code == 302
    out = run("customer", "enable", "maria@example.com")
    assert "Enabled" in out and selectors.customer_get(customer_id=customer.id).active


def test_customer_command_says_what_to_do_when_the_address_is_unknown(nosql_store):
    with pytest.raises(
        CommandError, match=r"No customer has the e-mail 'ninguem@example\.com'\. Check the spelling"
    ):
        run("customer", "find", "ninguem@example.com")


def age(customer_id, days):
    repositories.user_update(
        customer_id, lambda s: s.evolve(created_at=s.customer.created_at - dt.timedelta(days=days))
    )


def test_purge_unconfirmed_deletes_only_old_unconfirmed_accounts(customer, confirmed_customer):
    from accounts.services import customer_register

    recent = customer_register(
        name="Recente", email="recente@example.com", telephone="11987654321",
        password="uma-senha-bem-comprida", base_url="http://testserver", privacy_version="t",
    )  # fmt: skip
    age(customer.id, 31)
    age(confirmed_customer.id, 400)
    dry = run("purge_unconfirmed", "--days", "30", "--dry-run")
    assert (
        "[1/1] would delete maria@example.com" in dry and "1 unconfirmed account(s) would be deleted." in dry
    )
    assert selectors.customer_get(customer_id=customer.id) is not None
    out = run("purge_unconfirmed", "--days", "30")
    assert "[1/1] deleting maria@example.com" in out and "1 unconfirmed account(s) deleted." in out
    assert selectors.customer_get_by_email(email="maria@example.com") is None
    assert selectors.customer_get(customer_id=confirmed_customer.id) is not None
    assert selectors.customer_get(customer_id=recent.id) is not None


def test_purge_unconfirmed_refuses_a_zero_day_window(nosql_store):
    with pytest.raises(CommandError, match="--days must be at least 1"):
        run("purge_unconfirmed", "--days", "0")
