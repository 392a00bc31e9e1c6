import io
import json

import pytest
from django.core.management import CommandError, call_command


def cep(*args):
    out = io.StringIO()
    call_command("cep", *args, stdout=out)
    return out.getvalue()


def test_cep_prints_the_address_field_by_field(cep_db):
    output = cep("01310 100")
    assert "logradouro   Avenida Paulista" in output
    assert "localidade   São Paulo" in output
    assert "(logradouro level; database built 20" in output


def test_cep_json_prints_what_the_api_answers(cep_db):
    assert json.loads(cep("06849000", "--json")) == {
        "cep": "06849-000",
        "logradouro": "",
        "complemento": "",
        "bairro": "",
        "localidade": "Embu das Artes",
        "uf": "SP",
        "precisao": "cidade",
    }


def test_cep_without_a_database_says_what_to_run(no_cep_db):
    with pytest.raises(CommandError, match=r"run `python manage\.py build_cep_db`"):
        cep("01310-100")


@pytest.mark.parametrize(
    ("typed", "complaint"),
    [("1234", r"'1234' is not a CEP: give 8 digits"), ("69900-000", r"CEP 69900-000 is unknown")],
)
def test_cep_explains_a_bad_or_unknown_cep(cep_db, typed, complaint):
    with pytest.raises(CommandError, match=complaint):
        cep(typed)
