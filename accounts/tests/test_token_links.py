"""Confirmation and reset links carry their token to the first request only: it moves into the session and
the browser goes on at a token-free address, so logs and Referer headers of the pages that use it hold no
usable link (Django's PasswordResetConfirmView pattern)."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from accounts import repositories
from conftest import client_login, post

from .conftest import CUSTOMER_PASSWORD, links, mails_to

NEW_PASSWORD = "fermentacao-natural-72h"


def _link(address: str, part: str) -> str:
    message = next(m for m in reversed(mails_to(address)) if part in m.body)
    return next(u for u in links(message) if part in u).removeprefix("http://testserver")


def _token(path: str) -> str:
    return path.strip("/").split("/")[-1]


def test_the_confirmation_link_moves_its_token_into_the_session(client, customer):
    client_login(client, customer.id)
    post(client, "/conta/confirmar/reenviar/")
    path = _link(customer.email, "/conta/confirmar/")
    token = _token(path)

    first = client.get(path)
    assert first.status_code == 302
    assert token not in first["Location"] and first["Location"] == f"/conta/confirmar/{customer.id}/link/"
    page = client.get(first["Location"])
    assert page.status_code == 200 and token not in page.content.decode()
    # The page's form posts to its own token-free address.
    confirmed = post(client, first["Location"])
    assert confirmed.status_code == 302
    assert repositories.user_get(customer.id).customer.verified
    assert "accounts_confirm_token" not in client.session


def test_the_reset_link_moves_its_token_into_the_session(client, customer):
    post(client, "/conta/senha/recuperar/", {"email": customer.email})
    path = _link(customer.email, "/conta/senha/redefinir/")
    token = _token(path)

    first = client.get(path)
    assert first.status_code == 302
    assert first["Location"] == f"/conta/senha/redefinir/{customer.id}/link/"
    form = client.get(first["Location"])
    assert form.status_code == 200 and 'name="password1"' in form.content.decode()
    assert token not in form.content.decode()
    done = post(client, first["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/conta/entrar/"
    signed_in = post(client, "/conta/entrar/", {"email": customer.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    # Used up: the e-mailed address is now refused.
    assert client.get(path).status_code == 400


def test_the_token_free_address_without_the_session_is_an_invalid_link(client, customer):
    post(client, "/conta/senha/recuperar/", {"email": customer.email})
    path = _link(customer.email, "/conta/senha/redefinir/")
    address = client.get(path)["Location"]

    stranger = Client(enforce_csrf_checks=True)
    response = stranger.get(address)
    assert response.status_code == 400 and "inválido" in response.content.decode()
    refused = post(stranger, address, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert refused.status_code == 400
    # The owner's password is unchanged.
    assert (
        post(stranger, "/conta/entrar/", {"email": customer.email, "password": CUSTOMER_PASSWORD}).status_code
        == 302
    )


def test_another_accounts_session_token_is_not_used(client, make_customer, customer):
    other = make_customer("ana@example.com")
    post(client, "/conta/senha/recuperar/", {"email": customer.email})
    client.get(_link(customer.email, "/conta/senha/redefinir/"))
    # Maria's token sits in the session; Ana's token-free address must not pick it up.
    assert client.get(f"/conta/senha/redefinir/{other.id}/link/").status_code == 400


def test_a_bad_link_makes_no_session_and_no_redirect(client, customer):
    mail.outbox.clear()
    response = client.get(f"/conta/confirmar/{customer.id}/{'x' * 43}/")
    assert response.status_code == 400
    assert "sessionid" not in response.cookies
