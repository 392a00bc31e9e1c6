"""Profile, saved addresses, password change and account deletion (LGPD)."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts import repositories, selectors
from accounts.normalize import email_key
from accounts.services import MAX_ADDRESSES
from conftest import post
from ocipizza.nosql import Eq, Query

from .conftest import CUSTOMER_PASSWORD, mails_to, signup_data

ADDRESS = {
    "label": "Casa",
    "cep": "01310-100",
    "logradouro": "Avenida Paulista",
    "numero": "1000",
    "complemento": "apto 12",
    "bairro": "Bela Vista",
    "cidade": "São Paulo",
    "uf": "SP",
}
ACCOUNT_PAGES = [
    "/conta/",
    "/conta/dados/",
    "/conta/enderecos/",
    "/conta/enderecos/novo/",
    "/conta/senha/alterar/",
    "/conta/excluir/",
]


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_account_pages_send_visitors_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/conta/entrar/?next={url}"


@pytest.mark.parametrize(
    "url", [*ACCOUNT_PAGES, "/conta/cadastro/", "/conta/entrar/", "/conta/senha/recuperar/", "/privacidade/"]
)
def test_pages_have_no_inline_script_or_style_and_are_not_cached(logged_in_client, url):
    client = logged_in_client if url in ACCOUNT_PAGES else Client()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html
    if url != "/privacidade/":
        assert "no-store" in response["Cache-Control"]


def test_profile_updates_name_and_phone(logged_in_client, confirmed_customer):
    page = logged_in_client.get("/conta/dados/").content.decode()
    assert 'value="(11) 98765-4321"' in page
    response = post(
        logged_in_client, "/conta/dados/", {"name": "  João   Pereira ", "telephone": "+55 (85) 99123-4567"}
    )
    assert response.status_code == 302
    customer = selectors.customer_get(customer_id=confirmed_customer.id)
    assert customer.name == "João Pereira" and customer.telephone == "+5585991234567"
    assert "(85) 99123-4567" in logged_in_client.get("/conta/").content.decode()


def test_addresses_are_added_edited_listed_and_deleted(logged_in_client, confirmed_customer):
    assert post(logged_in_client, "/conta/enderecos/novo/", ADDRESS).status_code == 302
    work = {
        **ADDRESS,
        "label": "Trabalho",
        "cep": "20040020",
        "logradouro": "Praça Pio X",  # the street of CEP 20040-020
        "numero": "s/n",
    }
    work.update(complemento="", bairro="Centro", cidade="Rio de Janeiro", uf="RJ")
    assert post(logged_in_client, "/conta/enderecos/novo/", work).status_code == 302
    customer = selectors.customer_get(customer_id=confirmed_customer.id)
    home, office = selectors.customer_addresses(customer=customer)
    assert (home.label, home.cep, home.street, home.number, home.state) == (
        "Casa",
        "01310100",
        "Avenida Paulista",
        "1000",
        "SP",
    )
    assert home.one_line == "Avenida Paulista, 1000, apto 12 - Bela Vista, São Paulo/SP - 01310-100"
    assert office.city == "Rio de Janeiro" and office.cep_display == "20040-020"
    listing = logged_in_client.get("/conta/enderecos/").content.decode()
    assert "Avenida Paulista, 1000" in listing and "Praça Pio X, s/n" in listing
    edit_url = f"/conta/enderecos/{home.id}/editar/"
    assert 'value="Avenida Paulista"' in logged_in_client.get(edit_url).content.decode()
    assert post(logged_in_client, edit_url, {**ADDRESS, "numero": "1578"}).status_code == 302
    assert post(logged_in_client, f"/conta/enderecos/{office.id}/excluir/").status_code == 302
    customer = selectors.customer_get(customer_id=confirmed_customer.id)
    [kept] = selectors.customer_addresses(customer=customer)
    assert kept.id == home.id and kept.number == "1578"


def test_another_customers_address_cannot_be_edited(logged_in_client, customer):
    from accounts.entities import Address
    from accounts.services import customer_address_save

    theirs = customer_address_save(
        customer_id=customer.id,
        address=Address("01310100", "Rua A", "1", "", "Centro", "São Paulo", "SP", label="Casa"),
    )
    assert logged_in_client.get(f"/conta/enderecos/{theirs.id}/editar/").status_code == 404
    post(logged_in_client, f"/conta/enderecos/{theirs.id}/excluir/")
    assert len(selectors.customer_get(customer_id=customer.id).addresses) == 1


def test_at_most_ten_addresses(logged_in_client, confirmed_customer):
    for n in range(MAX_ADDRESSES):
        assert (
            post(
                logged_in_client, "/conta/enderecos/novo/", {**ADDRESS, "label": f"Endereço {n}"}
            ).status_code
            == 302
        )
    response = post(logged_in_client, "/conta/enderecos/novo/", ADDRESS)
    assert response.status_code == 200
    assert "Você já tem 10 endereços salvos." in response.content.decode()


def test_password_change_checks_the_current_password(logged_in_client, confirmed_customer):
    wrong = post(
        logged_in_client,
        "/conta/senha/alterar/",
        {
            "current_password": "nao-e-essa",
            "password1": "queijo-derretido-42",
            "password2": "queijo-derretido-42",
        },
    ).content.decode()
    assert 'id="id_current_password_error"' in wrong and "Senha incorreta." in wrong
    assert len(mails_to("joao@example.com")) == 0
    response = post(
        logged_in_client,
        "/conta/senha/alterar/",
        {
            "current_password": CUSTOMER_PASSWORD,
            "password1": "queijo-derretido-42",
            "password2": "queijo-derretido-42",
        },
    )
    assert response.status_code == 302
    assert [m.subject for m in mails_to("joao@example.com")] == ["Sua senha na OCI PIZZA foi alterada"]


@pytest.mark.argon2
def test_password_guessing_inside_a_session_is_limited(logged_in_client, settings, hasher_calls):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_check": (2, 900)}
    for _ in range(3):
        response = post(logged_in_client, "/conta/excluir/", {"password": "chute-errado"})
    assert response.status_code == 429 and "Muitas tentativas." in response.content.decode()
    assert hasher_calls["verify"] == 2


# --- deletion -------------------------------------------------------------------------------------

calls = []


def record_hook(*, customer):
    # The row still exists while hooks run: they can read what they need to anonymise.
    calls.append((customer.id, repositories.user_get(customer.id) is not None))


def failing_hook(*, customer):
    raise RuntimeError("orders archive unavailable")


def test_deleting_the_account_removes_its_personal_data(
    logged_in_client, confirmed_customer, settings, nosql_store
):
    settings.ACCOUNTS_DELETION_HOOKS = ["accounts.tests.test_account_pages.record_hook"]
    calls.clear()
    post(logged_in_client, "/conta/enderecos/novo/", ADDRESS)
    post(logged_in_client, "/conta/senha/recuperar/", {"email": "joao@example.com"})  # a live reset token
    wrong = post(logged_in_client, "/conta/excluir/", {"password": "nao-e-essa"})
    assert "Senha incorreta." in wrong.content.decode() and selectors.customer_get(
        customer_id=confirmed_customer.id
    )
    mail.outbox.clear()
    response = post(logged_in_client, "/conta/excluir/", {"password": CUSTOMER_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert calls == [(confirmed_customer.id, True)]
    assert nosql_store.get_or_none("user", {"id": confirmed_customer.id}) is None
    assert nosql_store.get_or_none("user_email", {"email": email_key("joao@example.com")}) is None
    tokens = Query("email_verification", (Eq("user_id", confirmed_customer.id),))
    assert list(nosql_store.iterate(tokens)) == []
    assert logged_in_client.get("/conta/").status_code == 302
    assert [m.subject for m in mails_to("joao@example.com")] == ["Sua conta na OCI PIZZA foi excluída"]
    # The address is free again.
    again = Client(enforce_csrf_checks=True)
    post(again, "/conta/cadastro/", signup_data(email="joao@example.com"))
    assert selectors.customer_get_by_email(email="joao@example.com").id != confirmed_customer.id


def test_a_failing_deletion_hook_keeps_the_account_whole(logged_in_client, confirmed_customer, settings):
    settings.ACCOUNTS_DELETION_HOOKS = ["accounts.tests.test_account_pages.failing_hook"]
    logged_in_client.raise_request_exception = False
    response = post(logged_in_client, "/conta/excluir/", {"password": CUSTOMER_PASSWORD})
    assert response.status_code == 500
    assert selectors.customer_get_by_email(email="joao@example.com").id == confirmed_customer.id
    assert logged_in_client.get("/conta/").status_code == 200  # still logged in, can try again
