"""A signed-in customer's cart belongs to the account: across devices, logouts and resets; merged at login."""

import re

import pytest
from django.test import Client

from accounts import repositories as accounts_rows
from conftest import CUSTOMER_PASSWORD, brl, client_login, post
from orders import cart as carts
from orders.tests.conftest import cart_of, log_in


def add(client, item, **fields):
    return post(client, "/carrinho/adicionar/", {"item": item, "quantity": 1, **fields})


def badge(client) -> int:
    return int(
        re.search(r'data-testid="cart-badge"[^>]*>(\d+)<', client.get("/carrinho/").content.decode())[1]
    )


def items(client) -> list[tuple[str, int]]:
    return sorted((line["item"], line["qty"]) for line in cart_of(client))


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def phone(customer):
    return log_in(browser(), customer.email)


@pytest.fixture
def desktop(customer):
    return log_in(browser(), customer.email)


def test_the_same_cart_on_two_devices_and_a_change_on_one_is_seen_on_the_other(phone, desktop, menu_data):
    add(phone, "calabresa", quantity=2)
    add(desktop, "refrigerante-2l")
    expected = 2 * menu_data.price("calabresa") + menu_data.price("refrigerante-2l")
    for device in (phone, desktop):
        page = device.get("/carrinho/").content.decode()
        assert brl(expected) in page and badge(device) == 3
    line = next(raw for raw in cart_of(phone) if raw["item"] == "calabresa")
    post(desktop, f"/carrinho/{line['id']}/remover/")
    assert items(phone) == [("refrigerante-2l", 1)] and badge(phone) == 1


def test_logout_empties_the_browser_and_signing_in_again_brings_the_cart_back(phone, customer):
    add(phone, "calabresa", quantity=3)
    post(phone, "/conta/sair/")
    assert badge(phone) == 0  # whoever uses this browser next finds nothing
    log_in(phone, customer.email)
    assert badge(phone) == 3 and items(phone) == [("calabresa", 3)]


