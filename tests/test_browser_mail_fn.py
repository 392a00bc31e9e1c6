"""A sign-up in Chromium whose confirmation e-mail goes out as MAIL_DISPATCHER=oci_functions sends it in
production: outbox -> the oci SDK, signed -> the Fn emulator playing OCI Functions -> functions/send_mail's
handler under the real fdk -> a real SMTP server, whose message the customer then follows."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.mail_dispatcher("oci_functions")]

EMAIL = "bruna.fn@example.com"
PASSWORD = "calabresa-acebolada-2026"


def test_the_confirmation_email_reaches_the_customer_through_the_function(
    page, live_server, smtp_server, shop, settings, fn_cloud_emulator, oci_config
):
    page.goto(live_server.url + "/conta/cadastro/")
    page.get_by_label("Nome").fill("Bruna Lima")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Celular (com DDD)").fill("(21) 99876-5432")
    page.get_by_label("Senha", exact=True).fill(PASSWORD)
    page.get_by_label("Confirme a senha").fill(PASSWORD)
    page.get_by_label("Li e aceito o aviso de privacidade").check()
    page.get_by_role("button", name="Criar conta").click()
    expect(page.get_by_role("heading", name="Confirme seu e-mail")).to_be_visible()

    [confirmation] = smtp_server.wait_for(1)
    assert confirmation["To"] == EMAIL and confirmation["Subject"] == "Confirme seu e-mail na OCI PIZZA"
    message_id = confirmation["X-OCIPizza-Message"]
    # It went through the function: one signed, verified invocation, and the function's log line for it.
    assert settings.MAIL_DISPATCHER == "oci_functions"
    stats = fn_cloud_emulator.stats()
    assert stats["statuses"] == {"200": 1} and stats["auth_failures"] == 0
    assert stats["last_key_id"] == oci_config.key_id("OCIPIZZA")
    assert stats["last_headers"]["opc-request-id"] == message_id
    assert any(
        f"message {message_id} sent through" in line
        for line in fn_cloud_emulator.logs(until=f"message {message_id} sent through")
    )

    body = confirmation.get_body(("plain",)).get_content()
    link = next(url for url in re.findall(r"https?://\S+", body) if "/conta/confirmar/" in url)
    page.goto(link)
    page.get_by_role("button", name="Confirmar meu e-mail").click()
    expect(page.get_by_text("E-mail confirmado! Agora você já pode fazer pedidos.")).to_be_visible()
