"""CEP autofill in Chromium, on the "Consultar CEP" page, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def cep_page(page, live_server, cep_db):
    """The page open, with every request and any CSP complaint recorded."""
    page.requests = []
    page.csp_errors = []
    page.on("request", lambda request: page.requests.append((request.method, request.url)))
    page.on(
        "console",
        lambda message: (
            page.csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/cep/")
    return page


def cep_box(page):
    # Found by its label, as a customer would ("CEP:" in Portuguese, with the language's suffix).
    return page.get_by_role("textbox", name=re.compile(r"^CEP\b"))


def field(page, name):
    return page.locator(f'[data-address-field="{name}"]')


def test_typing_a_cep_fills_the_address_without_leaving_the_page(cep_page, live_server):
    page = cep_page
    cep_box(page).press_sequentially("01310100")
    expect(field(page, "logradouro")).to_have_value("Avenida Paulista")
    expect(field(page, "bairro")).to_have_value("Bela Vista")
    expect(field(page, "cidade")).to_have_value("São Paulo")
    expect(field(page, "uf")).to_have_value("SP")
    expect(field(page, "cep")).to_have_value("01310-100")
    expect(page.get_by_role("status")).to_have_text("Endereço preenchido pelo CEP. Confira os dados.")
    assert ("GET", f"{live_server.url}/api/cep/01310100/") in page.requests
    assert not [request for request in page.requests if request[0] == "POST"]  # no form submission
    assert page.csp_errors == []


def test_an_unknown_cep_is_explained_and_the_address_left_to_type(cep_page):
    page = cep_page
    cep_box(page).press_sequentially("69900-000")
    expect(page.get_by_role("status")).to_have_text(
        "Não encontramos o CEP 69900-000. Confira os números ou preencha o endereço."
    )
    expect(field(page, "cep")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "logradouro")).to_have_value("")


def test_a_city_cep_fills_the_city_and_keeps_the_street_the_customer_typed(cep_page):
    page = cep_page
    field(page, "logradouro").fill("Rua das Flores")
    cep_box(page).press_sequentially("06849000")
    expect(field(page, "cidade")).to_have_value("Embu das Artes")
    expect(field(page, "logradouro")).to_have_value("Rua das Flores")
    expect(page.get_by_role("status")).to_have_text(
        "Este CEP é de uma cidade inteira: informe a rua e o bairro."
    )


def test_changing_the_cep_replaces_what_autofill_wrote(cep_page):
    page = cep_page
    cep = cep_box(page)
    cep.press_sequentially("01310100")
    expect(field(page, "logradouro")).to_have_value("Avenida Paulista")
    cep.fill("")
    cep.press_sequentially("06849000")
    expect(field(page, "cidade")).to_have_value("Embu das Artes")
    # The old street was ours, not the customer's: it must not stay next to another city.
    expect(field(page, "logradouro")).to_have_value("")
    expect(field(page, "bairro")).to_have_value("")


def test_the_buscar_cep_button_looks_up_in_place(cep_page):
    page = cep_page
    cep_box(page).fill("20040-020")  # fill() sends one input event: a full CEP
    field(page, "logradouro").fill("")
    page.get_by_role("button", name="Buscar CEP").click()
    expect(field(page, "logradouro")).to_have_value("Praça Pio X")
    assert not [request for request in page.requests if request[0] == "POST"]


def test_without_javascript_buscar_cep_fills_the_address_on_the_server(
    browser, live_server, cep_db, accessibility
):
    context = browser.new_context(locale="pt-BR", java_script_enabled=False)
    accessibility.watch(context, javascript=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/cep/")
        cep_box(page).fill("13450-001")
        page.get_by_role("button", name="Buscar CEP").click()
        expect(field(page, "logradouro")).to_have_value("Rua Dona Margarida")
        expect(field(page, "cidade")).to_have_value("Santa Bárbara d'Oeste")
        expect(field(page, "uf")).to_have_value("SP")
        expect(page.get_by_test_id("cep-result")).to_contain_text("CEP 13450-001")
        accessibility.finish()
    finally:
        context.close()
