"""Issue 16, items 4 and 6 on the saved addresses: an address is saved only if it agrees with its CEP,
and the page's "Buscar CEP" shares the CEP API's rate limit."""

import pytest
from django.core.cache import cache

from accounts import selectors
from accounts.tests.test_bad_input import ADDRESS
from conftest import post
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cep_db")]

NEW = "/conta/enderecos/novo/"


def saved(customer):
    return selectors.customer_addresses(customer=selectors.customer_get(customer_id=customer.id))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"cidade": "Rio de Janeiro", "uf": "RJ"}, "A cidade do CEP 01310-100 é São Paulo."),
        ({"logradouro": "Rua Augusta"}, "A rua do CEP 01310-100 é Avenida Paulista."),
        ({"cep": "69900-000"}, "Não encontramos o CEP 69900-000."),
        ({"cidade": "São\x00Paulo"}, "Caracteres nulos não são permitidos."),
        ({"logradouro": "x" * 5000}, "no máximo 150 caracteres"),
    ],
)
def test_an_address_that_disagrees_with_its_cep_is_not_saved(
    logged_in_client, confirmed_customer, typed, message
):
    response = post(logged_in_client, NEW, {**ADDRESS, **typed})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert saved(confirmed_customer) == ()


def test_an_agreeing_address_is_saved_in_the_databases_spelling(logged_in_client, confirmed_customer):
    response = post(logged_in_client, NEW, {**ADDRESS, "logradouro": "av paulista", "cidade": "sao paulo"})
    assert response.status_code == 302
    [address] = saved(confirmed_customer)
    assert (address.street, address.city, address.district) == ("Avenida Paulista", "São Paulo", "Bela Vista")


def test_buscar_cep_on_the_address_page_is_rate_limited(logged_in_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (1, 60 * 60)}
    cache.delete_pattern("ratelimit:cep_api:*")
    first = post(logged_in_client, NEW, {"label": "Casa", "cep": "01310100", "buscar_cep": "1"})
    assert 'value="Avenida Paulista"' in first.content.decode()
    second = post(logged_in_client, NEW, {"label": "Casa", "cep": "20040020", "buscar_cep": "1"})
    html = second.content.decode()
    assert "Muitas consultas de CEP. Tente de novo em" in html and "Praça Pio X" not in html
