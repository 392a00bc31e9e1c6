"""The customers area (/gestao/clientes/): search, a customer's page, disable/enable, export, delete."""

import datetime as dt
import json
import logging

import pytest
from django.conf import settings
from django.test import Client

from accounts import repositories as account_repositories
from accounts import selectors as accounts
from accounts import services as account_services
from accounts.search import MAX_QUERY
from backoffice import roles
from conftest import CUSTOMER_PASSWORD, brl, post
from ocipizza.nosql import ConditionFailed
from orders import repositories as order_repositories
from orders.tests.conftest import log_in
from orders.tests.test_checkout import add, checkout_key, submit

from .conftest import staff_post

pytestmark = pytest.mark.django_db
SEARCH = "/gestao/clientes/"


def page_of(customer) -> str:
    return f"/gestao/clientes/{customer.id}/"


@pytest.fixture
def manager(staff_login):
    return staff_login(roles.MANAGER, name="Gerente Paula")


@pytest.fixture
def shopper(client, customer, open_now):
    return log_in(client, customer.email)


@pytest.fixture
def place(shopper, customer):
    """An order placed through the shop's pages by ``customer`` (Maria Silva); returns it as stored."""

    def place_order(**fields):
        add(shopper, "calabresa", size="grande")
        response = submit(shopper, checkout_key(shopper), payment="CREDIT_CARD", **fields)
        assert response.status_code == 302, response.content.decode()[:2000]
        order_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        return order_repositories.order_get(customer_id=customer.id, order_id=order_id)

    return place_order


@pytest.fixture
def others(make_customer):
    """Customers besides Maria Silva, whose names share beginnings with hers."""
    return [
        make_customer("mariana@example.com", name="Mariana Conceição"),
        make_customer("jose@example.com", name="José Silveira"),
    ]


# --- search -----------------------------------------------------------------------------------------


def results(page: str) -> str:
    start = page.find('data-testid="search-results"')
    return page[start : page.find("</ul>", start)] if start >= 0 else ""


@pytest.mark.parametrize(
    "query, names",
    [
        ("silva", ["Maria Silva"]),
        ("SILV", ["Maria Silva", "José Silveira"]),
        ("conceicao", ["Mariana Conceição"]),  # no accent typed, the name has one
        ("jose", ["José Silveira"]),
        ("mari", ["Maria Silva", "Mariana Conceição"]),
        ("maria s", ["Maria Silva"]),
        ("maria@example.com", ["Maria Silva"]),
        ("MARIA@Example.COM", ["Maria Silva"]),
        ("mariana@", ["Mariana Conceição"]),
    ],
)
def test_search_by_name_part_accents_and_email(manager, customer, others, query, names):
    page = manager.get(SEARCH, {"q": query}).content.decode()
    found = results(page)
    for name in ["Maria Silva", "Mariana Conceição", "José Silveira"]:
        assert (f"<strong>{name}</strong>" in found) == (name in names), (query, name)


@pytest.mark.parametrize(
    "query", ["(11) 98765-4321", "11987654321", "+55 11 98765-4321", "+55 11 9876", "98765-4321"]
)
def test_search_by_phone_in_several_formats(manager, customer, make_customer, query):
    make_customer("outro@example.com", name="Outro Cliente")  # same phone as the fixture's: both found
    account_services.customer_profile_update(
        customer_id=customer.id, name=customer.name, telephone="(21) 99876-5432"
    )
    page = manager.get(SEARCH, {"q": query}).content.decode()
    assert "<strong>Outro Cliente</strong>" in results(page) and "Maria Silva" not in results(page)
    other = manager.get(SEARCH, {"q": "21 99876"}).content.decode()
    assert "<strong>Maria Silva</strong>" in results(other) and "(21) 99876-5432" in results(other)


def test_a_search_links_to_the_customer_and_reads_no_customer_row(manager, customer, others, nosql_store):
    nosql_store.stats.reset()
    page = manager.get(SEARCH, {"q": "silva"}).content.decode()
    assert f'href="{page_of(customer)}"' in page and customer.email in page and "(11) 98765-4321" in page
    # One range over the search tokens; no read of the user table, however many customers there are.
    assert nosql_store.stats.by_table == {("query", "user.search_token"): 1}


def test_no_match_says_so(manager, customer):
    page = manager.get(SEARCH, {"q": "zebedeu"}).content.decode()
    assert 'data-testid="search-empty"' in page and "Nenhum cliente encontrado" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Digite um nome, e-mail ou telefone"),
        ("x" * (MAX_QUERY + 500), f"A busca pode ter até {MAX_QUERY} caracteres"),
        ("1 2", "pelo menos 4 dígitos"),
        ("é", "pelo menos 2 letras"),
    ],
)
def test_bad_queries_get_a_message_and_no_store_call(manager, customer, nosql_store, query, message):
    nosql_store.stats.reset()
    response = manager.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert nosql_store.stats.total == 0


def test_the_empty_page_only_shows_the_form(manager, nosql_store):
    nosql_store.stats.reset()
    page = manager.get(SEARCH).content.decode()
    assert 'name="q"' in page and "search-error" not in page and nosql_store.stats.total == 0
    assert 'href="/gestao/clientes/"' in page  # the "Clientes" navigation item


