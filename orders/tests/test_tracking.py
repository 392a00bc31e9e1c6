"""The tracking page's poll (/pedidos/<id>/andamento/): cheap while nothing moved, the owner's timeline
when something did, nothing at all for anyone else; and the cancel form's reason."""

import re

import pytest
from django.test import Client

from conftest import post
from orders import repositories
from orders.statuses import Actor, Status

from . import test_checkout
from .test_checkout import accepted, checkout_key, orders_of, submit

pytestmark = pytest.mark.django_db
client = test_checkout.client  # signed in as ``customer``
filled = test_checkout.filled  # with a cart, the shop open


@pytest.fixture
def tracked(filled, customer):
    """A placed card order and the version its tracking page was rendered with."""
    location = submit(filled, checkout_key(filled), payment="CREDIT_CARD")["Location"]
    page = filled.get(location).content.decode()
    version = re.search(r'data-version="(\d+)"', page).group(1)
    return orders_of(customer)[0], location + "andamento/", version


def test_nothing_moved_answers_204_from_redis_alone(filled, tracked, nosql_store, redis_commands):
    _order, url, version = tracked
    filled.get(url + f"?versao={version}")  # the session is loaded once, as on every request
    nosql_store.stats.reset()
    response = filled.get(url + f"?versao={version}")
    assert response.status_code == 204 and response.content == b""
    # One read: the customer's own row, which every signed-in request checks; no order is read.
    assert nosql_store.stats.total == 1


def test_a_move_brings_the_timeline_and_what_the_script_needs(filled, tracked):
    order, url, version = tracked
    accepted(order)
    response = filled.get(url + f"?versao={version}")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="order-status">Pedido recebido<' in html
    assert int(response["X-Orders-Version"]) > int(version)
    assert response["X-Order-Status"] == "RECEIVED" and response["X-Order-Final"] == "0"
    assert response["X-Order-Can-Cancel"] == "1"
    assert "<html" not in html, "a fragment, not a page"


def test_another_customers_poll_learns_nothing(tracked, make_customer):
    from conftest import client_login

    _order, url, _version = tracked
    stranger = Client(enforce_csrf_checks=True)
    client_login(stranger, make_customer("outro@example.com", verified=True).id)
    assert stranger.get(url + "?versao=stale").status_code == 404
    assert Client().get(url).status_code == 302  # signed out: to the login page


def test_a_forged_guest_link_polls_nothing(client):
    assert client.get("/pedido/acompanhar/forjado/andamento/?versao=0").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Conte por que você quer cancelar o pedido."),
        ({"reason": "qualquer"}, "Escolha um dos motivos da lista."),
    ],
)
def test_cancelling_without_a_reason_cancels_nothing(filled, tracked, customer, data, message):
    order, _url, _version = tracked
    page = post(filled, f"/pedidos/{order.order_id}/cancelar/", data, follow=True).content.decode()
    assert message in page
    assert orders_of(customer)[0].status == Status.PLACED


def test_the_reason_and_its_detail_reach_the_audit_trail(filled, tracked, customer):
    order, _url, _version = tracked
    post(filled, f"/pedidos/{order.order_id}/cancelar/", {"reason": "demora", "detail": "  uma hora  já "})
    [stored] = orders_of(customer)
    assert stored.status == Status.CANCELED
    assert stored.history[-1].reason == "Está demorando demais: uma hora já"
    assert stored.history[-1].by == "cliente" and Actor.CUSTOMER
    assert repositories.order_get(customer_id=customer.id, order_id=order.order_id).cancel_reason


def test_a_guest_link_polls_its_own_order(shop, open_now):
    from . import test_guest_checkout as guest

    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/")
    test_checkout.add(visitor, "calabresa", size="grande", quantity=2, half="peperone")
    location = guest.submit(visitor)["Location"]
    page = Client().get(location).content.decode()  # the e-mailed link, in another browser
    version = re.search(r'data-version="(\d+)"', page).group(1)
    url = location + "andamento/"
    assert Client().get(url + f"?versao={version}").status_code == 204
    [order] = guest.guest_orders()
    accepted(order)
    response = Client().get(url + f"?versao={version}")
    assert response.status_code == 200 and response["X-Order-Status"] == "RECEIVED"
    # A link with one character changed is no link: nothing, not even a 204.
    tampered = location.rstrip("/")[:-1] + ("A" if not location.rstrip("/").endswith("A") else "B")
    assert Client().get(tampered + f"/andamento/?versao={response['X-Orders-Version']}").status_code == 404
