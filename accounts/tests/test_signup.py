"""Sign-up, e-mail confirmation and the single-use confirmation links."""

import datetime as dt
import re
import threading

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts import repositories, selectors, services
from accounts.decorators import confirmed_customer_required, customer_required
from accounts.entities import ANONYMOUS
from conftest import post
from ocipizza.nosql import Query

from .conftest import CUSTOMER_PASSWORD, STRONG_PASSWORD, links, mails_to, signup_data


def confirmation_path(address: str) -> str:
    [message] = [m for m in mails_to(address) if "/conta/confirmar/" in m.body]
    [link] = [u for u in links(message) if "/conta/confirmar/" in u]
    return link.removeprefix("http://testserver")


@pytest.mark.argon2
def test_signup_creates_an_unconfirmed_account_and_mails_the_link(client):
    response = post(
        client, "/conta/cadastro/", signup_data(email="  Ana.Lima@EXAMPLE.com", telephone="+55 21 99876-5432")
    )
    assert response.status_code == 302 and response["Location"] == "/conta/cadastro/verifique-seu-email/"
    done = client.get(response["Location"]).content.decode()
    assert "Ana.Lima@example.com" in done
    customer = selectors.customer_get_by_email(email="ana.lima@example.com")
    assert customer.email == "Ana.Lima@example.com" and customer.telephone == "+5521998765432"
    assert customer.name == "Ana Lima" and not customer.verified and customer.active
    assert customer.privacy_version and customer.privacy_accepted_at
    assert len(customer.id) >= 22  # 128 random bits, not a counter
    stored = repositories.user_get(customer.id)
    assert stored.password.startswith("argon2$") and check_password(STRONG_PASSWORD, stored.password)
    [message] = mail.outbox
    assert message.to == ["Ana.Lima@example.com"] and message.subject == "Confirme seu e-mail na OCI PIZZA"
    assert f"/conta/confirmar/{customer.id}/" in message.body
    # The token itself is nowhere in the store: only its SHA-256.
    token = confirmation_path("Ana.Lima@example.com").rstrip("/").rsplit("/", 1)[1]
    rows = [r.value for r in repositories.store.iterate(Query("email_verification"))]
    assert len(rows) == 1 and token not in str(rows)


@pytest.mark.argon2
def test_signup_with_a_taken_address_answers_alike_and_mails_the_owner(client, customer, hasher_calls):
    other = Client(enforce_csrf_checks=True)
    mail.outbox.clear()
    new = post(client, "/conta/cadastro/", signup_data(email="nova@example.com"))
    taken = post(other, "/conta/cadastro/", signup_data(email="MARIA@example.com"))
    assert (new.status_code, new["Location"]) == (taken.status_code, taken["Location"])
    # A new account is signed in at once; a taken address is not (nobody proved its password). That
    # is the one difference, and signup_ip limits how fast anyone can look for it.
    new_page = client.get(new["Location"]).content.decode()
    taken_page = other.get(taken["Location"]).content.decode()
    assert 'data-testid="signed-in"' in new_page and 'data-testid="account-link"' in new_page
    assert 'data-testid="signed-in"' not in taken_page and 'data-testid="account-link"' not in taken_page
    for page, email in ((new_page, "nova@example.com"), (taken_page, "MARIA@example.com")):
        assert f"Enviamos um link de confirmação para <strong>{email}</strong>." in page
    assert hasher_calls["encode"] == 2  # one hash each: a taken address answers no faster
    # One e-mail each: a confirmation for the newcomer, a warning (not a second account) for the owner.
    assert len(mails_to("nova@example.com")) == 1
    [warning] = mails_to("maria@example.com")
    assert warning.subject == "Tentativa de cadastro com o seu e-mail na OCI PIZZA"
    assert "já tem uma conta" in warning.body and "/conta/confirmar/" not in warning.body
    assert selectors.customer_get_by_email(email="maria@example.com").id == customer.id
    assert len(list(repositories.store.iterate(Query("user")))) == 2


