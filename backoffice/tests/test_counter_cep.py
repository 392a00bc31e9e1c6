"""Issue 16, items 4 and 6 at the counter: a phone order's address agrees with its CEP, and the page's
"Buscar CEP" shares the CEP API's rate limit."""

import pytest
from django.core.cache import cache

from backoffice.tests import test_counter
from backoffice.tests.conftest import staff_post
from backoffice.tests.test_counter import CALLER, PAGE, page_key, pizzeria_orders, place, text
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cep_db")]

# The counter tests' fixtures: a manager signed in at an open hour, two lines in the counter cart.
evening, manager, filled = test_counter.evening, test_counter.manager, test_counter.filled


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"logradouro": "Praça Pio X", "cidade": "Rio de Janeiro", "uf": "RJ"}, "A cidade do CEP 01310-100"),
        ({"logradouro": "Rua Augusta"}, "A rua do CEP 01310-100 é Avenida Paulista."),
        ({"cep": "69900-000"}, "Não encontramos o CEP 69900-000."),
        ({"bairro": "Bela\x00Vista"}, "Caracteres nulos não são permitidos."),
    ],
)
def test_a_phone_order_whose_address_disagrees_with_its_cep_places_nothing(filled, typed, message):
    response = place(filled, **typed)
    assert response.status_code == 200
    assert message in text(response)
    assert pizzeria_orders() == []


def test_buscar_cep_at_the_counter_is_rate_limited(filled, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (1, 60 * 60)}
    cache.delete_pattern("ratelimit:cep_api:*")
    data = {"key": page_key(filled), **CALLER, "fulfilment": "DELIVERY", "buscar_cep": "1"}
    assert 'value="Avenida Paulista"' in text(staff_post(filled, PAGE, {**data, "cep": "01310100"}))
    html = text(staff_post(filled, PAGE, {**data, "cep": "20040020"}))
    assert "Muitas consultas de CEP. Tente de novo em" in html and "Praça Pio X" not in html
