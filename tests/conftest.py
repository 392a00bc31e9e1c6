"""Browser fixtures shared by the back office's Chromium tests: contexts checked for CSP complaints that
leave screenshots, and staff signed in through the real pages (a manager with the second factor)."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import ARTIFACTS

STAFF_PASSWORD = "forno-a-lenha-2026"
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"backoffice-{name}.png"), full_page=True)


class Contexts:
    """Browser contexts opened by one test: each one's CSP complaints are collected; at the end each page
    leaves a screenshot in test-artifacts/ (passed or failed) and every context is closed."""

    def __init__(self, browser, name: str):
        self.browser = browser
        self.name = name
        self.opened = []
        self.csp_violations: list[str] = []

    def page(self, **options):
        context = self.browser.new_context(locale="pt-BR", **options)
        context.set_default_timeout(10_000)
        self.opened.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                self.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    def close(self):
        ARTIFACTS.mkdir(exist_ok=True)
        for number, context in enumerate(self.opened, 1):
            with contextlib.suppress(PlaywrightError):  # a screenshot never fails the test
                for page in context.pages:
                    page.screenshot(path=str(ARTIFACTS / f"{self.name}-{number}.png"), full_page=True)
            context.close()


@pytest.fixture
def contexts(browser, request):
    opened = Contexts(browser, request.node.name)
    yield opened
    opened.close()
    assert opened.csp_violations == [], "a back-office page broke its Content Security Policy"


@pytest.fixture
def staff_page(contexts, live_server, transactional_db):
    """``staff_page(email, role=, name=, **context_options)``: a desk-sized browser context of its own,
    signed in through /gestao/entrar/ as a new staff member (kitchen by default). A manager's
    authenticator app is already enrolled, and the page types its current code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from backoffice import roles
    from backoffice.services import staff_create
    from backoffice.tests.conftest import totp_now

    def sign_in(email: str, *, role: str = roles.KITCHEN, name: str = "", **options):
        user, _created = staff_create(email=email, password=STAFF_PASSWORD, role=role, name=name)
        needs_code = role in roles.TWO_FACTOR_ROLES
        if needs_code:
            device = TOTPDevice.objects.create(user=user, name="celular", confirmed=True)
        page = contexts.page(**{"viewport": DESK, **options})
        page.goto(live_server.url + "/gestao/entrar/")
        page.fill("#id_email", user.email)
        page.fill("#id_password", STAFF_PASSWORD)
        page.locator("main").get_by_role("button", name="Entrar").click()
        if needs_code:
            page.wait_for_url(re.compile(r".*/gestao/verificacao/.*"))
            page.fill("#id_token", totp_now(device))
            page.locator("main").get_by_role("button", name="Confirmar").click()
        page.wait_for_url(re.compile(r".*/gestao/(?!entrar/|verificacao/).*"))
        return page

    return sign_in
