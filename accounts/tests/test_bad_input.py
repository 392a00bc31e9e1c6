"""Every account form, fed bad input: a pt-BR message next to the field, never a 500, and every POST
without a CSRF token is refused."""

import re

import pytest
from django.core import mail
from django.test import Client

from conftest import client_login, post

from .conftest import CUSTOMER_PASSWORD, STRONG_PASSWORD, signup_data

HUGE = "x" * 5000
NUL = "ab\x00cd"
COMMON = ["", HUGE, NUL, "   "]
BAD_EMAILS = [
    "not-an-email",
    "ana@",
    "@example.com",
    "ana@exa mple.com",
    "ana@@example.com",
    "ana@example..com",
]
ADDRESS = {
    "label": "Casa",
    "cep": "01310-100",
    "logradouro": "Avenida Paulista",
    "numero": "1000",
    "complemento": "",
    "bairro": "Bela Vista",
    "cidade": "São Paulo",
    "uf": "SP",
}
PASSWORDS = {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}

# (form, url, valid data, who posts, {field: extra bad values}); COMMON values are tried on every field.
FORMS = {
    "signup": (
        "/conta/cadastro/",
        signup_data(),
        "anonymous",
        {
            "name": ["a", "Ana\x07Lima"],
            "email": BAD_EMAILS,
            "telephone": ["abc", "(99) 1234", "+1 212 555 0100", "(11) 3456-7890", "(20) 98765-4321"],
            "password1": ["12345678901", "senha", "password123"],
            "password2": [STRONG_PASSWORD + "x"],
            "privacy": [],
        },
    ),
    "login": (
        "/conta/entrar/",
        {"email": "ana@example.com", "password": STRONG_PASSWORD},
        "anonymous",
        {"email": BAD_EMAILS, "password": []},
    ),
    "password_reset": (
        "/conta/senha/recuperar/",
        {"email": "ana@example.com"},
        "anonymous",
        {"email": BAD_EMAILS},
    ),
    "password_reset_confirm": (
        None,
        PASSWORDS,
        "reset-link",
        {"password1": ["curta"], "password2": ["diferente-demais-1"]},
    ),
    "profile": (
        "/conta/dados/",
        {"name": "Ana", "telephone": "11987654321"},
        "customer",
        {"name": ["a"], "telephone": ["abc", "(11) 3456-7890", "+44 20 7946 0958"]},
    ),
    "address": (
        "/conta/enderecos/novo/",
        ADDRESS,
        "customer",
        {
            "label": [],
            "cep": ["123", "abcdefgh", "01310-1000", "١٢٣٤٥٦٧٨"],
            "logradouro": ["Rua\x01A"],
            "numero": [],
            "complemento": [HUGE, NUL],
            "bairro": [HUGE, NUL],
            "cidade": [],
            "uf": ["XX", "sp"],
        },
    ),
    "password_change": (
        "/conta/senha/alterar/",
        {"current_password": CUSTOMER_PASSWORD, **PASSWORDS},
        "customer",
        {"current_password": [], "password1": ["1234567890"], "password2": ["outra-senha-qualquer"]},
    ),
    "delete": ("/conta/excluir/", {"password": CUSTOMER_PASSWORD}, "customer", {"password": []}),
}
OPTIONAL = {("address", "complemento"), ("address", "bairro")}
# Any non-empty value ticks a checkbox; a password of spaces is a (wrong) password, not a malformed one.
ONLY_EMPTY_IS_BAD = {("signup", "privacy")}
SPACES_ARE_VALID = {("login", "password"), ("delete", "password"), ("password_change", "current_password")}
CASES = [
    pytest.param(form, field, id=f"{form}-{field}")
    for form, (*_, extras) in FORMS.items()
    for field in extras
]
ENGLISH = re.compile(
    r"This field|Enter a valid|Ensure this|Null characters|Select a valid|didn.t match", re.I
)


