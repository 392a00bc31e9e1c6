"""Status e-mails end to end: the staff move an order on the board, send_outbox sends what the move
queued, and the customer reads the news (and the ETA, and a cancellation's reason) in the real SMTP
server's inbox. Also the PIX deadline: an unpaid order is cancelled by the sender's round, with an e-mail."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from backoffice import roles
from backoffice.board import views as board_views
from conftest import brl
from orders import repositories
from orders.expiry import pix_expires_at
from orders.statuses import Status

from . import test_board
from .test_board import BOARD, board_now, move, shopper, version_field  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
place = pytest.fixture(test_board.place.__wrapped__, name="place")


def inbox(smtp_server, order):
    """The e-mails about ``order`` so far, as (subject, plain-text body)."""
    call_command("send_outbox", stdout=StringIO())
    return [
        (m["Subject"], m.get_body(preferencelist=("plain",)).get_content())
        for m in smtp_server.messages
        if order.code in m["Subject"]
    ]


def stored(order):
    return repositories.order_get(customer_id=order.customer_id, order_id=order.order_id)


def hhmm(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def test_every_move_the_customer_cares_about_reaches_the_inbox(place, staff_login, smtp_server, monkeypatch):
    order = place(payment="PIX")
    placed = len(inbox(smtp_server, order))  # the "pedido feito" e-mail
    staff = staff_login(roles.KITCHEN)
    paid_at = order.created_at + dt.timedelta(minutes=12)
    monkeypatch.setattr(board_views, "now", lambda: paid_at)

    def step(target, **extra):
        version = version_field(staff.get(BOARD).content.decode(), order.code)
        assert move(staff, order.code, target, version, **extra).status_code == 302
        return inbox(smtp_server, order)

    mails = step("RECEIVED")  # the PIX payment seen
    subject, body = mails[-1]
    assert len(mails) == placed + 1 and "confirmado" in subject
    # The promise counts from the payment, not from the placement.
    expected_eta = paid_at + (order.eta_at - order.created_at)
    assert stored(order).eta_at == expected_eta and hhmm(expected_eta) != hhmm(order.eta_at)
    assert f"Previsão: por volta das {hhmm(expected_eta)}." in body
    assert f"Recebemos o pagamento PIX de {brl(order.total, ' ')}." in body
    assert f"/pedidos/{order.order_id}/" in body

    step("PREPARING")
    subject, body = step("OUT_FOR_DELIVERY")[-1]
    assert "saiu para entrega" in body and order.code in subject
    subject, body = step("DELIVERED")[-1]
    assert "entregue" in (subject + body).lower()
    subjects = [s for s, _b in inbox(smtp_server, order)]
    assert len(subjects) == len(set(subjects)), "one e-mail per move"


def test_a_cancellation_by_the_pizzeria_tells_the_reason(place, staff_login, smtp_server):
    order = place()
    inbox(smtp_server, order)
    staff = staff_login(roles.KITCHEN)
    version = version_field(staff.get(BOARD).content.decode(), order.code)
    move(staff, order.code, "CANCELED", version, reason="Acabou o gás do forno, desculpe!")
    subject, body = inbox(smtp_server, order)[-1]
    assert "cancelado" in subject and "Motivo: Acabou o gás do forno, desculpe!" in body


def test_an_unpaid_pix_order_expires_with_an_email(place, smtp_server, settings, monkeypatch):
    from orders import expiry

    order = place(payment="PIX")
    inbox(smtp_server, order)
    deadline = pix_expires_at(order)
    monkeypatch.setattr(expiry.timezone, "now", lambda: deadline - dt.timedelta(seconds=1))
    inbox(smtp_server, order)
    assert stored(order).status == Status.AWAITING_PAYMENT, "still inside the deadline"
    monkeypatch.setattr(expiry.timezone, "now", lambda: deadline)
    subject, body = inbox(smtp_server, order)[-1]
    canceled = stored(order)
    assert canceled.status == Status.CANCELED
    reason = f"o pagamento PIX não chegou em {settings.ORDER_PIX_MINUTES} minutos"
    assert canceled.cancel_reason == reason
    assert "cancelado" in subject and f"Motivo: {reason}" in body


def test_the_expiry_command_lists_then_cancels(place, monkeypatch):
    from orders import expiry

    order = place(payment="PIX")
    card = place(payment="CREDIT_CARD")
    monkeypatch.setattr(expiry.timezone, "now", lambda: pix_expires_at(order) + dt.timedelta(minutes=1))
    out = StringIO()
    call_command("orders_expire_pix", "--dry-run", stdout=out)
    assert f"order {order.code}: PIX expired" in out.getvalue() and card.code not in out.getvalue()
    assert stored(order).status == Status.AWAITING_PAYMENT
    out = StringIO()
    call_command("orders_expire_pix", stdout=out)
    assert "1 expired PIX order(s) cancelled." in out.getvalue()
    assert stored(order).status == Status.CANCELED and stored(card).status == Status.PLACED


def test_a_pickup_order_says_it_is_ready(place, staff_login, smtp_server):
    order = place(payment="CREDIT_CARD", fulfilment="PICKUP")
    inbox(smtp_server, order)
    staff = staff_login(roles.KITCHEN)
    for target in ("RECEIVED", "PREPARING", "READY_FOR_PICKUP"):
        version = version_field(staff.get(BOARD).content.decode(), order.code)
        assert move(staff, order.code, target, version).status_code == 302
    subject, body = inbox(smtp_server, order)[-1]
    assert stored(order).status == Status.READY_FOR_PICKUP
    assert order.code in subject and "pronto" in (subject + body).lower()
