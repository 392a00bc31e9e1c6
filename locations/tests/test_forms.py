import re
from html import unescape

import pytest
from django import forms
from django.http import QueryDict

from conftest import post as submit
from locations.forms import AddressFormMixin, CEPField

LOOKUP = AddressFormMixin.CEP_LOOKUP_BUTTON


class DeliveryForm(AddressFormMixin):
    """How checkout will use it: the address plus fields of its own."""

    recipient = forms.CharField()


def post(**data):
    query = QueryDict(mutable=True)
    query.update(data)
    return query


@pytest.mark.parametrize("typed", ["01310-100", "01310100", " 01310 100 ", "01.310-100"])
def test_the_cep_field_cleans_to_the_printed_form(typed):
    assert CEPField().clean(typed) == "01310-100"


def test_the_cep_field_explains_a_bad_cep():
    with pytest.raises(forms.ValidationError) as caught:
        CEPField().clean("0131-010")
    assert caught.value.messages == ["Informe um CEP com 8 dígitos, como 01310-100."]


def test_the_cep_box_gets_a_numeric_keyboard_and_the_browsers_saved_cep():
    html = str(DeliveryForm()["cep"])
    assert 'inputmode="numeric"' in html and 'autocomplete="postal-code"' in html


def test_buscar_cep_fills_the_address_in_and_is_never_a_valid_submission(cep_db):
    form = DeliveryForm(post(cep="01310100", numero="1000", recipient="Ana", **{LOOKUP: "1"}))
    assert not form.is_valid()
    assert form.errors == {}  # the customer has not finished: no "required" errors yet
    values = {name: form[name].value() for name in ("cep", "logradouro", "bairro", "cidade", "uf", "numero")}
    assert values == {
        "cep": "01310-100",
        "logradouro": "Avenida Paulista",
        "bairro": "Bela Vista",
        "cidade": "São Paulo",
        "uf": "SP",
        "numero": "1000",  # what the customer typed stays
    }
    assert form.cep_address.logradouro == "Avenida Paulista"


def test_a_city_level_cep_keeps_the_street_the_customer_typed(cep_db):
    form = DeliveryForm(post(cep="06849-000", logradouro="Rua das Flores", bairro="Centro", **{LOOKUP: "1"}))
    form.is_valid()
    assert (form["logradouro"].value(), form["bairro"].value()) == ("Rua das Flores", "Centro")
    assert (form["cidade"].value(), form["uf"].value()) == ("Embu das Artes", "SP")


@pytest.mark.parametrize(
    ("cep", "message"),
    [
        ("123", "CEP inválido: informe os 8 dígitos, como 01310-100."),
        ("69900-000", "Não encontramos o CEP 69900-000. Confira os números ou preencha o endereço."),
    ],
)
def test_a_lookup_that_fails_reports_only_on_the_cep(cep_db, cep, message):
    form = DeliveryForm(post(cep=cep, logradouro="Rua X", **{LOOKUP: "1"}))
    assert not form.is_valid()
    assert form.errors == {"cep": [message]}
    assert form["logradouro"].value() == "Rua X"


def test_the_forms_own_button_validates_as_usual(cep_db):
    complete = post(
        cep="01310 100",
        logradouro="Avenida Paulista",
        numero="1000",
        bairro="Bela Vista",
        cidade="São Paulo",
        uf="SP",
        recipient="Ana",
    )
    form = DeliveryForm(complete)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["cep"] == "01310-100"
    incomplete = DeliveryForm(post(cep="01310100"))
    assert not incomplete.is_valid()
    assert {"logradouro", "numero", "cidade", "uf", "recipient"} <= set(incomplete.errors)


def test_a_prefixed_form_looks_up_with_prefixed_names(cep_db):
    form = DeliveryForm(post(**{"entrega-cep": "20040-020", f"entrega-{LOOKUP}": "1"}), prefix="entrega")
    assert form.cep_lookup_button_name == f"entrega-{LOOKUP}"
    assert not form.is_valid()
    assert form["logradouro"].value() == "Praça Pio X"
    assert form["cidade"].value() == "Rio de Janeiro"


def test_the_lookup_works_without_a_database_by_saying_so_on_the_cep(no_cep_db):
    form = DeliveryForm(post(cep="01310100", **{LOOKUP: "1"}))
    assert form.errors == {"cep": ["A busca de CEP está indisponível agora. Preencha o endereço, por favor."]}


# --- the "Consultar CEP" page: the include, without JavaScript -------------------------------------------


def field_value(html, name):
    """The value the browser shows in the field (entities decoded, however they were written)."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


def test_the_page_renders_the_include_with_its_script_and_the_lookup_button(client, cep_db):
    html = client.get("/cep/").content.decode()
    assert "<h1>Consultar CEP</h1>" in html
    assert 'data-cep-api="/api/cep/00000000/"' in html
    assert '<script src="/static/js/cep-autofill.js" defer></script>' in html
    assert f'name="{LOOKUP}"' in html and ">Buscar CEP</button>" in html
    assert "CEP Aberto" in html  # the ODbL asks for credit where the data is shown


def test_buscar_cep_without_javascript_fills_the_page_on_the_server(client, cep_db):
    response = submit(client, "/cep/", {"cep": "13450001", LOOKUP: "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert field_value(html, "cep") == "13450-001"
    assert field_value(html, "logradouro") == "Rua Dona Margarida"
    assert field_value(html, "cidade") == "Santa Bárbara d'Oeste"
    assert '<option value="SP" selected>' in html
    assert "Endereço preenchido pelo CEP. Confira os dados." in html
    assert 'class="errorlist' not in html


def test_an_unknown_cep_on_the_page_is_explained_next_to_the_field(client, cep_db):
    html = submit(client, "/cep/", {"cep": "69900-000", LOOKUP: "1"}).content
    assert "Não encontramos o CEP 69900-000." in html.decode()


def test_the_page_refuses_a_post_without_the_csrf_token(client, cep_db):
    assert client.post("/cep/", {"cep": "01310100", LOOKUP: "1"}).status_code == 403
    assert submit(client, "/cep/", {"cep": "01310100", LOOKUP: "1"}).status_code == 200


def test_the_page_speaks_english_too(client, cep_db):
    html = client.get("/cep/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Look up a CEP" in html and "Look up CEP</button>" in html


@pytest.mark.parametrize(
    "data",
    [
        {"cep": "9" * 5000, LOOKUP: "1"},
        {"cep": "\x00\x01", LOOKUP: "1"},
        {"cep": "01310100", "uf": "XX", "logradouro": "y" * 5000},
        {"cep": ["01310100", "06849000"], LOOKUP: ["1", "2"]},
        {},
    ],
)
def test_garbage_posted_to_the_page_is_answered_never_a_500(client, cep_db, data):
    response = submit(client, "/cep/", data)
    assert response.status_code == 200
