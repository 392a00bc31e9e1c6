"""Issue 16, items 4 and 6 at checkout: the delivery address agrees with its CEP before a fee is priced
from it, saved addresses included, and the page's CEP lookups share the API's rate limit."""

from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache

from accounts.entities import Address
from accounts.services import customer_address_save
from conftest import pizzeria_document, post
from locations.tests.conftest import cep_db, cep_sources  # noqa: F401  (fixtures)
from ocipizza.pizzeria.services import pizzeria_save
from orders.tests import test_checkout
from orders.tests.test_checkout import checkout_key, orders_of, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cep_db")]

# The checkout tests' fixtures: the customer signed in, a cart at an open hour.
client = test_checkout.client
filled = test_checkout.filled


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # A Centro CEP carrying a Rio de Janeiro address, at the Centro fee.
        (
            {"logradouro": "Praça Pio X", "bairro": "Centro", "cidade": "Rio de Janeiro", "uf": "RJ"},
            "A cidade do CEP",
        ),
        # A far street at the Centro CEP.
        ({"logradouro": "Rua Augusta"}, "A rua do CEP 01310-100 é Avenida Paulista."),
        ({"cep": "69900-000"}, "Não encontramos o CEP 69900-000."),
        ({"logradouro": "Avenida\x00Paulista"}, "Caracteres nulos não são permitidos."),
        ({"cidade": "São Paulo" * 50}, "no máximo 100 caracteres"),
    ],
)
def test_an_address_that_disagrees_with_its_cep_places_nothing(filled, customer, typed, message):
    response = submit(filled, checkout_key(filled), **typed)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert orders_of(customer) == []


def test_the_fee_follows_the_ceps_bairro_not_the_typed_one(filled, customer, shop):
    # A pizzeria priced by bairro: typing a cheaper bairro next to a Bela Vista CEP must not pay less.
    zone = {"eta_minutes": 40, "cep_ranges": []}
    document = {
        **pizzeria_document(),
        "delivery_zones": [
            {
                **zone,
                "name": "Sé",
                "fee": "3.00",
                "neighbourhoods": [{"bairro": "Sé", "cidade": "São Paulo"}],
            },
            {
                **zone,
                "name": "Bela Vista",
                "fee": "7.00",
                "neighbourhoods": [{"bairro": "Bela Vista", "cidade": "São Paulo"}],
            },
        ],
    }
    pizzeria_save(document=document)
    response = submit(filled, checkout_key(filled), bairro="Sé", quoted_fee="7.00")
    assert response.status_code == 302, response.content.decode()
    [order] = orders_of(customer)
    assert (order.zone, order.delivery_fee, order.address["district"]) == (
        "Bela Vista",
        Decimal("7.00"),
        "Bela Vista",
    )


def test_a_saved_address_that_disagrees_with_its_cep_is_refused(filled, customer):
    # Saved before addresses were checked: a Centro CEP with a Rio de Janeiro address.
    saved = Address(
        cep="01310100",
        street="Praça Pio X",
        number="10",
        complement="",
        district="Centro",
        city="Rio de Janeiro",
        state="RJ",
        label="Antigo",
    )
    customer_address_save(customer_id=customer.id, address=saved)
    from accounts.selectors import customer_addresses, customer_get

    [stored] = customer_addresses(customer=customer_get(customer_id=customer.id))
    response = submit(filled, checkout_key(filled), saved_address=stored.id)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Este endereço salvo não confere com o CEP." in html and "Edite-o em Meus endereços." in html
    assert orders_of(customer) == []


def test_buscar_cep_at_checkout_is_rate_limited(filled, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (1, 60 * 60)}
    cache.delete_pattern("ratelimit:cep_api:*")
    key = checkout_key(filled)
    first = post(
        filled,
        "/pedido/finalizar/",
        {"key": key, "fulfilment": "DELIVERY", "cep": "01310100", "buscar_cep": "1"},
    )
    assert 'value="Avenida Paulista"' in first.content.decode()
    second = post(
        filled,
        "/pedido/finalizar/",
        {"key": key, "fulfilment": "DELIVERY", "cep": "20040020", "buscar_cep": "1"},
    )
    html = second.content.decode()
    assert "Muitas consultas de CEP. Tente de novo em" in html and "Praça Pio X" not in html
