"""Password recovery: no enumeration, single-use 1-hour links, every other session ends."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import repositories, services
from conftest import client_login, post
from ocipizza.mail import outbox_send_due

from .conftest import CUSTOMER_PASSWORD, links, mails_to, page_text

NEW_PASSWORD = "fermentacao-natural-72h"


def ask_reset(client, email):
    return post(client, "/conta/senha/recuperar/", {"email": email})


def reset_path(address: str) -> str:
    message = next(
        m for m in reversed(mail.outbox) if address in m.to and "/conta/senha/redefinir/" in m.body
    )
    return next(u for u in links(message) if "/conta/senha/redefinir/" in u).removeprefix("http://testserver")


def set_password(client, path, first=NEW_PASSWORD, second=NEW_PASSWORD):
    return post(client, path, {"password1": first, "password2": second})


@pytest.mark.argon2
def test_known_and_unknown_addresses_get_the_same_answer_and_one_email_each(client, customer, hasher_calls):
    mail.outbox.clear()
    known = ask_reset(client, "Maria@Example.com")
    other = Client(enforce_csrf_checks=True)
    unknown = ask_reset(other, "ninguem@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == "/conta/senha/recuperar/enviado/"
    assert page_text(client.get(known["Location"])) == page_text(other.get(unknown["Location"]))
    assert hasher_calls == {"encode": 0, "verify": 0}
    [reset] = mails_to("maria@example.com")
    assert reset.subject == "Crie uma nova senha na OCI PIZZA" and "/conta/senha/redefinir/" in reset.body
    [note] = mails_to("ninguem@example.com")
    assert "não há nenhuma conta na OCI PIZZA com este e-mail" in note.body
    assert "/conta/senha/redefinir/" not in note.body


def test_the_link_sets_a_new_password_once_and_ends_every_session(client, customer):
    phone = Client(enforce_csrf_checks=True)
    client_login(phone, customer.id)
    ask_reset(client, "maria@example.com")
    path = reset_path("maria@example.com")
    form = client.get(path, follow=True)  # on to the token-free address (test_token_links.py)
    assert form.status_code == 200 and "Crie uma nova senha" in form.content.decode()
    response = set_password(client, path)
    assert response.status_code == 302 and response["Location"] == "/conta/entrar/"
    assert phone.get("/conta/").status_code == 302  # the phone's session ended
    stored = repositories.user_get(customer.id)
    assert stored.customer.verified  # the link proved the mailbox is theirs
    assert [m.subject for m in mails_to("maria@example.com")][-1] == "Sua senha na OCI PIZZA foi alterada"
    # The same link again: refused, clearly.
    for again in (
        client.get(path),
        set_password(client, path, "outra-senha-bem-longa", "outra-senha-bem-longa"),
    ):
        assert again.status_code == 400
        assert "Este link de redefinição de senha já foi usado." in again.content.decode()
    assert (
        post(client, "/conta/entrar/", {"email": "maria@example.com", "password": NEW_PASSWORD}).status_code
        == 302
    )
    other = Client(enforce_csrf_checks=True)
    old = post(other, "/conta/entrar/", {"email": "maria@example.com", "password": CUSTOMER_PASSWORD})
    assert "E-mail ou senha incorretos." in old.content.decode()


def test_a_reset_link_expires_after_one_hour(client, customer, token_clock):
    asked = timezone.now()
    ask_reset(client, "maria@example.com")
    sent = timezone.now()
    path = reset_path("maria@example.com")
    token_clock(asked + dt.timedelta(minutes=59))
    assert client.get(path, follow=True).status_code == 200
    token_clock(sent + dt.timedelta(minutes=61))
    response = set_password(client, path)
    assert response.status_code == 400
    assert "Este link de redefinição de senha expirou (vale por 1 hora)." in response.content.decode()


def test_the_stored_reset_row_dies_with_its_ttl(client, customer, nosql_store):
    ask_reset(client, "maria@example.com")
    path = reset_path("maria@example.com")
    nosql_store.advance_clock(2 * 3600 + 1)  # the 1-hour TTL, rounded up to the next whole hour, is over
    response = client.get(path)
    assert response.status_code == 400 and "inválido" in response.content.decode()


@pytest.mark.parametrize("which", ["forged", "other-user", "confirmation-token"])
def test_forged_misaddressed_and_wrong_kind_reset_links_are_refused(
    client, customer, confirmed_customer, which
):
    mail.outbox.clear()
    ask_reset(client, "maria@example.com")
    uid, token = reset_path("maria@example.com").strip("/").split("/")[-2:]
    if which == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif which == "other-user":
        uid = confirmed_customer.id
    else:  # a sign-up confirmation token used as a reset token
        services.customer_confirmation_resend(customer=customer, base_url="http://testserver")
        outbox_send_due()  # outside a request nothing is sent on the spot
        confirm = next(m for m in mails_to("maria@example.com") if "/conta/confirmar/" in m.body)
        token = next(u for u in links(confirm) if "/conta/confirmar/" in u).strip("/").split("/")[-1]
    response = set_password(client, f"/conta/senha/redefinir/{uid}/{token}/")
    assert response.status_code == 400
    assert "Este link de redefinição de senha é inválido." in response.content.decode()
    assert (
        services.customer_authenticate(
            email="maria@example.com", password=CUSTOMER_PASSWORD, client_ip="127.0.0.9"
        ).customer.id
        == customer.id
    )


def test_the_new_password_follows_the_rules_and_must_be_typed_twice(client, customer):
    ask_reset(client, "maria@example.com")
    path = reset_path("maria@example.com")
    mismatch = set_password(client, path, NEW_PASSWORD, NEW_PASSWORD + "x").content.decode()
    assert 'id="id_password2_error"' in mismatch and "As senhas não conferem." in mismatch
    weak = set_password(client, path, "12345678", "12345678").content.decode()
    assert 'id="id_password1_error"' in weak and "Esta senha é muito curta." in weak
    similar = set_password(client, path, "maria@example.com", "maria@example.com").content.decode()
    assert "A senha é muito parecida com o seu e-mail." in similar
    # None of that used the link up.
    assert set_password(client, path).status_code == 302


def test_reset_requests_are_limited_per_address_without_revealing_anything(client, customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reset_email": (1, 3600)}
    other = Client(enforce_csrf_checks=True)
    for _ in range(2):
        known = ask_reset(client, "maria@example.com")
        unknown = ask_reset(other, "ninguem@example.com")
    assert known.status_code == unknown.status_code == 429
    assert page_text(known, "maria@example.com") == page_text(unknown, "ninguem@example.com")
    assert len(mails_to("maria@example.com")) == 1
    assert len(mails_to("ninguem@example.com")) == 1


def test_a_disabled_account_gets_no_reset_link(client, customer):
    services.customer_set_active(customer_id=customer.id, active=False)
    mail.outbox.clear()
    assert ask_reset(client, "maria@example.com")["Location"] == "/conta/senha/recuperar/enviado/"
    assert mail.outbox == []