def test_twenty_simultaneous_signups_with_one_address_make_one_account(nosql_store):
    barrier = threading.Barrier(20)
    results, errors = [], []

    def sign_up(n):
        try:
            barrier.wait()
            results.append(
                services.customer_register(
                    name=f"Pessoa {n}",
                    email="disputado@example.com" if n % 2 else "DISPUTADO@example.com",
                    telephone="11987654321",
                    password=STRONG_PASSWORD,
                    base_url="http://testserver",
                    privacy_version="test",
                )
            )
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    created = [r for r in results if r is not None]
    assert len(created) == 1
    rows = list(nosql_store.iterate(Query("user")))
    assert [r["id"] for r in rows] == [created[0].id]  # the losers' rows are gone too
    assert selectors.customer_get_by_email(email="disputado@example.com").id == created[0].id


def test_a_claim_left_by_an_interrupted_deletion_does_not_block_the_address(customer, client):
    repositories.user_delete(customer.id)  # the row went, the claim stayed (a crash in between)
    response = post(client, "/conta/cadastro/", signup_data(email="maria@example.com"))
    assert response.status_code == 302
    again = selectors.customer_get_by_email(email="maria@example.com")
    assert again is not None and again.id != customer.id


def test_the_confirmation_link_asks_for_a_click_then_confirms_once(client):
    post(client, "/conta/cadastro/", signup_data())
    path = confirmation_path("ana@example.com")
    page = client.get(path, follow=True)  # on to the token-free address (test_token_links.py)
    assert page.status_code == 200 and "Confirmar meu e-mail" in page.content.decode()
    # Opening the link (as a mail scanner does) uses nothing up.
    assert client.get(path, follow=True).status_code == 200
    response = post(client, path)
    # The sign-up signed this browser in: the confirmation leads to the account, not to the login.
    assert response.status_code == 302 and response["Location"] == "/conta/"
    assert selectors.customer_get_by_email(email="ana@example.com").verified
    elsewhere = Client(enforce_csrf_checks=True)
    assert elsewhere.get(path).status_code == 400  # another browser: already used
    again = post(client, path)
    assert again.status_code == 400
    assert "Este link de confirmação já foi usado." in again.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda uid, token: (uid, token[:-1] + ("A" if token[-1] != "A" else "B")), id="forged"),
        pytest.param(lambda uid, token: (uid, "x" * 43), id="made-up"),
        pytest.param(lambda uid, token: (uid, token + "a" * 400), id="huge"),
        pytest.param(lambda uid, token: (uid[:-1] + ("A" if uid[-1] != "A" else "B"), token), id="other-uid"),
    ],
)
def test_forged_or_misaddressed_confirmation_links_are_refused(client, mangle):
    post(client, "/conta/cadastro/", signup_data())
    uid, token = confirmation_path("ana@example.com").strip("/").split("/")[-2:]
    uid, token = mangle(uid, token)
    for response in (
        client.get(f"/conta/confirmar/{uid}/{token}/"),
        post(client, f"/conta/confirmar/{uid}/{token}/"),
    ):
        assert response.status_code == 400
        assert "Este link de confirmação é inválido." in response.content.decode()
    assert not selectors.customer_get_by_email(email="ana@example.com").verified


def test_another_customers_token_does_not_confirm_this_account(client, customer):
    mail.outbox.clear()
    post(client, "/conta/cadastro/", signup_data())
    ana_token = confirmation_path("ana@example.com").strip("/").split("/")[-1]
    response = post(client, f"/conta/confirmar/{customer.id}/{ana_token}/")
    assert response.status_code == 400 and "inválido" in response.content.decode()
    assert not selectors.customer_get(customer_id=customer.id).verified


def test_an_expired_confirmation_link_says_so(client, token_clock):
    asked = timezone.now()
    post(client, "/conta/cadastro/", signup_data())
    sent = timezone.now()
    path = confirmation_path("ana@example.com")
    token_clock(asked + dt.timedelta(hours=23, minutes=59))
    assert client.get(path, follow=True).status_code == 200
    token_clock(sent + dt.timedelta(hours=24, minutes=1))
    response = client.get(path)
    assert response.status_code == 400
    assert "Este link de confirmação expirou (vale por 24 horas)." in response.content.decode()