def test_signing_out_everywhere_and_a_password_reset_keep_the_cart(phone, desktop, customer):
    from accounts.tests.test_password_reset import NEW_PASSWORD, ask_reset, reset_path, set_password

    add(phone, "calabresa")
    add(phone, "refrigerante-2l")
    post(desktop, "/conta/sair-de-todos/")
    assert phone.get("/conta/").status_code == 302  # every session ended...
    forgetful = browser()
    ask_reset(forgetful, customer.email)
    path = reset_path(customer.email)
    forgetful.get(path, follow=True)
    assert set_password(forgetful, path).status_code == 302
    response = post(forgetful, "/conta/entrar/", {"email": customer.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert items(forgetful) == [("calabresa", 1), ("refrigerante-2l", 1)]  # ...the cart did not
    assert badge(forgetful) == 2


def test_a_visitors_cart_merges_into_the_accounts_at_login(phone, customer):
    add(phone, "calabresa", quantity=2)
    add(phone, "refrigerante-2l")
    visitor = browser()
    visitor.get("/")
    add(visitor, "calabresa", quantity=3)  # same line: quantities add up
    add(visitor, "agua-mineral")
    response = post(visitor, "/conta/entrar/", {"email": customer.email, "password": CUSTOMER_PASSWORD})
    assert response.status_code == 302
    page = visitor.get(response["Location"]).content.decode()
    assert "Juntamos os itens que você escolheu antes de entrar ao carrinho da sua conta." in page
    assert items(visitor) == [("agua-mineral", 1), ("calabresa", 5), ("refrigerante-2l", 1)]
    assert carts.SESSION_KEY not in visitor.session
    assert items(phone) == items(visitor)  # the phone sees the merged cart too


def test_the_merge_keeps_the_limits_and_says_what_they_cut(customer, menu_data):
    accounts_rows.user_update(
        customer.id,
        lambda stored: stored.evolve(
            cart={
                "lines": [
                    {
                        "id": f"a{n}",
                        "item": "calabresa",
                        "size": None,
                        "half": None,
                        "qty": 1,
                        "note": f"n{n}",
                    }
                    for n in range(carts.MAX_LINES - 1)
                ]
                + [{"id": "big", "item": "agua-mineral", "size": None, "half": None, "qty": 18, "note": ""}]
            }
        ),
    )
    visitor = browser()
    visitor.get("/")
    add(visitor, "agua-mineral", quantity=5)  # 18 + 5 > 20: kept at 20
    add(visitor, "refrigerante-2l")  # a new line, and the account's cart has no room
    response = post(visitor, "/conta/entrar/", {"email": customer.email, "password": CUSTOMER_PASSWORD})
    page = visitor.get(response["Location"]).content.decode()
    assert f"Alguns itens passariam de {carts.MAX_QUANTITY} unidades" in page
    assert "1 item não coube no carrinho da sua conta (até 30 itens diferentes)." in page
    lines = cart_of(visitor)
    assert len(lines) == carts.MAX_LINES
    assert next(line["qty"] for line in lines if line["item"] == "agua-mineral") == carts.MAX_QUANTITY


def test_a_merge_that_is_repeated_adds_nothing_twice(customer):
    """A request that merged but failed before the session dropped the visitor's cart merges it again."""
    visitor = browser()
    visitor.get("/")
    add(visitor, "calabresa", quantity=2)
    visitor_lines = cart_of(visitor)
    client_login(visitor, customer.id)  # signed in, the visitor's cart still in the session
    assert badge(visitor) == 2 and items(visitor) == [("calabresa", 2)]
    session = visitor.session
    session[carts.SESSION_KEY] = {"lines": visitor_lines}  # as if the session had not been saved
    session.save()
    assert items(visitor) == [("calabresa", 2)]
    assert badge(visitor) == 2


def test_two_devices_adding_at_once_both_keep_their_lines(customer, menu_data):
    """The account's row is written with if_version: a change made in between is applied again on it."""
    from menu.selectors import storefront_get

    menu, pizzeria = storefront_get()
    stale = carts.AccountCart(accounts_rows.user_get(customer.id).customer)
    fresh = carts.AccountCart(accounts_rows.user_get(customer.id).customer)
    carts.cart_add(session=fresh, menu=menu, pizzeria=pizzeria, item_slug="calabresa")
    carts.cart_add(session=stale, menu=menu, pizzeria=pizzeria, item_slug="refrigerante-2l")
    cart = accounts_rows.user_get(customer.id).customer.cart
    assert sorted(line["item"] for line in cart["lines"]) == ["calabresa", "refrigerante-2l"]


def test_a_cart_changed_on_another_device_is_shown_again_before_it_is_ordered(phone, desktop, open_now):
    from orders.tests.test_checkout import ADDRESS, FEE

    add(phone, "calabresa", size="grande")
    html = phone.get("/pedido/finalizar/").content.decode()
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)[1]
    seen = re.search(r'name="cart_seen" value="([0-9a-f]+)"', html)[1]
    add(desktop, "agua-mineral")  # after the phone's checkout page was shown
    data = {"key": key, "cart_seen": seen, "fulfilment": "DELIVERY", "saved_address": "new", "payment": "PIX"}
    response = post(phone, "/pedido/finalizar/", {**data, **ADDRESS, "quoted_fee": str(FEE)})
    page = response.content.decode()
    assert response.status_code == 200 and "Seu carrinho mudou em outro aparelho." in page
    assert "Água mineral" in page  # the page now shows what would be ordered
    assert items(phone) == [("agua-mineral", 1), ("calabresa", 1)]  # nothing ordered, nothing lost
    seen = re.search(r'name="cart_seen" value="([0-9a-f]+)"', page)[1]
    response = post(
        phone, "/pedido/finalizar/", {**data, **ADDRESS, "quoted_fee": str(FEE), "cart_seen": seen}
    )
    assert response.status_code == 302 and response["Location"].startswith("/pedidos/")
    assert items(desktop) == []


def test_the_ordered_lines_leave_the_cart_and_a_line_added_meanwhile_stays(customer, menu_data):
    from menu.selectors import storefront_get

    menu, pizzeria = storefront_get()
    account = carts.AccountCart(accounts_rows.user_get(customer.id).customer)
    carts.cart_add(session=account, menu=menu, pizzeria=pizzeria, item_slug="calabresa")
    ordered = carts.cart_get(session=account, menu=menu, pizzeria=pizzeria)
    elsewhere = carts.AccountCart(accounts_rows.user_get(customer.id).customer)
    carts.cart_add(session=elsewhere, menu=menu, pizzeria=pizzeria, item_slug="agua-mineral")
    carts.cart_clear(session=account, cart=ordered)
    cart = accounts_rows.user_get(customer.id).customer.cart
    assert [line["item"] for line in cart["lines"]] == ["agua-mineral"]


def test_a_bad_cart_on_the_account_row_is_ignored_and_never_a_500(customer, phone):
    accounts_rows.user_update(customer.id, lambda stored: stored.evolve(cart={"lines": "not a list"}))
    assert phone.get("/carrinho/").status_code == 200 and badge(phone) == 0
    assert add(phone, "calabresa").status_code == 302 and items(phone) == [("calabresa", 1)]


def test_a_signed_in_page_costs_no_more_redis_commands_nor_store_reads(phone, nosql_store, redis_commands):
    add(phone, "calabresa")
    phone.get("/")
    nosql_store.stats.reset()
    redis_commands.start()
    page = phone.get("/").content.decode()
    assert re.search(r'data-testid="cart-badge"[^>]*>1<', page)
    # The cart is on the account's row, which the page reads anyway: one store read, and Redis for the
    # session and the menu only.
    assert nosql_store.stats.calls["get"] == 1 and nosql_store.stats.total == 1
    assert redis_commands.count() <= 2


def test_a_change_to_the_cart_of_an_account_deleted_meanwhile_is_refused_with_a_message(customer):
    from menu.selectors import storefront_get

    menu, pizzeria = storefront_get()
    account = carts.AccountCart(accounts_rows.user_get(customer.id).customer)
    accounts_rows.user_delete(customer.id)  # on another device
    with pytest.raises(carts.CartError, match=r"Entre na sua conta para continuar\."):
        carts.cart_add(session=account, menu=menu, pizzeria=pizzeria, item_slug="calabresa")


def test_signing_up_signs_in_and_the_visitors_cart_joins_the_new_account(shop):
    from accounts.tests.conftest import signup_data

    visitor = browser()
    visitor.get("/")
    add(visitor, "calabresa", quantity=2)
    response = post(visitor, "/conta/cadastro/", signup_data(email="nova@example.com"))
    assert response.status_code == 302
    assert 'data-testid="account-link"' in visitor.get("/").content.decode()  # signed in
    assert badge(visitor) == 2 and items(visitor) == [("calabresa", 2)]
    assert carts.SESSION_KEY not in visitor.session  # on the account now
    # Ordering still waits for the confirmed address.
    assert visitor.get("/pedido/finalizar/")["Location"] == "/conta/"


def test_on_oracle_the_cart_lives_on_the_account_row(oracle_store, shop, make_customer):
    customer = make_customer("maria@example.com", verified=True, name="Maria Silva")
    visitor = browser()
    visitor.get("/")
    add(visitor, "calabresa", quantity=2)
    log_in(visitor, customer.email)
    other = log_in(browser(), customer.email)
    add(other, "agua-mineral")
    assert items(visitor) == [("agua-mineral", 1), ("calabresa", 2)] and badge(visitor) == 3
