"""Deleting an account with orders in progress: the page says what happens to each first; orders not yet in
the kitchen are cancelled (and then anonymised like every order); one in the kitchen holds the deletion
until it is delivered, for the customer and the back office alike."""

import pytest

from accounts.selectors import customer_get
from conftest import CUSTOMER_PASSWORD, post
from orders import repositories
from orders.services import ACCOUNT_DELETED_REASON, order_transition
from orders.statuses import Actor, Status

from . import test_checkout
from .test_checkout import accepted, checkout_key, orders_of, submit

pytestmark = pytest.mark.django_db
client = test_checkout.client
filled = test_checkout.filled


def test_orders_not_in_the_kitchen_are_cancelled_with_the_account(filled, customer):
    submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    [order] = orders_of(customer)
    page = filled.get("/conta/excluir/").content.decode()
    assert (
        f"O pedido {order.code} (Aguardando confirmação da pizzaria) será cancelado ao excluir a conta."
        in page
    )
    response = post(filled, "/conta/excluir/", {"password": CUSTOMER_PASSWORD})
    assert response.status_code == 302 and customer_get(customer_id=customer.id) is None
    stored = repositories.order_get(customer_id=customer.id, order_id=order.order_id)
    assert stored.status == Status.CANCELED and stored.cancel_reason == ACCOUNT_DELETED_REASON
    assert stored.customer == {}, "anonymised after the cancellation"


def test_an_order_in_the_kitchen_holds_the_deletion(filled, customer):
    submit(filled, checkout_key(filled), payment="CREDIT_CARD")
    [order] = orders_of(customer)
    order_transition(order=accepted(order), target=Status.PREPARING, actor=Actor.STAFF, now=order.created_at)
    page = filled.get("/conta/excluir/").content.decode()
    assert f"O pedido {order.code} (Em preparo) já está com a cozinha" in page
    refused = post(filled, "/conta/excluir/", {"password": CUSTOMER_PASSWORD})
    assert refused.status_code == 200
    assert f"Espere a entrega do pedido {order.code} para excluir a conta" in refused.content.decode()
    assert customer_get(customer_id=customer.id) is not None
    kept = repositories.order_get(customer_id=customer.id, order_id=order.order_id)
    assert kept.status == Status.PREPARING and kept.customer["email"] == customer.email
