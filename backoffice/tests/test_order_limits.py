"""Order placement limits (issue 16, item 5) in the back office: the profile page shows and edits them,
and the pizzeria's own phone and counter orders are exempt from the per-customer caps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice import roles
from backoffice.counter import views as counter_views
from backoffice.tests.test_counter import add, pizzeria_orders, place
from backoffice.tests.test_profile import PAGE, field_error, form_of
from conftest import pizzeria_document
from ocipizza.pizzeria.selectors import pizzeria_get
from ocipizza.pizzeria.services import pizzeria_save
from orders.tests.conftest import OPEN_TIME

from .conftest import staff_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]


@pytest.fixture
def manager(staff_login):
    return staff_login(roles.MANAGER)


def test_the_profile_page_shows_and_saves_the_order_limits(manager):
    data = form_of(manager.get(PAGE))
    assert (data["rules-max_open_orders"], data["rules-max_orders_per_hour"]) == ("3", "5")
    assert data["rules-pix_only_above"] == "300,00"
    data.update(
        {"rules-max_open_orders": "2", "rules-max_orders_per_hour": "4", "rules-pix_only_above": "150,50"}
    )
    response = staff_post(manager, PAGE, data)
    assert response.status_code == 302
    pizzeria = pizzeria_get()
    assert (pizzeria.max_open_orders, pizzeria.max_orders_per_hour) == (2, 4)
    assert pizzeria.pix_only_above == Decimal("150.50")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rules-max_open_orders", "0", "Informe um número inteiro de 1 a 20."),
        ("rules-max_orders_per_hour", "99", "Informe um número inteiro de 1 a 20."),
        ("rules-max_orders_per_hour", "muitos", "Informe um número inteiro de 1 a 20."),
        ("rules-pix_only_above", "caro", "Informe um valor como 300,00."),
    ],
)
def test_a_bad_limit_is_named_next_to_its_field_and_nothing_is_saved(manager, field, value, message):
    before = pizzeria_get()
    data = form_of(manager.get(PAGE))
    data[field] = value
    response = staff_post(manager, PAGE, data)
    assert response.status_code == 400
    assert message in field_error(response, f"id_{field}")
    assert pizzeria_get() == before


def test_phone_orders_ignore_the_customer_caps_and_the_pix_only_value(staff_login, monkeypatch):
    monkeypatch.setattr(counter_views, "clock", lambda: OPEN_TIME)
    pizzeria_save(
        document={
            **pizzeria_document(),
            "max_open_orders": 1,
            "max_orders_per_hour": 1,
            "pix_only_above": "0",
        }
    )
    staff = staff_login(roles.MANAGER, name="Ana Lima")
    for _ in range(3):
        add(staff, "calabresa", size="grande")
        assert place(staff, payment="CASH").status_code == 302
    assert len(pizzeria_orders()) == 3
