"""Setting a password, by a reset link or by a change, revokes every reset link still unused (item 3)."""

from django.core import mail
from django.test import Client

from conftest import client_login, post

from .conftest import CUSTOMER_PASSWORD, links

NEW_PASSWORD = "fermentacao-natural-72h"
OTHER_PASSWORD = "oregano-fresco-da-horta"


def reset_links(address: str) -> list[str]:
    return [
        u.removeprefix("http://testserver")
        for m in mail.outbox
        if address in m.to
        for u in links(m)
        if "/conta/senha/redefinir/" in u
    ]


def ask_reset(email: str) -> str:
    post(Client(enforce_csrf_checks=True), "/conta/senha/recuperar/", {"email": email})
    return reset_links(email)[-1]


def use_link(client, path: str, password: str):
    """Open the link and send the new password from the page it leads to (the link may move the token
    out of the URL first)."""
    form = client.get(path, follow=True)
    target = form.redirect_chain[-1][0] if form.redirect_chain else path
    return form, post(client, target, {"password1": password, "password2": password})


def test_a_reset_revokes_the_older_links(customer):
    mail.outbox.clear()
    older, newer = ask_reset("maria@example.com"), ask_reset("maria@example.com")
    assert older != newer
    _, done = use_link(Client(enforce_csrf_checks=True), newer, NEW_PASSWORD)
    assert done.status_code == 302
    form, refused = use_link(Client(enforce_csrf_checks=True), older, OTHER_PASSWORD)
    assert refused.status_code == 400 or form.status_code == 400
    assert "Este link de redefinição de senha é inválido." in (form.content + refused.content).decode()
    login = post(
        Client(enforce_csrf_checks=True),
        "/conta/entrar/",
        {"email": "maria@example.com", "password": NEW_PASSWORD},
    )
    assert login.status_code == 302  # the older link set nothing


def test_a_password_change_revokes_every_outstanding_link(customer):
    mail.outbox.clear()
    link = ask_reset("maria@example.com")
    mine = Client(enforce_csrf_checks=True)
    client_login(mine, customer.id)
    changed = post(
        mine,
        "/conta/senha/alterar/",
        {"current_password": CUSTOMER_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    form, refused = use_link(Client(enforce_csrf_checks=True), link, OTHER_PASSWORD)
    assert refused.status_code == 400 or form.status_code == 400
    assert "Este link de redefinição de senha é inválido." in (form.content + refused.content).decode()
    assert (
        post(
            Client(enforce_csrf_checks=True),
            "/conta/entrar/",
            {"email": "maria@example.com", "password": NEW_PASSWORD},
        ).status_code
        == 302
    )
