"""Pausing the shop and selling out items and sizes from /gestao/disponibilidade/, as the staff do it,
and what customers see on their next page."""

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from backoffice import roles
from backoffice.availability import views as availability_views
from conftest import post
from menu import repositories as menu_rows
from menu import views as menu_views
from ocipizza.pizzeria import repositories as pizzeria_rows
from ocipizza.pizzeria.services import PAUSE_REASON_MAX, pizzeria_pause
from orders.tests.conftest import OPEN_TIME

from .conftest import staff_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]
PAGE = "/gestao/disponibilidade/"
PAUSE = PAGE + "pausar/"
RESUME = PAGE + "reabrir/"
ITEM = PAGE + "item/"
BOARD = "/gestao/pedidos/"
REASON = "Forno em manutenção"


@pytest.fixture
def evening(monkeypatch):
    """The staff page's and the menu's clocks (nothing else) at a time the pizzeria is open."""
    monkeypatch.setattr(availability_views, "clock", lambda: OPEN_TIME)
    monkeypatch.setattr(menu_views, "clock", lambda: OPEN_TIME)
    return OPEN_TIME


@pytest.fixture(scope="module")
def sizes() -> list[dict]:
    """data/menu/sizes.json, smallest first."""
    return json.loads((settings.MENU_DATA_DIR / "sizes.json").read_text(encoding="utf-8"))["sizes"]


def text(response) -> str:
    return unescape(response.content.decode())


def hhmm(moment: dt.datetime) -> str:
    return moment.astimezone(OPEN_TIME.tzinfo).strftime("%H:%M")


def card(page: str, slug: str) -> str:
    match = re.search(rf'<li class="menu-card[^"]*" data-item="{slug}".*?</li>', page, re.S)
    assert match, f"no card for {slug}"
    return match.group(0)


def stored_state():
    """Everything these pages may change: the pause row and every menu row."""
    return pizzeria_rows.pause_get(), menu_rows.items()


@pytest.mark.parametrize("role", [roles.KITCHEN, roles.MANAGER])
def test_staff_pause_with_a_reason_and_an_end_and_customers_see_it_at_once(
    role, staff_login, client, evening
):
    assert "Loja pausada" not in text(client.get("/"))  # the page is now cached without a pause
    staff = staff_login(role)
    back = hhmm(evening + dt.timedelta(minutes=30))
    page = text(staff_post(staff, PAUSE, {"reason": REASON, "minutes": "30"}, follow=True))
    assert f"Loja pausada até {back}. Depois disso ela reabre sozinha." in page
    assert f"Pausada por {staff.staff_user.get_username()}" in page
    assert f'name="reason" value="{REASON}"' in page  # changing the pause starts from its reason
    banner = f"Loja pausada no momento: {REASON}. Voltamos às {back}."
    assert banner in text(client.get("/"))
    assert banner in text(Client().get("/?categoria=bebida"))
    page = text(staff_post(staff, RESUME, follow=True))
    assert "Loja reaberta: os clientes já podem fazer pedidos." in page and "Recebendo pedidos." in page
    assert "Loja pausada" not in text(client.get("/"))


def test_a_pause_until_a_time_of_day_without_a_reason(staff_login, client, evening):
    staff = staff_login(roles.MANAGER)
    back = hhmm(evening + dt.timedelta(minutes=90))
    staff_post(staff, PAUSE, {"until_time": back})
    assert f"Loja pausada no momento. Voltamos às {back}." in text(client.get("/"))
    assert pizzeria_rows.pause_get().reason == ""


def test_a_pause_without_an_end_lasts_until_someone_reopens(staff_login, client, evening):
    staff = staff_login(roles.KITCHEN)
    page = text(staff_post(staff, PAUSE, {"reason": "", "minutes": ""}, follow=True))
    assert "Loja pausada até alguém reabrir." in page
    assert "Loja pausada no momento. Voltamos em breve." in text(client.get("/"))


def test_the_board_shows_the_pause_and_links_to_the_page(staff_login, evening):
    staff = staff_login(roles.KITCHEN)
    board = text(staff.get(BOARD))
    assert re.search(rf'href="{PAGE}" data-testid="pause-status">Pausar a loja<', board)
    assert f'href="{PAGE}"' in board and ">Disponibilidade</a>" in board  # the navigation entry
    staff_post(staff, PAUSE, {"reason": REASON})  # no end: in force whatever the board's clock says
    status = re.search(r'data-testid="pause-status">([^<]+)<', text(staff.get(BOARD))).group(1)
    assert status.startswith("Loja pausada")


def test_an_expired_pause_opens_the_shop_again_by_itself(staff_login, client, monkeypatch, evening):
    earlier = evening - dt.timedelta(hours=1)
    monkeypatch.setattr(availability_views, "clock", lambda: earlier)
    staff = staff_login(roles.KITCHEN)
    staff_post(staff, PAUSE, {"reason": REASON, "minutes": "30"})
    assert pizzeria_rows.pause_get() is not None  # nobody resumed
    monkeypatch.setattr(availability_views, "clock", lambda: evening)
    assert "Loja pausada" not in text(client.get("/"))
    assert "Recebendo pedidos." in text(staff.get(PAGE))


def test_a_warm_menu_page_of_a_paused_shop_costs_no_store_call(nosql_store, redis_commands, evening):
    pizzeria_pause(reason=REASON, minutes=30, by="Ana", now=evening)
    visitor = Client()
    visitor.get("/")
    nosql_store.stats.reset()
    redis_commands.start()
    assert f"Loja pausada no momento: {REASON}." in text(visitor.get("/"))
    assert redis_commands.count() <= 1
    assert nosql_store.stats.total == 0


