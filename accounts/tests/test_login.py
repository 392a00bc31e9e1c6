"""Login, logout, sessions, throttling and request.customer."""

import pytest
from django.test import Client

from accounts import repositories, services
from accounts.sessions import SESSION_CUSTOMER
from conftest import client_login, post
from orders.cart import SESSION_KEY as CART

from .conftest import CUSTOMER_PASSWORD, page_text

CART_LINES = {"lines": [{"id": "l1", "item": "calabresa", "qty": 2}]}


def put_cart(client) -> str:
    session = client.session
    session[CART] = CART_LINES
    session.save()
    return session.session_key


def account_cart(customer_id) -> list[tuple[str, int]]:
    cart = repositories.user_get(customer_id).customer.cart or {}
    return [(line["item"], line["qty"]) for line in cart.get("lines", [])]


def login(client, email, password=CUSTOMER_PASSWORD, **extra):
    return post(client, "/conta/entrar/", {"email": email, "password": password, **extra})


def test_login_rotates_the_session_key_and_keeps_the_cart(client, confirmed_customer):
    before = put_cart(client)
    response = login(client, "JOAO@example.com")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != before
    # The visitor's cart moved into the account, where every device of the customer finds it.
    assert CART not in client.session
    assert account_cart(confirmed_customer.id) == [("calabresa", 2)]
    assert client.session[SESSION_CUSTOMER] == confirmed_customer.id
    page = client.get("/conta/").content.decode()
    assert "Olá, Maria" in page and "joao@example.com" in page
    assert repositories.user_get(confirmed_customer.id).customer.last_login is not None


def test_the_old_session_key_is_worthless_after_login(client, confirmed_customer):
    planted = put_cart(client)
    login(client, "joao@example.com")
    attacker = Client()
    attacker.cookies["sessionid"] = planted
    assert attacker.get("/conta/").status_code == 302  # not logged in


@pytest.mark.argon2
def test_wrong_password_and_unknown_email_get_the_same_answer_and_cost(client, customer, hasher_calls):
    wrong = login(client, "maria@example.com", "senha-errada-123")
    other = Client(enforce_csrf_checks=True)
    unknown = login(other, "ninguem@example.com", "senha-errada-123")
    assert wrong.status_code == unknown.status_code == 200
    assert page_text(wrong, "maria@example.com") == page_text(unknown, "ninguem@example.com")
    assert "E-mail ou senha incorretos." in wrong.content.decode()
    # One Argon2 computation each: the unknown address is not answered faster.
    assert hasher_calls == {"encode": 1, "verify": 1}


@pytest.mark.argon2
def test_throttled_logins_never_reach_the_hasher(client, customer, settings, hasher_calls):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (3, 900)}
    for _ in range(3):
        assert login(client, "maria@example.com", "tentativa-errada").status_code == 200
    assert hasher_calls["verify"] == 3
    throttled = login(client, "maria@example.com", CUSTOMER_PASSWORD)  # even the right password waits
    assert throttled.status_code == 429
    assert "Muitas tentativas. Espere" in throttled.content.decode()
    assert hasher_calls["verify"] == 3 and hasher_calls["encode"] == 0
    assert SESSION_CUSTOMER not in client.session


def test_throttling_looks_the_same_for_known_and_unknown_addresses(client, customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (1, 900)}
    other = Client(enforce_csrf_checks=True)
    for _ in range(2):
        known = login(client, "maria@example.com", "errada-errada")
        unknown = login(other, "nao-existe@example.com", "errada-errada")
    assert known.status_code == unknown.status_code == 429
    assert page_text(known, "maria@example.com") == page_text(unknown, "nao-existe@example.com")


