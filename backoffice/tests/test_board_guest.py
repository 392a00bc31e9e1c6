"""Orders placed without an account reach the orders board like any other, with the guest's name and phone."""

import pytest

from backoffice import roles
from orders import guests, repositories
from orders.statuses import Status
from orders.tests.test_checkout import add
from orders.tests.test_guest_checkout import GUEST, submit

from .test_board import BOARD, board_now, card_html, column_of, move, version_field  # noqa: F401

pytestmark = pytest.mark.usefixtures("board_now")


@pytest.fixture
def guest_order(client, shop, open_now):
    client.get("/")
    add(client, "calabresa", size="grande", quantity=2)
    assert submit(client, payment="CREDIT_CARD").status_code == 302
    [order] = repositories.orders_of(customer_id=guests.guest_id(GUEST["email"]))
    return order


def test_a_guest_order_is_on_the_board_with_the_guests_name_and_phone(guest_order, staff_login):
    staff = staff_login(roles.KITCHEN)
    page = staff.get(BOARD).content.decode()
    assert column_of(page, guest_order.code) == "novos"
    card = card_html(page, guest_order.code)
    assert 'data-testid="card-guest"' in card and "Sem cadastro" in card
    assert "Ana Lima" in card and "(21) 99876-5432" in card and "tel:" in card, card
    detail = staff.get(f"/gestao/pedidos/{guest_order.code}/").content.decode()
    assert "Ana Lima" in detail


def test_the_staff_move_a_guest_order_and_the_guest_sees_it(guest_order, staff_login, client):
    staff = staff_login(roles.KITCHEN)
    page = staff.get(BOARD).content.decode()
    response = move(staff, guest_order.code, "RECEIVED", version_field(page, guest_order.code))
    assert response.status_code == 302
    [order] = repositories.orders_of(customer_id=guests.guest_id(GUEST["email"]))
    assert order.status == Status.RECEIVED
    tracking = client.get(guests.guest_link_path(order)).content.decode()
    assert 'data-testid="order-status">Pedido recebido<' in tracking
