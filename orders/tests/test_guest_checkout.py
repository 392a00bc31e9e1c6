"""Ordering without an account: name, mobile and e-mail; PIX or card; tracked through the e-mailed link."""

import re
from io import StringIO

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client

from accounts import services as account_services
from accounts.tests.conftest import signup_data
from accounts.tests.test_signup import confirmation_path
from conftest import brl, post
from ocipizza.nosql import Query
from ocipizza.pizzeria.services import pizzeria_save
from orders import guests, repositories
from orders.checkout import CheckoutError, order_place
from orders.statuses import Fulfilment, Status
from orders.tests.conftest import OPEN_TIME, cart_of, log_in
from orders.tests.test_checkout import ADDRESS, FEE, SUBTOTAL, TOTAL, add

GUEST = {"name": "Ana Lima", "telephone": "(21) 99876-5432", "email": "Ana.Lima@Example.com"}
URL = "/pedido/sem-cadastro/"


def checkout_page(client) -> str:
    return client.get(URL).content.decode()


def form_key(html: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', html)[1]


def submit(client, key=None, **fields):
    data = {
        "key": key or form_key(checkout_page(client)),
        "fulfilment": "DELIVERY",
        "payment": "PIX",
        "quoted_fee": str(FEE),
        **GUEST,
        **ADDRESS,
        **fields,
    }
    return post(client, URL, {k: v for k, v in data.items() if v is not None})


def all_orders():
    return [row for row in repositories.store.iterate(Query("user.order"))]


def guest_orders(email=GUEST["email"]):
    return list(repositories.orders_of(customer_id=guests.guest_id(email)))


@pytest.fixture
def visitor(client, shop, open_now):
    """A visitor with the ``filled`` cart of the checkout tests (half Calabresa/Peperone ×2, a 2 L soda)."""
    client.get("/")
    add(client, "calabresa", size="grande", quantity=2, half="peperone")
    add(client, "refrigerante-2l")
    return client


def test_the_cart_offers_ordering_without_an_account(visitor):
    page = visitor.get("/carrinho/").content.decode()
    assert 'href="/pedido/sem-cadastro/"' in page and "Pedir sem cadastro" in page
    login = visitor.get("/conta/entrar/?next=/pedido/finalizar/").content.decode()
    assert 'href="/pedido/sem-cadastro/"' in login


def test_a_guest_places_a_pix_order_and_follows_it_through_the_emailed_link(visitor, settings):
    page = checkout_page(visitor)
    assert 'data-testid="guest-contact"' in page
    assert 'value="CASH"' not in page and 'name="change_for"' not in page  # PIX or card only
    response = submit(visitor)
    assert response.status_code == 302 and response["Location"].startswith("/pedido/acompanhar/")
    [order] = guest_orders()
    assert order.status == Status.AWAITING_PAYMENT and order.total == TOTAL and order.subtotal == SUBTOTAL
    assert order.customer == {
        "name": "Ana Lima",
        "email": "Ana.Lima@example.com",
        "telephone": "+5521998765432",
        "guest": True,
    }
    assert cart_of(visitor) == []
    landing = visitor.get(response["Location"]).content.decode()
    assert (
        f"Pedido {order.code} recebido! Enviamos o link para acompanhá-lo para Ana.Lima@example.com."
        in landing
    )
    assert 'data-testid="pix-code"' in landing and brl(TOTAL) in landing
    call_command("send_outbox", stdout=StringIO())
    [message] = [m for m in mail.outbox if order.code in m.subject]
    assert message.to == ["Ana.Lima@example.com"]
    link = re.search(r"https?://\S+/pedido/acompanhar/\S+/", message.body)[0]
    path = "/" + link.split("/", 3)[3]
    assert path == response["Location"]
    elsewhere = Client(enforce_csrf_checks=True)  # the link alone is enough: no account, no session
    tracking = elsewhere.get(path)
    assert tracking.status_code == 200 and f"Pedido {order.code}" in tracking.content.decode()
    assert "Pedir de novo" not in tracking.content.decode()


def test_a_replayed_submit_lands_on_the_same_order(visitor):
    key = form_key(checkout_page(visitor))
    first = submit(visitor, key)
    again = submit(visitor, key)
    assert first["Location"] == again["Location"] and len(guest_orders()) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"telephone": "(11) 3456-7890"}, "Informe um celular: 9 dígitos depois do DDD, começando com 9."),
        ({"telephone": "98765-4321"}, "Inclua o DDD, por exemplo (11) 98765-4321."),
        ({"telephone": "(00) 98765-4321"}, "O DDD 00 não existe."),
        ({"telephone": ""}, "Este campo é obrigatório."),
        ({"email": "ana@"}, "Informe um endereço de email válido."),
        ({"name": "123"}, "O nome precisa ter letras."),
        ({"name": "Ana\x00"}, "Caracteres nulos não são permitidos."),
        ({"payment": "CASH"}, "Escolha a forma de pagamento."),
        ({"payment": "BITCOIN"}, "Escolha a forma de pagamento."),
        (
            {"cep": "20040-002", "cidade": "Rio de Janeiro", "uf": "RJ", "logradouro": "Avenida Rio Branco"},
            None,
        ),
        ({"key": "not-a-key"}, "O formulário expirou. Confira o pedido e envie de novo."),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_written(visitor, fields, message):
    response = submit(visitor, **fields)
    page = response.content.decode()
    assert response.status_code == 200
    if message:
        assert message in page, message
    else:
        assert "fora da área de entrega" in page or "não confere" in page or "CEP" in page
    assert all_orders() == []
    assert len(cart_of(visitor)) == 2  # the cart is kept


