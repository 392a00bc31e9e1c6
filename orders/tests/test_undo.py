""" "Desfazer" after removing a cart line or deleting a saved address: the button's POST (CSRF) brings
it back once; a used, forged or expired offer brings nothing back and says what to do."""

import re

import pytest

from accounts.entities import Address
from accounts.selectors import customer_get
from accounts.services import customer_address_save
from conftest import post
from ocipizza import undo

from . import test_checkout
from .test_checkout import add

pytestmark = pytest.mark.django_db
client = test_checkout.client  # signed in as ``customer``

ADDRESS = Address(
    cep="01310100",
    street="Avenida Paulista",
    number="1000",
    complement="",
    district="Bela Vista",
    city="São Paulo",
    state="SP",
    label="Casa",
)


def offer(page: str) -> tuple[str, str]:
    """The undo form's action and token on a page."""
    form = re.search(
        r'<form method="post" action="([^"]+)" class="undo-form">.*?name="token" value="([^"]+)"', page
    )
    assert form, "no Desfazer on the page"
    return form.group(1), form.group(2)


def addresses(customer) -> tuple:
    return customer_get(customer_id=customer.id).addresses


def cart_items(client) -> list[str]:
    return re.findall(r'action="/carrinho/(\w+)/remover/"', client.get("/carrinho/").content.decode())


def remove_first_line(client) -> str:
    [line] = cart_items(client)
    return post(client, f"/carrinho/{line}/remover/", follow=True).content.decode()


def test_a_removed_line_comes_back_once(client, customer):
    add(client, "refrigerante-2l", quantity=2)
    page = remove_first_line(client)
    assert "Item retirado do carrinho." in page and cart_items(client) == []
    action, token = offer(page)
    assert action == "/carrinho/desfazer/"
    back = post(client, action, {"token": token}, follow=True).content.decode()
    assert "O item voltou para o carrinho." in back and len(cart_items(client)) == 1
    again = post(client, action, {"token": token}, follow=True).content.decode()
    assert "Adicione-o de novo pelo cardápio." in again and len(cart_items(client)) == 1


def test_a_forged_or_expired_offer_brings_nothing_back(client, customer, monkeypatch):
    add(client, "refrigerante-2l")
    action, token = offer(remove_first_line(client))
    forged = post(client, action, {"token": token + "x"}, follow=True).content.decode()
    assert "Não dá mais para desfazer" in forged and cart_items(client) == []
    monkeypatch.setattr(undo, "UNDO_SECONDS", -1)
    assert "Não dá mais para desfazer" in post(client, action, {"token": token}, follow=True).content.decode()
    assert cart_items(client) == []


def test_the_undo_needs_csrf(client, customer):
    from django.test import Client

    add(client, "refrigerante-2l")
    action, token = offer(remove_first_line(client))
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = client.cookies  # the same session, without the form's token
    assert forged.post(action, {"token": token}).status_code == 403
    assert cart_items(client) == []


def test_a_deleted_address_comes_back(client, customer):
    saved = customer_address_save(customer_id=customer.id, address=ADDRESS)
    page = post(client, f"/conta/enderecos/{saved.id}/excluir/", follow=True).content.decode()
    assert "Endereço excluído." in page and addresses(customer) == ()
    action, token = offer(page)
    assert action == "/conta/enderecos/desfazer/"
    back = post(client, action, {"token": token}, follow=True).content.decode()
    assert "Endereço recuperado." in back
    [restored] = addresses(customer)
    assert (restored.street, restored.number, restored.label) == (ADDRESS.street, ADDRESS.number, "Casa")
    # An offer of one kind cannot be spent on the other.
    add(client, "refrigerante-2l")
    _action, cart_token = offer(remove_first_line(client))
    wrong = post(client, "/conta/enderecos/desfazer/", {"token": cart_token}, follow=True).content.decode()
    assert "Cadastre-o de novo em Adicionar endereço." in wrong
    assert len(addresses(customer)) == 1
