"""The customers area in Chromium: a manager signs in (password, then the authenticator's code), finds a
customer by the phone number they called from, opens their page, sees their order and downloads the LGPD
export, which parses as JSON with the customer and the order in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from backoffice import roles
from orders.tests.conftest import log_in
from tests.test_browser_backoffice import place_order, shot
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("always_open")]


@pytest.fixture
def manager_page(staff_page):
    """A desk-sized context signed in as a manager: password, then the authenticator's code."""
    return staff_page(
        "gerente@pizzaria.example", role=roles.MANAGER, name="Paula Gerente", accept_downloads=True
    )


@pytest.fixture
def shopper(live_server, make_customer):
    customer = make_customer("claudia@example.com", verified=True, name="Cláudia Ramos")
    make_customer("claudio@example.com", verified=True, name="Cláudio Souza")  # another phone below
    from accounts import services

    services.customer_profile_update(customer_id=customer.id, name=customer.name, telephone="(21) 99123-4567")
    client = log_in(Client(enforce_csrf_checks=True), customer.email)
    client.customer = customer
    return client


def test_a_manager_finds_a_caller_by_phone_and_downloads_their_data(manager_page, shopper, live_server):
    order = place_order(shopper)
    page = manager_page
    page.get_by_role("navigation").get_by_role("link", name="Clientes").click()
    page.wait_for_url("**/gestao/clientes/")
    # As it shows on the phone's screen when the customer calls.
    page.get_by_label("Nome, e-mail ou telefone").fill("+55 21 99123-4567")
    page.get_by_role("button", name="Buscar").click()
    results = page.get_by_test_id("search-results")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results).to_contain_text("Cláudia Ramos")
    expect(results).to_contain_text("(21) 99123-4567")
    shot(page, "customers-search")
    results.get_by_role("link", name="Cláudia Ramos").click()

    expect(page.get_by_test_id("customer-name")).to_have_text("Cláudia Ramos")
    orders = page.get_by_test_id("customer-orders")
    expect(orders.get_by_role("link", name=order.code)).to_have_attribute(
        "href", f"/gestao/pedidos/{order.code}/"
    )
    expect(page.locator("a[href^='https://wa.me/5521991234567']")).to_have_count(1)
    shot(page, "customers-page")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-link").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"cliente-{shopper.customer.id}-")
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["name"] == "Cláudia Ramos"
    assert data["profile"]["telephone"] == "+5521991234567"
    assert [exported["code"] for exported in data["orders"]] == [order.code]

    orders.get_by_role("link", name=order.code).click()
    page.wait_for_url(f"**/gestao/pedidos/{order.code}/")
