"""Order placement limits from the pizzeria profile: open orders and orders per hour per customer, and
the value above which only PIX is accepted (issue 16, item 5)."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import brl, pizzeria_document
from ocipizza.pizzeria.services import pizzeria_save
from orders import services
from orders.tests.conftest import OPEN_TIME, cart_of, log_in
from orders.tests.test_checkout import TOTAL, add, checkout_key, orders_of, submit


@pytest.fixture
def client(client, customer):
    return log_in(client, customer.email)


@pytest.fixture
def filled(client, open_now):
    add(client, "calabresa", size="grande", quantity=2, half="peperone")
    add(client, "refrigerante-2l")
    return client


def limits(**values):
    """Save the shipped profile with these limits (the rest as shipped)."""
    return pizzeria_save(document={**pizzeria_document(), **values})


def place(client):
    add(client, "calabresa", size="grande")
    return submit(client, checkout_key(client))


def test_the_open_orders_cap_refuses_the_next_order_and_keeps_the_cart(client, customer, open_now):
    assert "max_open_orders" not in pizzeria_document()  # the shipped file relies on the default: 3
    for _ in range(3):
        assert place(client).status_code == 302  # PIX orders, awaiting payment: open
    response = place(client)
    assert response.status_code == 200
    assert "Você já tem 3 pedidos em andamento." in response.content.decode()
    assert "Seu carrinho continua guardado." in response.content.decode()
    assert len(orders_of(customer)) == 3
    assert [line["item"] for line in cart_of(client)] == ["calabresa"]
    # Once one of them is over (here canceled by the customer) the next order goes through.
    services.order_cancel_by_customer(
        customer_id=customer.id, order_id=orders_of(customer)[0].order_id, now=OPEN_TIME
    )
    assert submit(client, checkout_key(client)).status_code == 302
    assert len(orders_of(customer)) == 4


def test_the_hourly_cap_counts_finished_orders_too(client, customer, open_now, monkeypatch):
    limits(max_open_orders=20, max_orders_per_hour=2)
    for _ in range(2):
        assert place(client).status_code == 302
    for order in orders_of(customer):
        services.order_cancel_by_customer(customer_id=customer.id, order_id=order.order_id, now=OPEN_TIME)
    response = place(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Você já fez 2 pedidos na última hora, o limite da pizzaria." in html
    assert "a partir das 21:00" in html  # OPEN_TIME is 20:00 in São Paulo
    assert len(orders_of(customer)) == 2 and cart_of(client)
    from orders import views

    monkeypatch.setattr(views, "clock", lambda: OPEN_TIME + dt.timedelta(hours=1, minutes=1))
    assert submit(client, checkout_key(client)).status_code == 302


def test_above_the_pix_only_value_cash_and_card_are_refused(filled, customer):
    limits(pix_only_above=str(TOTAL - Decimal("0.01")))
    for payment in ("CASH", "CREDIT_CARD", "DEBIT_CARD"):
        response = submit(filled, checkout_key(filled), payment=payment)
        assert response.status_code == 200
        message = f"Pedidos acima de {brl(TOTAL - Decimal('0.01'), ' ')} são pagos só por PIX."
        assert message in response.content.decode()
    assert orders_of(customer) == [] and len(cart_of(filled)) == 2
    assert submit(filled, checkout_key(filled), payment="PIX").status_code == 302
    assert len(orders_of(customer)) == 1


def test_an_order_of_exactly_the_pix_only_value_may_be_paid_in_cash(filled, customer):
    limits(pix_only_above=str(TOTAL))
    assert submit(filled, checkout_key(filled), payment="CASH").status_code == 302


def test_placing_an_order_is_one_read_of_recent_orders_and_one_write(filled, customer, nosql_store):
    key = checkout_key(filled)
    nosql_store.stats.reset()
    assert submit(filled, key, payment="CASH").status_code == 302
    order_calls = {k: n for k, n in nosql_store.stats.by_table.items() if k[1] in ("user", "user.order")}
    # The caps cost one query on the customer's shard; the order is still one atomic write.
    assert order_calls.get(("query", "user.order")) == 1
    assert order_calls.get(("write_many", "user")) == 1
    # Besides it only the account's row, once, as the ordered lines leave the customer's cart.
    others = {k: n for k, n in order_calls.items() if k[0] in ("put", "delete")}
    assert others == {("put", "user"): 1}


def test_a_replay_at_the_cap_lands_on_the_order_it_placed(filled, customer, nosql_store):
    limits(max_open_orders=1)
    key = checkout_key(filled)
    data = {"payment": "CASH"}
    first = submit(filled, key, **data)
    # The second submit of the same form (cart not yet cleared in that tab) is the same order, not a refusal.
    add(filled, "calabresa")
    again = submit(filled, key, **data)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert len(orders_of(customer)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_open_orders": 0}, "max_open_orders"),
        ({"max_open_orders": 21}, "max_open_orders"),
        ({"max_open_orders": "3"}, "max_open_orders"),
        ({"max_orders_per_hour": True}, "max_orders_per_hour"),
        ({"max_orders_per_hour": -1}, "max_orders_per_hour"),
        ({"pix_only_above": "muito"}, "pix_only_above"),
        ({"pix_only_above": "-1.00"}, "pix_only_above"),
        ({"pix_only_above": "1.001"}, "pix_only_above"),
    ],
)
def test_bad_limits_in_the_profile_are_refused_with_the_field_named(change, field):
    from ocipizza.pizzeria.profile import ProfileError, profile_from_dict

    with pytest.raises(ProfileError) as refused:
        profile_from_dict({**pizzeria_document(), **change})
    assert refused.value.field == field and refused.value.text


def test_a_profile_without_limits_gets_the_defaults():
    from ocipizza.pizzeria.profile import profile_from_dict

    document = {k: v for k, v in pizzeria_document().items() if not k.startswith(("max_", "pix_only"))}
    pizzeria = profile_from_dict(document)
    assert (pizzeria.max_open_orders, pizzeria.max_orders_per_hour) == (3, 5)
    assert pizzeria.pix_only_above == Decimal("300.00")
    edited = profile_from_dict({**document, "max_open_orders": 5, "pix_only_above": "150"})
    assert edited.max_open_orders == 5 and edited.pix_only_above == Decimal("150.00")