def test_cash_is_refused_by_the_service(visitor):
    from menu.selectors import storefront_get
    from orders import cart as carts

    menu, pizzeria = storefront_get()
    cart = carts.cart_get(session=visitor.session, menu=menu, pizzeria=pizzeria)
    guest = guests.guest_customer(name="Ana", email="ana@example.com", telephone="+5521998765432")
    with pytest.raises(CheckoutError) as refused:
        order_place(
            customer=guest,
            cart=cart,
            pizzeria=pizzeria,
            key="1" * 32,
            fulfilment=Fulfilment.PICKUP,
            payment="CASH",
            now=OPEN_TIME,
        )
    assert refused.value.message == "Sem cadastro, o pagamento é por PIX ou cartão."
    assert all_orders() == []


def test_signed_in_customers_use_their_own_checkout(client, shop, make_customer):
    make_customer("maria@example.com", verified=True)
    log_in(client, "maria@example.com")
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/pedido/finalizar/"


def test_an_empty_cart_goes_back_to_the_cart(client, shop):
    response = client.get(URL, follow=True)
    assert response.redirect_chain[-1][0] == "/carrinho/"
    assert "Seu carrinho está vazio." in response.content.decode()


def test_guests_are_rate_limited_per_client(visitor, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest_order_ip": (1, 3600)}
    assert submit(visitor).status_code == 302
    add(visitor, "calabresa", size="grande", quantity=2)  # a new cart, above the minimum order
    response = submit(visitor, email="outra@example.com")
    assert response.status_code == 429 and "Muitas tentativas." in response.content.decode()
    assert guest_orders("outra@example.com") == [] and cart_of(visitor)


def test_the_order_caps_count_a_guests_orders_per_email(visitor, settings):
    from conftest import pizzeria_document

    pizzeria_save(document={**pizzeria_document(), "max_open_orders": 1})
    assert submit(visitor).status_code == 302
    add(visitor, "calabresa", size="grande", quantity=2)  # a new cart, above the minimum order
    response = submit(visitor, email="ana.lima@example.COM")  # the same address, typed differently
    page = response.content.decode()
    assert response.status_code == 200 and "Você já tem 1 pedido em andamento." in page
    assert len(guest_orders()) == 1 and cart_of(visitor)
    assert submit(visitor, email="outra@example.com").status_code == 302


def test_the_pix_only_value_holds_for_guests(visitor):
    from conftest import pizzeria_document

    pizzeria_save(document={**pizzeria_document(), "pix_only_above": "10.00"})
    response = submit(visitor, payment="CREDIT_CARD")
    assert "Pedidos acima de R$ 10,00 são pagos só por PIX." in response.content.decode()
    assert all_orders() == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature broken
        lambda token: "x" * 40,
        lambda token: signing.dumps(signing.loads(token, salt=guests.LINK_SALT), salt="another.purpose"),
        lambda token: "a" * 400,
    ],
)
def test_a_tampered_tracking_link_shows_nothing(visitor, mangle):
    location = submit(visitor)["Location"]
    token = location.rstrip("/").rsplit("/", 1)[1]
    stranger = Client(enforce_csrf_checks=True)
    response = stranger.get(f"/pedido/acompanhar/{mangle(token)}/")
    assert response.status_code == 404
    assert "Este link de acompanhamento não vale." in response.content.decode()


