"""Issue 16, items 4 and 6: an address must agree with its CEP, and the form's lookups share the API's
rate limit. The check runs in ``AddressFormMixin.clean``, so every address form (saved addresses,
checkout, the counter) gets it."""

import logging

import pytest
from django.core.cache import cache
from django.http import QueryDict

from conftest import post as submit
from locations.forms import AddressFormMixin
from locations.text import place_key, street_key

LOOKUP = AddressFormMixin.CEP_LOOKUP_BUTTON
PAULISTA = {
    "cep": "01310-100",
    "logradouro": "Avenida Paulista",
    "numero": "1000",
    "bairro": "Bela Vista",
    "cidade": "São Paulo",
    "uf": "SP",
}


class DeliveryForm(AddressFormMixin):
    pass


def form_for(limit_key=None, **fields):
    query = QueryDict(mutable=True)
    query.update({**PAULISTA, **fields})
    return DeliveryForm(query, cep_limit_key=limit_key)


@pytest.fixture
def small_limit(settings):
    # An hour: no window boundary falls inside the test.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (2, 60 * 60)}
    # Only this test process's keys: cache.clear() would flush the whole Redis database, and with it
    # the sessions of tests running in the other workers.
    cache.delete_pattern("ratelimit:cep_api:*")


def test_names_compare_without_accents_case_abbreviations_or_the_street_type():
    assert place_key("São Paulo") == place_key("SAO  paulo") == place_key("sao-paulo")
    assert place_key("Santa Bárbara d'Oeste") == place_key("santa barbara D oeste")
    assert place_key("Embu") != place_key("Embu das Artes")
    assert street_key("Avenida Paulista") == street_key("av. paulista") == street_key("AV PAULISTA")
    assert street_key("Avenida Paulista") == street_key("Paulista")
    assert street_key("Rua Dr. Arnaldo") == street_key("Rua Doutor Arnaldo")
    assert street_key("Rua da Quitanda") == street_key("R. Quitanda")
    assert street_key("Avenida Paulista") != street_key("Rua Augusta")


@pytest.mark.usefixtures("cep_db")
@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            {"cidade": "Rio de Janeiro", "uf": "RJ"},
            "cidade",
            "A cidade do CEP 01310-100 é São Paulo. Corrija a cidade ou o CEP.",
        ),
        ({"uf": "RJ"}, "uf", "O estado do CEP 01310-100 é SP. Corrija o estado ou o CEP."),
        (
            {"logradouro": "Praça Pio X"},
            "logradouro",
            "A rua do CEP 01310-100 é Avenida Paulista. Corrija a rua ou o CEP "
            "(Buscar CEP preenche o endereço).",
        ),
        ({"cep": "69900-000"}, "cep", "Não encontramos o CEP 69900-000. Confira os números."),
    ],
)
def test_an_address_that_disagrees_with_its_cep_is_refused(typed, field, message):
    form = form_for(**typed)
    assert not form.is_valid()
    assert form.errors[field] == [message]


@pytest.mark.usefixtures("cep_db")
def test_what_agrees_is_kept_in_the_databases_spelling_with_the_ceps_bairro():
    form = form_for(logradouro="av. paulista", cidade="SAO PAULO", bairro="Jardins")
    assert form.is_valid(), form.errors
    values = {k: form.cleaned_data[k] for k in ("logradouro", "bairro", "cidade", "uf")}
    assert values == {
        "logradouro": "Avenida Paulista",
        "bairro": "Bela Vista",
        "cidade": "São Paulo",
        "uf": "SP",
    }
    assert form["bairro"].value() == "Bela Vista"  # the page shows what will be used


@pytest.mark.usefixtures("cep_db")
def test_a_city_level_cep_checks_the_city_but_not_the_street():
    form = form_for(cep="06849-000", logradouro="Rua das Flores", bairro="Centro", cidade="embu das artes")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["logradouro"], form.cleaned_data["cidade"]) == (
        "Rua das Flores",
        "Embu das Artes",
    )
    assert not form_for(cep="06849-000", cidade="Embu").is_valid()


@pytest.mark.usefixtures("cep_db")
@pytest.mark.parametrize(
    "typed",
    [
        {"cep": "01310\x00100"},
        {"logradouro": "Avenida\x00Paulista"},
        {"cidade": "São\x00Paulo"},
        {"cep": "0" * 5000},
        {"logradouro": "Avenida Paulista" * 100},
        {"cidade": "x" * 5000},
        {"uf": "XX"},
    ],
)
def test_bad_input_gets_a_message_never_an_exception(typed):
    form = form_for(**typed)
    assert not form.is_valid()
    assert form.errors and all(messages for messages in form.errors.values())


def test_without_the_database_the_address_is_taken_as_typed_and_the_operator_is_told(no_cep_db, caplog):
    with caplog.at_level(logging.ERROR, logger="locations.forms"):
        form = form_for(cidade="Rio de Janeiro", uf="RJ")
        assert form.is_valid()
    assert "build_cep_db" in caplog.text


# --- item 6: the form's lookups share the API's limiter ---------------------------------------------------


@pytest.mark.usefixtures("cep_db", "small_limit")
def test_the_cep_page_is_limited_with_the_api_and_says_so_in_portuguese(client):
    assert client.get("/api/cep/01310100/").status_code == 200  # one of the two in this window
    assert submit(client, "/cep/", {"cep": "01310100", LOOKUP: "1"}).status_code == 200
    response = submit(client, "/cep/", {"cep": "01310100", LOOKUP: "1"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert "Muitas consultas de CEP. Tente de novo em" in html
    assert 'data-testid="cep-result"' not in html  # nothing was looked up
    assert client.get("/api/cep/01310100/").status_code == 429  # and the API's allowance is spent too


@pytest.mark.usefixtures("cep_db", "small_limit")
def test_the_check_on_submit_counts_too():
    assert form_for(limit_key="203.0.113.9").is_valid()
    assert form_for(limit_key="203.0.113.9").is_valid()
    refused = form_for(limit_key="203.0.113.9")
    assert not refused.is_valid()
    assert refused.errors["cep"][0].startswith("Muitas consultas de CEP.")
    assert form_for(limit_key="198.51.100.7").is_valid()  # another client has its own allowance


@pytest.mark.usefixtures("cep_db", "small_limit")
def test_the_limit_fails_open_without_redis(settings):
    # A port nothing listens on, as the API's own test: the form keeps checking addresses.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    for _ in range(4):
        assert form_for(limit_key="203.0.113.9").is_valid()
