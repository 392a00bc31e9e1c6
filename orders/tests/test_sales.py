"""Per-day sales totals: the pure deltas, the hooks in the order services, concurrency and rebuilds."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders import repositories
from orders.entities import Payment
from orders.sales import repositories as sales_repositories
from orders.sales.services import sales_day_add, sales_rebuild, sales_timezone
from orders.sales.totals import (
    key,
    order_change_deltas,
    order_contribution,
    totals_add,
    totals_from_json,
    totals_to_json,
)
from orders.services import order_transition, orders_anonymise
from orders.statuses import Actor, Fulfilment, Status

from .sales_orders import build_order, store_order

SP = ZoneInfo("America/Sao_Paulo")
EVENING = dt.datetime(2026, 11, 24, 20, 0, tzinfo=SP)
DAY = EVENING.date()


@pytest.fixture
def pizza(menu_data):
    return menu_data.pizzas[0]


def test_a_placed_card_order_adds_its_total_items_hour_and_method(menu_data, pizza):
    order = build_order(
        menu_data,
        at=EVENING,
        lines=[(pizza, "grande", 2)],
        fee=Decimal("7.00"),
        fulfilment=Fulfilment.DELIVERY,
    )
    price = menu_data.price(pizza, "grande")
    [(day, delta)] = order_change_deltas(before=None, after=order, timezone=SP).items()
    assert day == DAY
    assert delta[key("revenue", "value")] == 2 * price + Decimal("7.00")
    assert delta[key("revenue", "orders")] == 1 and delta[key("all", "orders")] == 1
    assert delta[key("payment", "value", Payment.CREDIT_CARD)] == order.total
    assert delta[key("fulfilment", "orders", "DELIVERY")] == 1
    assert delta[key("hour", "orders", "20")] == 1
    assert delta[key("item", "quantity", f"{menu_data.name(pizza)} (Grande)")] == 2


def test_accepting_a_card_order_moves_no_figure_but_confirming_pix_does(menu_data, pizza):
    card = build_order(menu_data, at=EVENING, lines=[(pizza, None, 1)])
    accepted = replace(card, status=Status.RECEIVED)
    assert order_change_deltas(before=card, after=accepted, timezone=SP) == {}

    pix = build_order(
        menu_data, at=EVENING, lines=[(pizza, None, 1)], payment=Payment.PIX, status=Status.AWAITING_PAYMENT
    )
    assert key("pending", "value") in order_contribution(pix, timezone=SP)
    assert key("revenue", "value") not in order_contribution(pix, timezone=SP)
    confirmed = build_order(
        menu_data, at=EVENING, lines=[(pizza, None, 1)], payment=Payment.PIX, status=Status.RECEIVED
    )
    delta = order_change_deltas(before=pix, after=replace(confirmed, order_id=pix.order_id), timezone=SP)[DAY]
    assert delta[key("pending", "orders")] == -1 and delta[key("pending", "value")] == -pix.total
    assert delta[key("revenue", "value")] == pix.total
    assert delta[key("pix", "value", "confirmed")] == pix.total
    assert key("all", "orders") not in delta  # still the same one order


def test_canceling_takes_the_order_out_of_revenue_and_counts_its_reason(menu_data, pizza):
    placed = build_order(menu_data, at=EVENING, lines=[(pizza, None, 1)], payment=Payment.CASH)
    canceled = build_order(
        menu_data,
        at=EVENING,
        lines=[(pizza, None, 1)],
        payment=Payment.CASH,
        status=Status.CANCELED,
        reason="Sem entregador",
    )
    delta = order_change_deltas(before=placed, after=canceled, timezone=SP)[DAY]
    assert delta[key("revenue", "value")] == -placed.total
    assert delta[key("cash", "value")] == -placed.total
    assert delta[key("canceled", "orders")] == 1
    assert delta[key("reason", "orders", "Sem entregador")] == 1
    assert delta[key("canceled_by", "orders", "staff")] == 1


def test_an_order_after_midnight_belongs_to_the_evening_before(menu_data, pizza):
    late = build_order(menu_data, at=EVENING.replace(hour=1) + dt.timedelta(days=1), lines=[(pizza, None, 1)])
    assert list(order_change_deltas(before=None, after=late, timezone=SP)) == [DAY]


def test_zeros_disappear_and_money_round_trips_exactly():
    totals = totals_add({"a/b/": 1, "a/value/": Decimal("10.10")}, {"a/b/": -1, "a/value/": Decimal("0.20")})
    assert totals == {"a/value/": Decimal("10.30")}
    assert totals_from_json(totals_to_json(totals)) == totals


def stored_totals():
    return sales_repositories.sales_day_get(DAY).totals


def test_services_keep_the_day_up_to_date_through_moves_cancel_and_anonymisation(
    shop, menu_data, pizza, make_customer
):
    customer = make_customer("joao@example.com", verified=True, name="João")
    card = store_order(
        build_order(menu_data, at=EVENING, lines=[(pizza, "grande", 1)], customer_id=customer.id)
    )
    pix = store_order(
        build_order(
            menu_data,
            at=EVENING,
            lines=[(pizza, None, 2)],
            payment=Payment.PIX,
            status=Status.AWAITING_PAYMENT,
            customer_id=customer.id,
        )
    )
    assert stored_totals()[key("revenue", "value")] == card.total
    assert stored_totals()[key("pending", "value")] == pix.total

    pix = order_transition(order=pix, target=Status.RECEIVED, actor=Actor.STAFF, now=EVENING, by="Ana")
    totals = stored_totals()
    assert totals[key("revenue", "value")] == card.total + pix.total
    assert key("pending", "value") not in totals

    order_transition(
        order=repositories.order_get(customer_id=customer.id, order_id=card.order_id),
        target=Status.CANCELED,
        actor=Actor.STAFF,
        now=EVENING,
        by="Ana",
        reason="Cliente desistiu",
    )
    totals = stored_totals()
    assert totals[key("revenue", "value")] == pix.total
    assert totals[key("reason", "orders", "Cliente desistiu")] == 1

    before = stored_totals()
    assert orders_anonymise(customer=customer) == 2
    assert stored_totals() == before  # the books keep every figure after an account is deleted


def test_two_threads_adding_to_one_day_lose_nothing(nosql_store):
    rounds = 25
    barrier = threading.Barrier(2)
    errors = []

    def worker(label):
        try:
            barrier.wait()
            for _ in range(rounds):
                sales_day_add(
                    day=DAY,
                    delta={key("all", "orders"): 1, key("x", "value", label): Decimal("0.10")},
                    now=EVENING,
                )
        except Exception as e:  # pragma: no cover - shown by the assert below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(label,)) for label in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    totals = stored_totals()
    assert totals[key("all", "orders")] == 2 * rounds
    assert totals[key("x", "value", "a")] == totals[key("x", "value", "b")] == Decimal("0.10") * rounds


def test_rebuild_equals_incremental_and_mends_a_lost_delta(shop, menu_data, pizza):
    next_day = EVENING + dt.timedelta(days=1)
    for at, payment, status in [
        (EVENING, Payment.CASH, Status.DELIVERED),
        (EVENING, Payment.PIX, Status.AWAITING_PAYMENT),
        (EVENING, Payment.PIX, Status.CANCELED),
        (next_day, Payment.DEBIT_CARD, Status.PREPARING),
    ]:
        store_order(
            build_order(
                menu_data,
                at=at,
                lines=[(pizza, None, 1)],
                payment=payment,
                status=status,
                change_for=Decimal("100.00") if payment == Payment.CASH else None,
            )
        )
    incremental = stored_totals()
    done = sales_rebuild(first=DAY, last=next_day.date(), now=next_day)
    assert [(d.day, d.orders, d.changed) for d in done] == [(DAY, 3, False), (next_day.date(), 1, False)]
    assert stored_totals() == incremental

    # A worker died between an order's write and its day's: the day misses that order until a rebuild.
    lost = store_order(build_order(menu_data, at=EVENING, lines=[(pizza, None, 3)]), count=False)
    assert stored_totals() == incremental
    [dry] = sales_rebuild(first=DAY, last=DAY, now=next_day, dry_run=True)
    assert dry.changed and stored_totals() == incremental
    sales_rebuild(first=None, last=next_day.date(), now=next_day)
    assert stored_totals() == totals_add(incremental, order_contribution(lost, timezone=sales_timezone()))


def test_on_oracle_nosql_days_add_up_and_a_month_is_one_query(oracle_store, menu_data, pizza):
    """The same rows through borneo and the Oracle NoSQL emulator: SHARD(month) key, range on the day."""
    first = store_order(build_order(menu_data, at=EVENING, lines=[(pizza, None, 2)]))
    second = store_order(build_order(menu_data, at=EVENING + dt.timedelta(days=1), lines=[(pizza, None, 1)]))
    oracle_store.stats.reset()
    days = sales_repositories.sales_days_between(DAY.replace(day=1), DAY.replace(day=30))
    assert oracle_store.stats.calls["query"] == 1
    assert [(d.day, d.totals[key("revenue", "value")]) for d in days] == [
        (DAY, first.total),
        (DAY + dt.timedelta(days=1), second.total),
    ]
    [rebuilt] = sales_rebuild(first=DAY, last=DAY, now=EVENING)
    assert (rebuilt.orders, rebuilt.changed) == (1, False)