# --- the customer's page ----------------------------------------------------------------------------


def test_the_page_shows_the_customer_their_addresses_and_orders_newest_first(
    manager, customer, place, menu_data, open_now, monkeypatch
):
    from orders import views as shop_views

    first = place()
    monkeypatch.setattr(shop_views, "clock", lambda: open_now + dt.timedelta(minutes=10))
    second = place()
    assert second.created_at > first.created_at
    page = manager.get(page_of(customer)).content.decode()
    assert "Maria Silva" in page and customer.email in page
    assert 'href="tel:%2B5511987654321"' in page or 'href="tel:+5511987654321"' in page
    assert 'href="https://wa.me/5511987654321"' in page
    assert "E-mail confirmado" in page and 'data-testid="customer-state">Ativo' in page
    stored = accounts.customer_get(customer_id=customer.id)
    for address in stored.addresses:
        assert address.one_line in page
    assert (
        f'href="/gestao/pedidos/{second.code}/"' in page and f'href="/gestao/pedidos/{first.code}/"' in page
    )
    assert page.index(second.code) < page.index(first.code)
    assert (
        brl(first.total) in page
        and first.total == menu_data.price("calabresa", "grande") + first.delivery_fee
    )
    assert manager.get(f"/gestao/pedidos/{first.code}/").status_code == 200


def test_a_forged_page_of_orders_falls_back_to_the_newest(manager, customer, place):
    order = place()
    response = manager.get(page_of(customer), {"depois": "not-a-continuation"})
    assert response.status_code == 400  # a client error, answered with the newest orders
    page = response.content.decode()
    assert order.code in page and "não vale mais" in page


@pytest.mark.parametrize("customer_id", ["Z" * 22, "x", "a" * 500, "n%C3%A3o-existe%20!"])
def test_an_unknown_customer_is_a_404_with_a_message(manager, customer_id):
    response = manager.get(f"/gestao/clientes/{customer_id}/")
    assert response.status_code == 404
    assert "Cliente não encontrado" in response.content.decode()
    assert manager.get(f"/gestao/clientes/{customer_id}/exportar/").status_code == 404
    response = staff_post(manager, f"/gestao/clientes/{customer_id}/ativo/", {"active": "0"})
    assert response.status_code == 404


# --- disable / enable -------------------------------------------------------------------------------


def test_disabling_ends_the_sessions_and_blocks_login_and_enabling_lets_them_back(
    manager, customer, shopper, caplog
):
    assert shopper.get("/conta/").status_code == 200
    with caplog.at_level(logging.INFO, logger="backoffice.customers.views"):
        response = staff_post(manager, f"{page_of(customer)}ativo/", {"active": "0"})
    assert response.status_code == 302 and response["Location"] == page_of(customer)
    assert "Gerente Paula disabled customer" in caplog.text
    page = manager.get(page_of(customer)).content.decode()
    assert "Conta desativada" in page and 'data-testid="customer-state">Desativado' in page
    # The customer's session ended (the auth stamp changed) and logging in again is refused.
    response = shopper.get("/conta/")
    assert response.status_code == 302 and response["Location"].startswith("/conta/entrar/")
    fresh = Client(enforce_csrf_checks=True)
    response = post(fresh, "/conta/entrar/", {"email": customer.email, "password": CUSTOMER_PASSWORD})
    assert response.status_code != 302 and "desativada" in response.content.decode()

    response = staff_post(manager, f"{page_of(customer)}ativo/", {"active": "1"})
    assert response.status_code == 302
    assert "Conta reativada" in manager.get(page_of(customer)).content.decode()
    assert log_in(Client(enforce_csrf_checks=True), customer.email).get("/conta/").status_code == 200


@pytest.mark.parametrize("data", [{}, {"active": "talvez"}])
def test_a_bad_active_value_changes_nothing(manager, customer, data):
    before = account_repositories.user_get(customer.id)
    response = staff_post(manager, f"{page_of(customer)}ativo/", data)
    assert response.status_code == 302
    assert "Escolha desativar ou reativar" in manager.get(page_of(customer)).content.decode()
    assert account_repositories.user_get(customer.id) == before


def test_actions_without_csrf_or_by_get_change_nothing(manager, customer):
    before = account_repositories.user_get(customer.id)
    assert manager.post(f"{page_of(customer)}ativo/", {"active": "0"}).status_code == 403
    assert manager.post(f"{page_of(customer)}excluir/", {"confirmation": customer.email}).status_code == 403
    assert manager.get(f"{page_of(customer)}ativo/").status_code == 405
    assert manager.get(f"{page_of(customer)}excluir/").status_code == 405
    assert account_repositories.user_get(customer.id) == before


# --- export -----------------------------------------------------------------------------------------