@pytest.mark.argon2
def test_logins_from_one_client_address_are_limited_across_accounts(client, settings, hasher_calls):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (2, 300)}
    for n in range(2):
        assert login(client, f"alvo{n}@example.com", "qualquer-coisa").status_code == 200
    assert login(client, "alvo9@example.com", "qualquer-coisa").status_code == 429
    assert hasher_calls["encode"] == 2
    # Another client address is not affected.
    assert (
        login(Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.9"), "x@example.com", "y").status_code
        == 200
    )


def test_a_successful_login_clears_the_account_counter(client, customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (2, 900)}
    login(client, "maria@example.com", "errada-uma-vez")
    assert login(client, "maria@example.com").status_code == 302
    other = Client(enforce_csrf_checks=True)
    login(other, "maria@example.com", "errada-de-novo")
    assert login(other, "maria@example.com").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/conta/enderecos/", "/conta/enderecos/"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http://testserver/conta/", "http://testserver/conta/"),
    ],
)
def test_next_only_leads_back_into_this_site(client, confirmed_customer, next_url, expected):
    response = login(client, "joao@example.com", next=next_url)
    assert response.status_code == 302 and response["Location"] == expected


def test_the_login_page_carries_next_into_the_form(client):
    page = client.get("/conta/entrar/?next=/conta/dados/").content.decode()
    assert '<input type="hidden" name="next" value="/conta/dados/">' in page
    evil = client.get("/conta/entrar/?next=https://evil.example/").content.decode()
    assert '<input type="hidden" name="next"' not in evil


def test_logout_is_a_post_and_ends_the_session_cart_included(client, confirmed_customer):
    put_cart(client)
    login(client, "joao@example.com")
    assert client.get("/conta/sair/").status_code == 405
    response = post(client, "/conta/sair/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert CART not in client.session and SESSION_CUSTOMER not in client.session
    assert client.get("/conta/").status_code == 302
    home = client.get("/").content.decode()
    assert "Você saiu da sua conta." in home and "Entrar" in home


def test_logging_in_as_someone_else_drops_the_previous_customers_cart(client, customer, confirmed_customer):
    login(client, "joao@example.com")
    put_cart(client)
    login(client, "maria@example.com")
    assert client.session[SESSION_CUSTOMER] == customer.id
    assert CART not in client.session


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(client, confirmed_customer):
    client_login(client, confirmed_customer.id)
    assert client.get("/conta/").status_code == 200
    services.customer_set_active(customer_id=confirmed_customer.id, active=False)
    assert client.get("/conta/").status_code == 302
    refused = login(client, "joao@example.com")
    assert "Esta conta está desativada." in refused.content.decode()
    # Without the password nobody learns that the account exists, disabled or not.
    assert (
        "E-mail ou senha incorretos." in login(client, "joao@example.com", "errada-errada").content.decode()
    )


def test_a_password_change_ends_the_other_sessions_only(confirmed_customer):
    mine, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    client_login(mine, confirmed_customer.id)
    client_login(phone, confirmed_customer.id)
    put_cart(mine)
    response = post(
        mine,
        "/conta/senha/alterar/",
        {
            "current_password": CUSTOMER_PASSWORD,
            "password1": "molho-de-tomate-caseiro",
            "password2": "molho-de-tomate-caseiro",
        },
    )
    assert response.status_code == 302
    assert mine.get("/conta/").status_code == 200
    assert account_cart(confirmed_customer.id) == [("calabresa", 2)]  # the cart is the account's
    assert phone.get("/conta/").status_code == 302
    assert SESSION_CUSTOMER not in phone.session


def test_request_customer_is_anonymous_and_costs_nothing_when_logged_out(client, nosql_store, menu_loaded):
    client.get("/")
    nosql_store.stats.reset()
    page = client.get("/").content.decode()
    assert "Criar conta" in page and "Minha conta" not in page
    assert nosql_store.stats.total == 0


def test_request_customer_is_read_once_per_request_when_logged_in(logged_in_client, nosql_store, menu_loaded):
    logged_in_client.get("/")
    nosql_store.stats.reset()
    page = logged_in_client.get("/").content.decode()
    assert "Minha conta" in page and "Sair" in page
    assert nosql_store.stats.calls["get"] == 1


def test_a_session_naming_a_deleted_account_is_ended(logged_in_client, confirmed_customer):
    repositories.user_delete(confirmed_customer.id)
    assert logged_in_client.get("/conta/").status_code == 302
    assert SESSION_CUSTOMER not in logged_in_client.session