def test_an_item_sold_out_and_back(staff_login, client, evening, menu_data):
    slug = menu_data.pizzas[0]
    name = menu_data.name(slug)
    client.get("/")
    staff = staff_login(roles.KITCHEN)
    response = staff_post(staff, ITEM, {"item": slug, "available": "0"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}#item-{slug}"
    assert f"Esgotado: {name}. Os clientes já veem." in text(staff.get(PAGE))
    sold_out = card(text(client.get("/")), slug)
    assert "is-unavailable" in sold_out and "Esgotado" in sold_out and "Adicionar" not in sold_out
    refused = post(client, "/carrinho/adicionar/", {"item": slug, "quantity": 1}, follow=True)
    assert f"{name} está esgotado no momento." in text(refused)
    assert f"De volta ao cardápio: {name}." in text(
        staff_post(staff, ITEM, {"item": slug, "available": "1"}, follow=True)
    )
    assert "Adicionar" in card(text(client.get("/")), slug)


def test_one_size_sold_out_and_back(staff_login, client, evening, menu_data, sizes):
    slug = menu_data.pizzas[0]
    name = menu_data.name(slug)
    largest, next_largest = sizes[-1], sizes[-2]
    client.get("/")
    staff = staff_login(roles.MANAGER)
    page = text(
        staff_post(staff, ITEM, {"item": slug, "size": largest["code"], "available": "0"}, follow=True)
    )
    assert f"Esgotado: {name} ({largest['name']})." in page
    menu_card = card(text(client.get("/")), slug)
    assert f'data-size-sold-out="{largest["code"]}"' in menu_card and "Adicionar" in menu_card
    # The largest size still on sale is the one chosen for the customer.
    assert re.findall(r'value="(\w+)" checked', menu_card) == [next_largest["code"]]
    refused = post(
        client, "/carrinho/adicionar/", {"item": slug, "size": largest["code"], "quantity": 1}, follow=True
    )
    assert f"O tamanho {largest['name']} de {name} está esgotado no momento." in text(refused)
    staff_post(staff, ITEM, {"item": slug, "size": largest["code"], "available": "1"})
    assert 'data-size-sold-out="' not in card(text(client.get("/")), slug)


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (ITEM, {"item": "pizza-que-nao-existe", "available": "0"}, "Este item não está no cardápio."),
        (ITEM, {"item": "{pizza}", "size": "familia", "available": "0"}, "não tem o tamanho familia."),
        (ITEM, {"item": "{pizza}", "available": "talvez"}, "Escolha esgotado ou disponível."),
        (ITEM, {"available": "0"}, "Este item não está no cardápio."),
        (PAUSE, {"minutes": "100000"}, "Escolha uma das durações da lista."),
        (PAUSE, {"minutes": "-30"}, "Escolha uma das durações da lista."),
        (PAUSE, {"until_time": "25:99"}, "Informe o horário da volta como 21:30."),
        (PAUSE, {"until_time": "{an_hour_ago}"}, "fica a mais de 12 horas daqui."),
        (
            PAUSE,
            {"minutes": "30", "until_time": "{in_an_hour}"},
            "Escolha a duração ou o horário da volta, não os dois.",
        ),
        (
            PAUSE,
            {"reason": "x" * (PAUSE_REASON_MAX + 1)},
            f"O motivo pode ter até {PAUSE_REASON_MAX} caracteres.",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    staff_login, evening, menu_data, url, data, message
):
    values = {
        "pizza": menu_data.pizzas[0],
        "an_hour_ago": hhmm(evening - dt.timedelta(hours=1)),
        "in_an_hour": hhmm(evening + dt.timedelta(hours=1)),
    }
    staff = staff_login(roles.KITCHEN)
    before = stored_state()
    response = staff_post(
        staff, url, {key: value.format(**values) for key, value in data.items()}, follow=True
    )
    assert response.status_code == 200 and response.redirect_chain[-1][0].startswith(PAGE)
    assert message in text(response)
    assert stored_state() == before


def test_posts_without_the_csrf_token_are_refused(staff_login, evening, menu_data):
    staff = staff_login(roles.KITCHEN)
    before = stored_state()
    for url, data in (
        (PAUSE, {"reason": REASON, "minutes": "30"}),
        (ITEM, {"item": menu_data.pizzas[0], "available": "0"}),
    ):
        assert staff.post(url, data).status_code == 403
    assert stored_state() == before
    pizzeria_pause(by="Ana", now=evening)
    assert staff.post(RESUME).status_code == 403
    assert pizzeria_rows.pause_get() is not None


def test_the_pages_answer_only_their_method(staff_login, evening):
    staff = staff_login(roles.KITCHEN)
    assert staff.get(PAUSE).status_code == 405 and staff.get(ITEM).status_code == 405
    assert staff_post(staff, PAGE).status_code == 405


def test_the_page_lists_the_menu_with_a_toggle_per_item_and_size(staff_login, evening, menu_data, sizes):
    page = text(staff_login(roles.KITCHEN).get(PAGE))
    for category in menu_data.categories:
        assert f"<h3>{category['name']}</h3>" in page
    toggles = re.findall(r'<form method="post" action="/gestao/disponibilidade/item/"', page)
    assert len(toggles) == len(menu_data.items) + len(menu_data.pizzas) * len(sizes)
    assert page.count('name="csrfmiddlewaretoken"') >= len(toggles)