@pytest.fixture
def poster(request):
    """Returns (client, url) ready to post the given form, logging in or asking for a reset link as needed."""

    def make(form):
        url, _data, who, _extras = FORMS[form]
        client = Client(enforce_csrf_checks=True)
        if who != "anonymous":
            customer = request.getfixturevalue("customer")
            if who == "customer":
                client_login(client, customer.id)
            else:
                post(client, "/conta/senha/recuperar/", {"email": customer.email})
                link = re.search(r"http://testserver(/conta/senha/redefinir/\S+/)", mail.outbox[-1].body)
                url = link.group(1)
        return client, url

    return make


@pytest.mark.parametrize(("form", "field"), CASES)
def test_bad_input_gets_a_portuguese_message_next_to_the_field(poster, form, field):
    _url, data, _who, extras = FORMS[form]
    client, url = poster(form)
    values = [""] if (form, field) in ONLY_EMPTY_IS_BAD else COMMON + extras[field]
    if (form, field) in OPTIONAL:
        values = [v for v in values if v.strip()]
    if (form, field) in SPACES_ARE_VALID:
        values.remove("   ")
    for value in values:
        response = post(client, url, {**data, field: value})
        assert response.status_code == 200, (field, value[:20], response.status_code)
        html = response.content.decode()
        errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
        assert errors, f"{form}.{field}={value[:20]!r}: no message next to the field"
        assert errors.group(1).strip() and not ENGLISH.search(errors.group(1)), errors.group(1)
        assert 'aria-invalid="true"' in html


def test_mismatched_passwords_are_pointed_at_the_confirmation(client):
    html = post(client, "/conta/cadastro/", signup_data(password2="outra-coisa-bem-longa")).content.decode()
    assert "As senhas não conferem. Digite a mesma senha nos dois campos." in html
    assert 'id="id_password2_error"' in html


def test_a_password_like_the_name_is_refused(client):
    similar = signup_data(
        name="Fernanda Albuquerque", password1="fernandaalbuquerque1", password2="fernandaalbuquerque1"
    )
    html = post(client, "/conta/cadastro/", similar).content.decode()
    assert "A senha é muito parecida com o seu nome." in html


def test_a_missing_or_garbled_field_set_is_not_a_500(client):
    for data in ({}, {"email": ["a@b.com", "c@d.com"]}, {"unexpected": "x" * 100_000}):
        assert post(client, "/conta/cadastro/", data).status_code == 200
        assert post(client, "/conta/entrar/", data).status_code == 200


# --- CSRF ---------------------------------------------------------------------------------------------

POSTS = [
    ("/conta/cadastro/", "anonymous"),
    ("/conta/entrar/", "anonymous"),
    ("/conta/senha/recuperar/", "anonymous"),
    ("/conta/confirmar/{uid}/{token}/", "anonymous"),
    ("/conta/senha/redefinir/{uid}/{token}/", "anonymous"),
    ("/conta/sair/", "customer"),
    ("/conta/confirmar/reenviar/", "customer"),
    ("/conta/dados/", "customer"),
    ("/conta/enderecos/novo/", "customer"),
    ("/conta/enderecos/abcdefghijklmnopqrstuv/editar/", "customer"),
    ("/conta/enderecos/abcdefghijklmnopqrstuv/excluir/", "customer"),
    ("/conta/senha/alterar/", "customer"),
    ("/conta/excluir/", "customer"),
]


def test_every_post_without_a_csrf_token_is_refused(customer):
    client = Client(enforce_csrf_checks=True)
    client_login(client, customer.id)
    anonymous = Client(enforce_csrf_checks=True)
    for url, who in POSTS:
        url = url.format(uid=customer.id, token="t" * 43)
        response = (client if who == "customer" else anonymous).post(url, {"password": CUSTOMER_PASSWORD})
        assert response.status_code == 403, url
    assert client.get("/conta/").status_code == 200  # nothing happened, not even the logout