def test_an_expired_tracking_link_says_so(visitor, monkeypatch):
    location = submit(visitor)["Location"]
    monkeypatch.setattr(guests, "LINK_MAX_AGE", -1)
    response = Client().get(location)
    assert response.status_code == 404 and "expirou" in response.content.decode()


def test_a_guest_cancels_through_the_link(visitor):
    location = submit(visitor)["Location"]
    page = visitor.get(location).content.decode()
    assert f'action="{location}cancelar/"' in page
    response = post(Client(enforce_csrf_checks=True), f"{location}cancelar/", {"reason": "engano"})
    assert response.status_code == 302
    [order] = guest_orders()
    assert order.status == Status.CANCELED


def test_the_tracking_link_cannot_cancel_without_csrf(visitor):
    location = submit(visitor)["Location"]
    assert Client(enforce_csrf_checks=True).post(f"{location}cancelar/").status_code == 403
    assert guest_orders()[0].status == Status.AWAITING_PAYMENT


def test_when_that_email_signs_up_and_confirms_its_orders_join_the_account(visitor):
    location = submit(visitor)["Location"]
    [order] = guest_orders()
    newcomer = Client(enforce_csrf_checks=True)
    data = signup_data(email="ana.lima@example.com", name="Ana Lima")
    assert post(newcomer, "/conta/cadastro/", data).status_code == 302
    assert order.code not in newcomer.get("/pedidos/").content.decode()  # not before it is confirmed
    path = confirmation_path("ana.lima@example.com")
    newcomer.get(path, follow=True)
    assert post(newcomer, path.rsplit("/", 2)[0] + "/link/").status_code == 302
    assert guest_orders() == []
    mine = newcomer.get("/pedidos/").content.decode()
    assert order.code in mine
    customer = account_services.customer_for_session(
        customer_id=re.search(r"/conta/confirmar/([^/]+)/", path)[1]
    ).customer
    moved = repositories.order_get(customer_id=customer.id, order_id=order.order_id)
    assert moved is not None and moved.code == order.code and moved.total == order.total
    # The e-mailed link still works, and so does the account's own page for the order.
    assert Client().get(location).status_code == 200
    assert newcomer.get(f"/pedidos/{order.order_id}/").status_code == 200


def test_an_existing_confirmed_account_gets_its_guest_orders_at_the_next_sign_in(visitor, make_customer):
    customer = make_customer("ana.lima@example.com", verified=True, name="Ana Lima")
    submit(visitor)
    [order] = guest_orders()
    account = log_in(Client(enforce_csrf_checks=True), "ana.lima@example.com")
    assert order.code in account.get("/pedidos/").content.decode()
    assert repositories.order_get(customer_id=customer.id, order_id=order.order_id) is not None


