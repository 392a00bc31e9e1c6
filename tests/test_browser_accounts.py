"""A customer's whole account life in Chromium, with the e-mails read from a real SMTP server."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "forno-a-lenha-desde-1998"
NEW_PASSWORD = "mussarela-de-bufala-2024"
EMAIL = "carla.dias@example.com"


def link_in(message, fragment: str) -> str:
    body = message.get_body(("plain",)).get_content()
    return next(url for url in re.findall(r"https?://\S+", body) if fragment in url)


def log_in(page, password: str) -> None:
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Senha", exact=True).fill(password)
    page.get_by_role("button", name="Entrar").click()


# Its four e-mails go out as MAIL_DISPATCHER=oci_functions sends them: through the oci SDK to the Fn
# emulator, where functions/send_mail's handler runs under fdk and relays them to the SMTP server.
@pytest.mark.mail_dispatcher("oci_functions")
def test_sign_up_confirm_log_in_keep_the_cart_recover_the_password_and_delete(
    page, live_server, smtp_server, shop, settings, fn_cloud_emulator
):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    badge = page.get_by_test_id("cart-badge")

    # Sign up.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Criar conta").click()
    page.get_by_label("Nome").fill("Carla Dias")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Celular (com DDD)").fill("(31) 99123-4567")
    page.get_by_label("Senha", exact=True).fill(PASSWORD)
    page.get_by_label("Confirme a senha").fill(PASSWORD)
    page.get_by_label("Li e aceito o aviso de privacidade").check()
    page.get_by_role("button", name="Criar conta").click()
    expect(page.get_by_role("heading", name="Confirme seu e-mail")).to_be_visible()
    expect(page.locator("main")).to_contain_text(EMAIL)

    # The confirmation e-mail, through SMTP; a GET shows a button, the click confirms.
    [confirmation] = smtp_server.wait_for(1)
    assert confirmation["To"] == EMAIL and confirmation["Subject"] == "Confirme seu e-mail na OCI PIZZA"
    page.goto(link_in(confirmation, "/conta/confirmar/"))
    page.get_by_role("button", name="Confirmar meu e-mail").click()
    expect(page.get_by_text("E-mail confirmado! Agora você já pode fazer pedidos.")).to_be_visible()

    # Sign-up signed her in. Signed out, a pizza put in the cart joins the account at the next login
    # (the session key rotates).
    page.get_by_role("button", name="Sair", exact=True).click()
    expect(page.get_by_text("Você saiu da sua conta.")).to_be_visible()
    page.goto(live_server.url + "/")
    page.locator("li.menu-card[data-item=calabresa]").get_by_role("button", name="Adicionar").click()
    expect(badge).to_have_text("1")
    page.get_by_role("link", name="Entrar").click()
    log_in(page, PASSWORD)
    expect(page.get_by_text("Olá, Carla!")).to_be_visible()
    expect(badge).to_have_text("1")
    page.get_by_test_id("account-link").click()
    expect(page.locator("main")).to_contain_text("(31) 99123-4567")
    expect(page.locator("main")).to_contain_text("confirmado")

    # Logging out ends the session and empties this browser's cart; the cart waits in the account and
    # is back at the next login.
    page.get_by_role("button", name="Sair", exact=True).click()
    expect(page.get_by_text("Você saiu da sua conta.")).to_be_visible()
    expect(badge).to_have_text("0")
    page.get_by_role("link", name="Entrar").click()
    log_in(page, PASSWORD)
    expect(page.get_by_test_id("account-link")).to_be_visible()
    expect(badge).to_have_text("1")
    page.get_by_role("button", name="Sair", exact=True).click()

    # Forgot the password: the link arrives by e-mail and works once.
    page.get_by_role("link", name="Entrar").click()
    page.get_by_role("link", name="Esqueci minha senha").click()
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_role("button", name="Enviar link").click()
    expect(page.get_by_role("heading", name="Verifique seu e-mail")).to_be_visible()
    reset = smtp_server.wait_for(2)[1]
    assert reset["Subject"] == "Crie uma nova senha na OCI PIZZA"
    reset_link = link_in(reset, "/conta/senha/redefinir/")
    page.goto(reset_link)
    page.get_by_label("Nova senha", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirme a nova senha").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Salvar nova senha").click()
    expect(page.get_by_text("Senha redefinida. Entre com a nova senha.")).to_be_visible()
    page.goto(reset_link)
    expect(page.get_by_test_id("link-error")).to_have_text(
        "Este link de redefinição de senha já foi usado. Se precisar, peça um novo."
    )
    page.goto(live_server.url + "/conta/entrar/")
    log_in(page, NEW_PASSWORD)
    expect(page.get_by_test_id("account-link")).to_be_visible()

    # Delete the account, confirmed by the password.
    page.get_by_test_id("account-link").click()
    page.get_by_role("link", name="Excluir conta").click()
    page.get_by_label("Sua senha").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Excluir minha conta").click()
    expect(page.get_by_text("Sua conta e seus dados pessoais foram excluídos.")).to_be_visible()
    expect(page.get_by_role("link", name="Criar conta")).to_be_visible()
    page.goto(live_server.url + "/conta/entrar/")
    log_in(page, NEW_PASSWORD)
    expect(page.get_by_text("E-mail ou senha incorretos.")).to_be_visible()
    subjects = [m["Subject"] for m in smtp_server.wait_for(4)]
    assert subjects[-1] == "Sua conta na OCI PIZZA foi excluída"
    assert violations == []
    # Each one was a call of the function, which logged it under its message id.
    assert settings.MAIL_DISPATCHER == "oci_functions"
    for message in smtp_server.messages:  # each waited for: a container's log comes through its pipes
        fn_log = fn_cloud_emulator.logs(until=f"message {message['X-OCIPizza-Message']} sent through")
        assert any(f"message {message['X-OCIPizza-Message']} sent through" in line for line in fn_log)


def test_bad_sign_up_input_is_explained_next_to_each_field(page, live_server):
    page.goto(live_server.url + "/conta/cadastro/")
    page.get_by_label("E-mail").fill("carla@")
    page.get_by_label("Celular (com DDD)").fill("(20) 3456-7890")
    page.get_by_label("Senha", exact=True).fill("12345")
    page.get_by_label("Confirme a senha").fill("54321")
    page.get_by_role("button", name="Criar conta").click()
    expect(page.locator("#id_name_error")).to_have_text("Este campo é obrigatório.")
    expect(page.locator("#id_email_error")).to_contain_text("Informe um endereço de email válido.")
    expect(page.locator("#id_telephone_error")).to_have_text(
        "Informe um celular: 9 dígitos depois do DDD, começando com 9."
    )
    expect(page.locator("#id_password1_error")).to_contain_text("Esta senha é muito curta.")
    expect(page.locator("#id_password2_error")).to_have_text(
        "As senhas não conferem. Digite a mesma senha nos dois campos."
    )
    expect(page.locator("#id_privacy_error")).to_have_text(
        "Para criar a conta, aceite o aviso de privacidade."
    )
    expect(page.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")


def test_account_pages_work_on_a_phone(phone_page, live_server, confirmed_customer):
    from conftest import CUSTOMER_PASSWORD

    phone_page.goto(live_server.url + "/conta/entrar/?next=/conta/enderecos/novo/")
    phone_page.get_by_label("E-mail").fill("joao@example.com")
    phone_page.get_by_label("Senha", exact=True).fill(CUSTOMER_PASSWORD)
    phone_page.get_by_role("button", name="Entrar").click()
    expect(phone_page.get_by_role("heading", name="Novo endereço")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