def test_unconfirmed_customers_can_resend_the_link_a_few_times(client, customer):
    from conftest import client_login

    client_login(client, customer.id)
    mail.outbox.clear()
    page = client.get("/conta/").content.decode()
    assert "Reenviar link de confirmação" in page
    for _ in range(3):
        response = post(client, "/conta/confirmar/reenviar/", follow=True)
        assert "Enviamos um novo link de confirmação para maria@example.com." in response.content.decode()
    throttled = post(client, "/conta/confirmar/reenviar/", follow=True).content.decode()
    assert "Muitas tentativas." in throttled
    assert len(mails_to("maria@example.com")) == 3
    # Any of the links works (the newest does not cancel the others).
    post(client, confirmation_path_first("maria@example.com"))
    assert selectors.customer_get(customer_id=customer.id).verified


def confirmation_path_first(address):
    message = next(m for m in mails_to(address) if "/conta/confirmar/" in m.body)
    return next(u for u in links(message) if "/conta/confirmar/" in u).removeprefix("http://testserver")


def _decorated_request(customer):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().get("/pedido/finalizar/")
    request.session = {}
    request._messages = FallbackStorage(request)
    request.customer = customer
    return request


def test_confirmed_customer_required_explains_why_an_unconfirmed_customer_cannot_order(customer):
    view = confirmed_customer_required(lambda request: "checkout page")
    request = _decorated_request(customer)
    response = view(request)
    assert response.status_code == 302 and response["Location"] == "/conta/"
    [message] = list(request._messages)
    assert str(message).startswith(
        "Para fazer pedidos, confirme seu e-mail: enviamos um link para maria@example.com."
    )
    confirmed = repositories.user_update(customer.id, lambda s: s.evolve(verified=True)).customer
    assert view(_decorated_request(confirmed)) == "checkout page"


def test_customer_required_sends_visitors_to_login_and_back():
    for decorator in (customer_required, confirmed_customer_required):
        request = _decorated_request(ANONYMOUS)
        response = decorator(lambda request: "page")(request)
        assert response.status_code == 302
        assert response["Location"] == "/conta/entrar/?next=/pedido/finalizar/"
        assert [str(m) for m in request._messages] == ["Entre na sua conta para continuar."]


def test_a_logged_in_customer_is_sent_from_signup_to_the_account(logged_in_client):
    response = logged_in_client.get("/conta/cadastro/")
    assert response.status_code == 302 and response["Location"] == "/conta/"


def test_signup_needs_the_privacy_consent(client):
    response = post(client, "/conta/cadastro/", signup_data(privacy=""))
    assert response.status_code == 200
    assert "Para criar a conta, aceite o aviso de privacidade." in response.content.decode()
    assert selectors.customer_get_by_email(email="ana@example.com") is None


def test_the_privacy_notice_is_a_real_page(client):
    page = client.get("/privacidade/").content.decode()
    for heading in ("Quem cuida dos seus dados", "Seus direitos", "Por quanto tempo guardamos"):
        assert heading in page
    assert "privacidade@ocipizza.com.br" in page and "ANPD" in page


def test_signups_from_one_address_are_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup_ip": (1, 3600)}
    assert post(client, "/conta/cadastro/", signup_data()).status_code == 302
    # Another browser from the same address (this one is signed in to the new account now).
    response = post(
        Client(enforce_csrf_checks=True), "/conta/cadastro/", signup_data(email="bia@example.com")
    )
    assert response.status_code == 429 and "Muitas tentativas." in response.content.decode()
    assert selectors.customer_get_by_email(email="bia@example.com") is None


def test_customer_fixture_password_works(customer):
    assert check_password(CUSTOMER_PASSWORD, repositories.user_get(customer.id).password)


def test_an_unconfirmed_customer_fills_a_cart_but_is_told_why_checkout_waits(client, customer, shop):
    from conftest import client_login

    client_login(client, customer.id)
    client.get("/")  # the page with the add-to-cart forms sets the CSRF cookie
    post(client, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1})
    assert re.search(r'data-testid="cart-badge"[^>]*>1<', client.get("/").content.decode())
    response = client.get("/pedido/finalizar/", follow=True)
    assert response.redirect_chain[-1][0] == "/conta/"
    page = response.content.decode()
    assert "Para fazer pedidos, confirme seu e-mail: enviamos um link para maria@example.com." in page
    assert "Reenviar link de confirmação" in page
    assert repositories.user_get(customer.id).customer.cart["lines"]  # the cart waits for them