def test_an_unconfirmed_account_does_not_get_them(visitor, make_customer):
    make_customer("ana.lima@example.com", verified=False, name="Ana Lima")
    submit(visitor)
    log_in(Client(enforce_csrf_checks=True), "ana.lima@example.com")
    assert len(guest_orders()) == 1  # whoever knows the password has not shown they read the mailbox


def test_the_tracking_link_does_not_tell_which_address_ordered(visitor):
    location = submit(visitor)["Location"]
    payload = signing.loads(location.rstrip("/").rsplit("/", 1)[1], salt=guests.LINK_SALT)
    # The shard id is keyed with SECRET_KEY: a guessed address cannot be checked against it.
    import hashlib

    from accounts.normalize import email_key

    unkeyed = hashlib.sha256(email_key(GUEST["email"]).encode()).hexdigest()
    assert payload["c"] == guests.guest_id(GUEST["email"]) and unkeyed[:32] not in payload["c"]
    assert "ana" not in payload["c"].lower()


def test_orders_placed_before_the_secret_key_rotated_still_join(visitor, settings):
    submit(visitor)
    [order] = guest_orders()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    customer = make_confirmed("ana.lima@example.com")
    assert guests.guest_orders_join(customer=customer) == 1
    assert repositories.order_get(customer_id=customer.id, order_id=order.order_id) is not None


def make_confirmed(email):
    from accounts import repositories as accounts_rows

    registered = account_services.customer_register(
        name="Ana Lima",
        email=email,
        telephone="21998765432",
        password="uma-senha-bem-comprida-9",
        base_url="http://testserver",
        privacy_version="test",
    )
    return accounts_rows.user_update(registered.id, lambda stored: stored.evolve(verified=True)).customer


def test_on_oracle_a_guest_order_follows_the_link_and_joins_the_account(
    oracle_store, shop, open_now, client, make_customer
):
    """The same journey on the borneo backend: the guest shard, the link and the move between shards."""
    client.get("/")
    add(client, "calabresa", size="grande", quantity=2)
    location = submit(client)["Location"]
    [order] = guest_orders()
    customer = make_customer("ana.lima@example.com", verified=True, name="Ana Lima")
    assert guests.guest_orders_join(customer=customer) == 1
    assert guest_orders() == []
    assert repositories.order_get(customer_id=customer.id, order_id=order.order_id).code == order.code
    assert f"Pedido {order.code}" in Client().get(location).content.decode()  # found by its code now


def test_the_next_order_from_this_browser_starts_with_the_same_contact_details(visitor):
    assert submit(visitor).status_code == 302
    add(visitor, "calabresa", size="grande", quantity=2)
    page = checkout_page(visitor)
    assert 'name="name" value="Ana Lima"' in page
    assert 'value="(21) 99876-5432"' in page and 'value="Ana.Lima@example.com"' in page
    other = Client(enforce_csrf_checks=True)
    other.get("/")
    add(other, "calabresa", size="grande")
    assert "Ana Lima" not in checkout_page(other)


def test_an_order_the_staff_move_while_it_joins_the_account_keeps_the_move(
    visitor, make_customer, monkeypatch
):
    from orders.services import order_transition
    from orders.statuses import Actor

    submit(visitor, payment="CREDIT_CARD")
    [stale] = guest_orders()
    order_transition(order=stale, target=Status.RECEIVED, actor=Actor.STAFF, now=OPEN_TIME)  # meanwhile
    listed = repositories.orders_all_of
    monkeypatch.setattr(
        repositories,
        "orders_all_of",
        lambda *, customer_id: [stale] if "guest-" in customer_id else listed(customer_id=customer_id),
    )
    customer = make_customer("ana.lima@example.com", verified=True, name="Ana Lima")
    assert guests.guest_orders_join(customer=customer) == 1
    moved = repositories.order_get(customer_id=customer.id, order_id=stale.order_id)
    assert moved.status == Status.RECEIVED  # the copy made from the stale read was written over
    assert guest_orders() == []