def test_the_export_downloads_everything_we_hold_and_no_secret(manager, customer, place, caplog):
    order = place()
    with caplog.at_level(logging.INFO, logger="backoffice.customers.views"):
        response = manager.get(f"{page_of(customer)}exportar/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith(f'attachment; filename="cliente-{customer.id}-')
    assert "Gerente Paula exported the data of customer" in caplog.text
    data = json.loads(response.content)
    stored = account_repositories.user_get(customer.id)
    profile = data["profile"]
    assert (profile["name"], profile["email"], profile["telephone"]) == (
        customer.name,
        customer.email,
        customer.telephone,
    )
    assert profile["email_confirmed"] is True and profile["created_at"]
    assert data["consent"]["privacy_notice_version"] == settings.PRIVACY_NOTICE_VERSION
    assert data["consent"]["accepted_at"]
    assert [a["cep"] for a in data["addresses"]] == [a.cep for a in stored.customer.addresses]
    [exported] = data["orders"]
    assert exported["code"] == order.code and exported["total"] == str(order.total)
    assert exported["items"][0]["name"] == order.items[0].name
    assert exported["delivery_address"]["street"] == order.address["street"]
    text = response.content.decode()
    assert stored.password not in text and stored.auth_stamp not in text
    assert "password" not in text and "auth_stamp" not in text


# --- delete -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [None, "", "outra@example.com", "maria@example"])
def test_delete_needs_the_customers_email_typed(manager, customer, place, typed):
    order = place()
    data = {} if typed is None else {"confirmation": typed}
    response = staff_post(manager, f"{page_of(customer)}excluir/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nada foi excluído" in page or "Digite o e-mail do cliente" in page
    assert accounts.customer_get(customer_id=customer.id) is not None
    assert order_repositories.order_get(customer_id=customer.id, order_id=order.order_id).customer


def test_delete_anonymises_the_orders_and_the_page_says_so(manager, customer, place, caplog, nosql_store):
    order = place()
    with caplog.at_level(logging.INFO, logger="backoffice.customers.views"):
        response = staff_post(
            manager, f"{page_of(customer)}excluir/", {"confirmation": customer.email.upper()}
        )
    assert response.status_code == 302 and response["Location"] == SEARCH
    assert "Gerente Paula deleted customer" in caplog.text
    page = manager.get(SEARCH).content.decode()
    assert "Cliente excluído" in page and "ficaram anônimos" in page
    assert accounts.customer_get(customer_id=customer.id) is None
    assert accounts.customer_get_by_email(email=customer.email) is None
    kept = order_repositories.order_get(customer_id=customer.id, order_id=order.order_id)
    assert kept.customer == {} and set(kept.address) == {"district", "city", "state"}
    assert "Maria Silva" not in results(manager.get(SEARCH, {"q": "silva"}).content.decode())
    response = manager.get(page_of(customer))
    assert response.status_code == 404 and "Cliente não encontrado" in response.content.decode()
    order_page = manager.get(f"/gestao/pedidos/{order.code}/").content.decode()
    assert "Maria Silva" not in order_page


def test_a_delete_waits_for_an_order_in_the_kitchen(manager, customer, place):
    from orders.services import order_transition
    from orders.statuses import Actor, Status

    order = place()
    for target in (Status.RECEIVED, Status.PREPARING):
        order = order_transition(order=order, target=target, actor=Actor.STAFF, now=order.created_at)
    response = staff_post(manager, f"{page_of(customer)}excluir/", {"confirmation": customer.email})
    assert response.status_code == 302 and response["Location"] == page_of(customer)
    assert f"Espere a entrega do pedido {order.code}" in manager.get(page_of(customer)).content.decode()
    assert accounts.customer_get(customer_id=customer.id) is not None


def order_moved(*, customer):
    """A deletion hook meeting an order that staff moved at that moment (orders_anonymise's conflict)."""
    raise ConditionFailed("user.order changed")


def test_a_delete_that_meets_a_moving_order_deletes_nothing_and_says_to_retry(manager, customer, settings):
    settings.ACCOUNTS_DELETION_HOOKS = [f"{__name__}.order_moved"]
    response = staff_post(manager, f"{page_of(customer)}excluir/", {"confirmation": customer.email})
    assert response.status_code == 302 and response["Location"] == page_of(customer)
    assert "Tente de novo" in manager.get(page_of(customer)).content.decode()
    assert accounts.customer_get(customer_id=customer.id) is not None
    assert "<strong>Maria Silva</strong>" in results(manager.get(SEARCH, {"q": "silva"}).content.decode())


# --- who may ----------------------------------------------------------------------------------------


def test_the_kitchen_gets_403_everywhere(staff_login, customer):
    kitchen = staff_login(roles.KITCHEN)
    for url in (SEARCH, f"{SEARCH}?q=silva", page_of(customer), f"{page_of(customer)}exportar/"):
        response = kitchen.get(url)
        assert response.status_code == 403, url
        assert customer.email not in response.content.decode()
    for action, data in (("ativo", {"active": "0"}), ("excluir", {"confirmation": customer.email})):
        assert staff_post(kitchen, f"{page_of(customer)}{action}/", data).status_code == 403
    assert accounts.customer_get(customer_id=customer.id).active
    assert 'href="/gestao/clientes/"' not in kitchen.get("/gestao/pedidos/").content.decode()
