"""The pizzeria profile in Chromium: a manager, in a browser without JavaScript, closes the shop today for
a holiday, previews it (nothing saved: customers still see the shop open), saves it, and a customer's
phone reads "Hoje estamos fechados: Natal." on the menu; then the manager reopens by removing the day.

The browser's clock cannot be set, so "today" is the server's date in the pizzeria's time zone.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backoffice import roles
from ocipizza.formatting import weekday_and_time
from ocipizza.pizzeria.selectors import pizzeria_get
from tests.test_browser_backoffice import PHONE, shot
from tests.test_browser_order import always_open  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("always_open")]
NOTE = "Natal"


@pytest.fixture
def manager_page(staff_page):
    """A desk-sized context without JavaScript, signed in as a manager (password, then the code)."""
    return staff_page(
        "gerente@pizzaria.example", role=roles.MANAGER, name="Paula Gerente", java_script_enabled=False
    )


def test_a_manager_closes_the_shop_for_a_holiday_and_the_menu_says_so(contexts, manager_page, live_server):
    base = live_server.url
    today = timezone.now().astimezone(pizzeria_get().tz).date()
    customer = contexts.page(viewport=PHONE, is_mobile=True, has_touch=True)
    customer.goto(base + "/")
    expect(customer.locator(".banner-closed")).to_have_count(0)  # open around the clock

    page = manager_page
    page.get_by_role("navigation").get_by_role("link", name="Pizzaria").click()
    expect(page.get_by_role("heading", name="Perfil da pizzaria")).to_be_visible()
    expect(page.locator("[data-testid=current]")).to_contain_text("Aberto agora")
    row = page.locator("[data-testid=special-day]").filter(has_text="Novo dia especial").first
    row.get_by_label("Data").fill(today.isoformat())
    row.get_by_label("Fechado o dia todo").check()
    row.get_by_label("Aviso aos clientes").fill(NOTE)

    # The preview tells what the typed day does, and saves nothing.
    page.get_by_role("button", name="Pré-visualizar").click()
    expect(page.locator("[data-testid=preview]")).to_contain_text(f"Fechado hoje (dia especial: {NOTE})")
    shot(page, "profile-preview")
    customer.reload()
    expect(customer.locator(".banner-closed")).to_have_count(0)

    # Saving closes the shop: the customer's next page names the holiday and the next opening.
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator(".bo-message-success")).to_contain_text("Perfil salvo")
    expect(page.locator("[data-testid=current]")).to_contain_text(f"Fechado hoje (dia especial: {NOTE})")
    shot(page, "profile-saved")
    pizzeria = pizzeria_get()
    opening = pizzeria.next_opening(timezone.now())
    assert opening is not None and opening.date() > today
    customer.reload()
    banner = customer.locator(".banner-closed")
    expect(banner).to_contain_text(f"Hoje estamos fechados: {NOTE}.")
    expect(banner).to_contain_text(f"Abrimos {weekday_and_time(opening)}")
    shot(customer, "profile-menu-holiday")

    # Removing the day opens the shop again.
    saved = page.locator("[data-testid=special-day]").filter(has=page.locator(f"input[value='{NOTE}']"))
    saved.get_by_label("Remover este dia").check()
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("[data-testid=current]")).to_contain_text("Aberto agora")
    customer.reload()
    expect(customer.locator(".banner-closed")).to_have_count(0)


def test_a_mistyped_fee_is_shown_next_to_its_field_and_nothing_changes(contexts, manager_page, live_server):
    page = manager_page
    page.goto(live_server.url + "/gestao/pizzaria/")
    zone = page.locator("[data-testid=zone]").first
    before = zone.get_by_label("Taxa de entrega (R$)").input_value()
    zone.get_by_label("Taxa de entrega (R$)").fill("cinco")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("[data-testid=form-errors]")).to_contain_text("Nada foi salvo")
    expect(zone.locator(".bo-field-error")).to_have_text("Informe um valor como 5,00.")
    shot(page, "profile-error")
    page.goto(live_server.url + "/gestao/pizzaria/")
    expect(page.locator("[data-testid=zone]").first.get_by_label("Taxa de entrega (R$)")).to_have_value(
        before
    )
