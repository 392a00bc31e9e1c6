"""Editing the pizzeria's profile at /gestao/pizzaria/ as a manager does it: the form as the page draws
it, changed and posted; what customers see on their next page; two managers saving at once."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client

from backoffice import roles
from backoffice.profile import views as profile_views
from conftest import brl, pizzeria_document, zone_fee
from menu import views as menu_views
from ocipizza.formatting import weekday_and_time
from ocipizza.pizzeria import repositories as pizzeria_rows
from ocipizza.pizzeria.entities import MAX_SPECIAL_DAYS, WEEKDAYS
from ocipizza.pizzeria.selectors import pizzeria_get
from orders.tests.conftest import OPEN_TIME

from .conftest import staff_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]
PAGE = "/gestao/pizzaria/"


class FormReader(HTMLParser):
    """The fields of the page's profile form as a browser would post them (checked boxes and radios,
    selected options, textareas), without the submit buttons."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self.in_form = False
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "bo-profile" in (attrs.get("class") or ""):
            self.in_form = True
        if not self.in_form or "name" not in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[attrs["name"]] = attrs.get("value", "on")
            elif kind != "submit":
                self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.data[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            self.data[self.textarea] = unescape(self.data[self.textarea]).lstrip("\n")
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def form_of(response) -> dict[str, str]:
    assert response.status_code in (200, 400, 409), response.status_code
    reader = FormReader()
    reader.feed(response.content.decode())
    assert reader.data, "no profile form on the page"
    return reader.data


def text(response) -> str:
    return unescape(response.content.decode())


def field_error(response, field_id: str) -> str:
    """The errors shown right after the field with this id (before its block ends)."""
    page = text(response)
    start = page.index(f'id="{field_id}"')
    block = page[start : page.find("</div>", start)]
    return " ".join(re.findall(r'<span class="bo-field-error"[^>]*>(.*?)</span>', block, re.S))


@pytest.fixture
def manager(staff_login):
    return staff_login(roles.MANAGER)


@pytest.fixture
def evening(monkeypatch):
    """The page's and the menu's clocks at a Tuesday evening the shipped hours are open."""
    monkeypatch.setattr(profile_views, "clock", lambda: OPEN_TIME)
    monkeypatch.setattr(menu_views, "clock", lambda: OPEN_TIME)
    return OPEN_TIME


def local_today(moment: dt.datetime) -> dt.date:
    return moment.astimezone(pizzeria_get().tz).date()


def add_special_day(data: dict, *, date: dt.date, note: str = "", kind: str = "closed", shifts=()) -> dict:
    """Fill the first blank 'Novo dia especial' row."""
    index = next(i for i in range(100) if not data.get(f"special-{i}-date"))
    data[f"special-{index}-date"] = date.isoformat()
    data[f"special-{index}-kind"] = kind
    data[f"special-{index}-note"] = note
    for n, (start, end) in enumerate(shifts, 1):
        data[f"special-{index}-open{n}"], data[f"special-{index}-close{n}"] = start, end
    return data


def test_the_page_shows_the_stored_profile_the_brazilian_way(manager, evening):
    document = pizzeria_document()
    response = manager.get(PAGE)
    data = form_of(response)
    assert data["contact-name"] == document["name"]
    assert data["contact-whatsapp"] == document["whatsapp"]
    assert data["rules-minimum_order"] == brl(document["minimum_order"]).removeprefix("R$\u00a0")
    zone = document["delivery_zones"][0]
    assert data["zones-0-fee"] == brl(zone["fee"]).removeprefix("R$\u00a0")
    start, end = zone["cep_ranges"][0]
    assert data["zones-0-cep_ranges"] == f"{start[:5]}-{start[5:]} a {end[:5]}-{end[5:]}"
    fri = WEEKDAYS.index("fri")
    assert [data[f"hours-{fri}-open1"], data[f"hours-{fri}-close1"]] == document["hours"]["fri"][0]
    assert data["zones-TOTAL_FORMS"] == str(len(document["delivery_zones"]) + 1)  # one blank to add
    assert "Aberto agora" in text(response)
    assert 'href="/gestao/pizzaria/"' in text(response)  # in the navigation


def test_a_kitchen_member_cannot_open_or_post_the_page(staff_login, manager):
    kitchen = staff_login(roles.KITCHEN, email="cozinha2@pizzaria.example")
    data = form_of(manager.get(PAGE))
    assert kitchen.get(PAGE).status_code == 403
    data["contact-name"] = "Tomada"
    assert staff_post(kitchen, PAGE, {**data, "action": "save"}).status_code == 403
    assert pizzeria_get().name == pizzeria_document()["name"]
    assert 'href="/gestao/pizzaria/"' not in kitchen.get("/gestao/pedidos/").content.decode()


def test_saving_changes_reach_customers_at_once(manager, evening, client, nosql_store):
    data = form_of(manager.get(PAGE))
    data["contact-phone"] = "+55 11 3333-4444"
    data["rules-minimum_order"] = "45,50"
    data["zones-0-fee"] = "6,75"
    data["zones-0-eta_minutes"] = "40"
    new = len(pizzeria_document()["delivery_zones"])
    data[f"zones-{new}-name"] = "Bairros vizinhos"
    data[f"zones-{new}-neighbourhoods"] = "Jardim Paulista | São Paulo\nConsolação | São Paulo"
    data[f"zones-{new}-fee"] = "R$ 12"
    data[f"zones-{new}-eta_minutes"] = "45"
    data["zones-1-DELETE"] = "on"  # the second zone goes
    client.get("/")  # the menu is cached with the old profile
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert response.status_code == 302, text(response)[:2000]
    page = text(manager.get(PAGE))
    assert "Perfil salvo" in page
    pizzeria = pizzeria_get()
    assert pizzeria.phone == "+55 11 3333-4444"
    assert pizzeria.minimum_order == Decimal("45.50")
    names = [z.name for z in pizzeria.delivery_zones]
    removed = pizzeria_document()["delivery_zones"][1]["name"]
    assert removed not in names and names[-1] == "Bairros vizinhos"
    assert pizzeria.zone_for(cep="00000000", bairro="Consolação", cidade="são paulo").fee == Decimal("12.00")
    assert pizzeria.delivery_zones[0].fee == Decimal("6.75")
    # The address and time zone, which the page does not edit, are kept as they were.
    assert pizzeria.address == pizzeria_document()["address"]
    assert pizzeria.timezone == pizzeria_document()["timezone"]


def test_a_holiday_closes_the_shop_and_the_menu_names_it(manager, evening, client):
    today = local_today(evening)
    client.get("/")  # a plain visitor's cached menu page, open
    assert "Estamos fechados" not in text(client.get("/"))
    data = add_special_day(form_of(manager.get(PAGE)), date=today, note="Natal")
    assert staff_post(manager, PAGE, {**data, "action": "save"}).status_code == 302
    pizzeria = pizzeria_get()
    assert not pizzeria.is_open(evening)
    opening = pizzeria.next_opening(evening)
    assert opening.date() > today
    page = text(client.get("/"))
    assert "Hoje estamos fechados: Natal." in page
    assert f"Abrimos {weekday_and_time(opening)}" in page
    # The manager's page says so too, and the day is listed to be removed later.
    page = text(manager.get(PAGE))
    assert "Fechado hoje (dia especial: Natal)" in page
    data = form_of(manager.get(PAGE))
    assert data["special-0-date"] == today.isoformat() and data["special-0-note"] == "Natal"
    # Removing it opens the shop again.
    data["special-0-DELETE"] = "on"
    assert staff_post(manager, PAGE, {**data, "action": "save"}).status_code == 302
    assert pizzeria_get().special_days == ()
    assert "Hoje estamos fechados" not in text(client.get("/"))


def test_extra_hours_across_midnight_on_a_special_day(manager, evening):
    monday = local_today(evening) + dt.timedelta(days=(7 - local_today(evening).weekday()) % 7 or 7)
    assert pizzeria_document()["hours"]["mon"] == []  # the shipped profile closes on Mondays
    data = add_special_day(
        form_of(manager.get(PAGE)), date=monday, kind="hours", note="Véspera", shifts=[("20:00", "01:30")]
    )
    assert staff_post(manager, PAGE, {**data, "action": "save"}).status_code == 302
    pizzeria = pizzeria_get()
    tz = pizzeria.tz
    assert pizzeria.is_open(dt.datetime.combine(monday, dt.time(21), tzinfo=tz))
    assert pizzeria.is_open(dt.datetime.combine(monday + dt.timedelta(days=1), dt.time(1), tzinfo=tz))
    assert not pizzeria.is_open(dt.datetime.combine(monday + dt.timedelta(days=1), dt.time(1, 30), tzinfo=tz))


def test_preview_shows_the_state_the_typed_hours_give_and_saves_nothing(manager, evening, nosql_store):
    today = local_today(evening)
    data = add_special_day(form_of(manager.get(PAGE)), date=today, note="Feriado municipal")
    nosql_store.stats.reset()
    response = staff_post(manager, PAGE, {**data, "action": "preview"})
    assert response.status_code == 200
    page = text(response)
    assert "Pré-visualização (ainda não salvo)" in page
    assert "Fechado hoje (dia especial: Feriado municipal)" in page
    assert not {"put", "delete", "write_many"} & set(nosql_store.stats.calls)
    assert pizzeria_get().special_days == ()
    assert form_of(response)["special-0-note"] == "Feriado municipal"  # the typed values stay
    # Opening later today, and open now, read as such.
    data = form_of(manager.get(PAGE))
    day = today.weekday()
    data[f"hours-{day}-open1"], data[f"hours-{day}-close1"] = "23:30", "23:50"
    page = text(staff_post(manager, PAGE, {**data, "action": "preview"}))
    assert "Fechado agora; abre hoje às 23:30." in page


def test_preview_writes_nothing_to_the_store(manager, evening, nosql_store):
    data = form_of(manager.get(PAGE))
    data["contact-name"] = "Outro nome"
    nosql_store.stats.reset()
    assert staff_post(manager, PAGE, {**data, "action": "preview"}).status_code == 200
    assert not {"put", "delete", "write_many"} & set(nosql_store.stats.calls)
    assert pizzeria_get().name == pizzeria_document()["name"]


BAD_INPUT = [
    ("contact-name", "", "id_contact-name", "obrigatório"),
    ("contact-phone", "ligue já", "id_contact-phone", "Informe um telefone como +55 11 4002-8922."),
    ("contact-whatsapp", "12", "id_contact-whatsapp", "Informe um telefone como +55 11 4002-8922."),
    ("rules-minimum_order", "trinta", "id_rules-minimum_order", "Informe um valor como 30,00."),
    ("rules-minimum_order", "100000,00", "id_rules-minimum_order", "99.999,99"),
    ("rules-pickup_eta_minutes", "2", "id_rules-pickup_eta_minutes", "de 5 a 240"),
    ("pix-merchant_name", "X" * 26, "id_pix-merchant_name", "no máximo 25 caracteres"),
    ("pix-key", "  ", "id_pix-key", "obrigatório"),
    ("zones-0-fee", "5,001", "id_zones-0-fee", "Informe um valor como 5,00."),
    ("zones-0-fee", "-3", "id_zones-0-fee", "Informe um valor como 5,00."),
    ("zones-0-eta_minutes", "500", "id_zones-0-eta_minutes", "de 5 a 240"),
    ("zones-0-cep_ranges", "01000 a 02000", "id_zones-0-cep_ranges", "Não entendi a faixa"),
    ("zones-0-cep_ranges", "05000-000 a 01000-000", "id_zones-0-cep_ranges", "depois de onde termina"),
    ("zones-0-neighbourhoods", "Bela Vista", "id_zones-0-neighbourhoods", "bairro | cidade"),
    ("zones-1-name", "Centro expandido", "id_zones-1-name", "Já existe uma área com este nome."),
]


@pytest.mark.parametrize(("name", "value", "field_id", "message"), BAD_INPUT)
def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(
    manager, evening, name, value, field_id, message
):
    data = form_of(manager.get(PAGE))
    data[name] = value
    if name == "zones-1-name":
        data[name] = pizzeria_document()["delivery_zones"][0]["name"]
    before = pizzeria_rows.pizzeria_get()
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert response.status_code == 400
    assert "Nada foi salvo" in text(response)
    assert message.lower() in field_error(response, field_id).lower(), field_error(response, field_id)
    after = pizzeria_rows.pizzeria_get()
    assert after.raw == before.raw and after.version == before.version


def test_bad_hours_and_special_days_are_refused_in_portuguese(manager, evening):
    data = form_of(manager.get(PAGE))
    today = local_today(evening)
    data["hours-1-open1"], data["hours-1-close1"] = "18:00", ""  # half a shift
    data["hours-2-open1"], data["hours-2-close1"] = "18:00", "18:00"
    data["hours-3-open2"], data["hours-3-close2"] = "19:00", "22:00"  # overlaps 18:00–23:00
    add_special_day(data, date=today, kind="hours")  # special hours without any
    add_special_day(data, date=today, note="Duas vezes")  # the same date twice
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert response.status_code == 400
    page = text(response)
    assert "Informe a abertura e o fechamento." in page
    assert "A abertura e o fechamento são o mesmo horário." in page
    assert "Os turnos se sobrepõem: 18:00–23:00 e 19:00–22:00." in page
    assert "Informe os horários deste dia ou marque-o como fechado." in page
    assert pizzeria_get().hours == pizzeria_rows.pizzeria_get().hours
    # With the hours fixed, the date listed twice is named.
    data = add_special_day(form_of(manager.get(PAGE)), date=today, note="Natal")
    add_special_day(data, date=today, note="De novo")
    data["special-1-date"] = today.strftime("%d/%m/%Y")  # typed the Brazilian way
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert "Esta data já está na lista de dias especiais." in field_error(response, "id_special-1-date")
    data["special-1-date"] = "31/02/2026"
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert "Informe uma data válida" in field_error(response, "id_special-1-date")
    assert pizzeria_get().special_days == ()


def test_too_many_special_days_are_refused(manager, evening):
    data = form_of(manager.get(PAGE))
    today = local_today(evening)
    for offset in range(MAX_SPECIAL_DAYS + 1):
        data[f"special-{offset}-date"] = (today + dt.timedelta(days=offset)).isoformat()
        data[f"special-{offset}-kind"] = "closed"
    data["special-TOTAL_FORMS"] = str(MAX_SPECIAL_DAYS + 1)
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert response.status_code == 400
    assert f"No máximo {MAX_SPECIAL_DAYS} dias especiais" in text(response)
    assert pizzeria_get().special_days == ()


def test_past_special_days_are_pruned_on_save(manager, evening):
    document = pizzeria_rows.pizzeria_get().raw
    today = local_today(evening)
    old, yesterday = today - dt.timedelta(days=30), today - dt.timedelta(days=1)
    document = {
        **document,
        "special_days": [
            {"date": old.isoformat(), "closed": True, "note": "Antigo"},
            {"date": yesterday.isoformat(), "hours": [["18:00", "02:00"]], "note": "Ontem"},
        ],
    }
    from ocipizza.pizzeria.services import pizzeria_save

    pizzeria_save(document=document)
    data = form_of(manager.get(PAGE))
    assert data["special-0-note"] == "Ontem"  # yesterday's late shift may still be running
    assert "special-1-note" not in data or data["special-1-note"] != "Antigo"
    assert staff_post(manager, PAGE, {**data, "action": "save"}).status_code == 302
    assert [d.note for d in pizzeria_get().special_days] == ["Ontem"]


def test_two_managers_saving_at_once_the_second_is_told_and_shown_the_current_values(
    manager, staff_login, evening
):
    other = staff_login(roles.MANAGER, email="gerente2@pizzaria.example")
    first, second = form_of(manager.get(PAGE)), form_of(other.get(PAGE))
    first["contact-phone"] = "+55 11 1111-1111"
    assert staff_post(manager, PAGE, {**first, "action": "save"}).status_code == 302
    second["rules-minimum_order"] = "99,00"
    second["zones-0-fee"] = "1,00"
    response = staff_post(other, PAGE, {**second, "action": "save"})
    assert response.status_code == 409
    page = text(response)
    assert "Outra pessoa salvou o perfil enquanto você editava" in page
    # Both saves are named: the other's phone and this one's minimum order and fee.
    assert "O que você enviou difere do perfil atual em: Contato, Pedidos, Áreas de entrega." in page
    pizzeria = pizzeria_get()
    assert pizzeria.phone == "+55 11 1111-1111"  # the first save stands
    assert pizzeria.minimum_order == Decimal(pizzeria_document()["minimum_order"])
    # The page is redrawn from the current values with the current version: saving again works.
    fresh = form_of(response)
    assert fresh["contact-phone"] == "+55 11 1111-1111"
    fresh["rules-minimum_order"] = "99,00"
    assert staff_post(other, PAGE, {**fresh, "action": "save"}).status_code == 302
    assert pizzeria_get().minimum_order == Decimal("99.00")
    assert pizzeria_get().phone == "+55 11 1111-1111"


def test_a_form_without_its_version_is_refused(manager, evening):
    data = form_of(manager.get(PAGE))
    data["version"] = "not-hex"
    response = staff_post(manager, PAGE, {**data, "action": "save"})
    assert response.status_code == 400
    assert "O formulário expirou" in text(response)


def test_a_post_without_csrf_changes_nothing(manager, evening):
    data = form_of(manager.get(PAGE))
    data["contact-name"] = "Sem token"
    data.pop("csrfmiddlewaretoken", None)
    assert manager.post(PAGE, {**data, "action": "save"}).status_code == 403
    assert pizzeria_get().name == pizzeria_document()["name"]


def test_zone_fee_typed_with_thousands(manager, evening):
    data = form_of(manager.get(PAGE))
    data["zones-0-fee"] = "1.234,5"
    assert staff_post(manager, PAGE, {**data, "action": "save"}).status_code == 302
    assert pizzeria_get().delivery_zones[0].fee == Decimal("1234.50")
    assert zone_fee(pizzeria_get().raw, pizzeria_get().delivery_zones[0].name) == Decimal("1234.50")


def test_checkout_names_the_holiday_and_places_nothing(manager, evening, customer, monkeypatch):
    from orders import repositories as order_rows
    from orders import views as order_views
    from orders.tests.conftest import log_in
    from orders.tests.test_checkout import add, checkout_key, submit

    monkeypatch.setattr(order_views, "clock", lambda: evening)
    today = local_today(evening)
    data = add_special_day(form_of(manager.get(PAGE)), date=today, note="Feriado municipal")
    assert staff_post(manager, PAGE, {**data, "action": "save"}).status_code == 302
    shopper = log_in(Client(enforce_csrf_checks=True), customer.email)
    add(shopper, "calabresa")
    page = text(shopper.get("/pedido/finalizar/"))
    assert "Hoje estamos fechados: Feriado municipal." in page and "disabled" in page
    opening = pizzeria_get().next_opening(evening)
    page = text(submit(shopper, checkout_key(shopper)))
    assert f"Hoje estamos fechados: Feriado municipal. Abrimos {weekday_and_time(opening)}." in page
    assert list(order_rows.orders_of(customer_id=customer.id)) == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "save", "hours-TOTAL_FORMS": "x"},
        {"action": "save", "hours-TOTAL_FORMS": "3", "hours-INITIAL_FORMS": "0", "version": "00"},
    ],
)
def test_a_mangled_post_is_refused_without_a_500(manager, evening, data):
    before = pizzeria_rows.pizzeria_get()
    response = staff_post(manager, PAGE, data)
    assert response.status_code == 400
    assert "Nada foi salvo" in text(response)
    assert pizzeria_rows.pizzeria_get().version == before.version
