"""Browser fixtures shared by the back office's Chromium tests: contexts checked for CSP complaints that
leave screenshots, and staff signed in through the real pages (a manager with the second factor)."""

from __future__ import annotations

import contextlib
import os
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

    def __init__(self, browser, name: str, accessibility):
        self.browser = browser
        self.accessibility = accessibility
        self.name = name
        self.opened = []
        self.csp_violations: list[str] = []

    def page(self, **options):
        context = self.browser.new_context(locale="pt-BR", **options)
        context.set_default_timeout(10_000)
        self.opened.append(context)
        self.accessibility.watch(context, javascript=options.get("java_script_enabled", True))
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
        self.accessibility.finish()
        for number, context in enumerate(self.opened, 1):
            with contextlib.suppress(PlaywrightError):  # a screenshot never fails the test
                for page in context.pages:
                    page.screenshot(path=str(ARTIFACTS / f"{self.name}-{number}.png"), full_page=True)
            context.close()


@pytest.fixture
def contexts(browser, request, accessibility):
    opened = Contexts(browser, request.node.name, accessibility)
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


# --- the way the browser tests' e-mails go out -----------------------------------------------------------

MAIL_DISPATCHERS = ("smtp", "oci_functions")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "mail_dispatcher(name): this test's e-mails go out through 'smtp' or 'oci_functions' whatever "
        "TEST_MAIL_DISPATCHER says",
    )


@pytest.fixture
def smtp_server(smtp_server, request, settings):
    """The root conftest's SMTP server, reached the way ``TEST_MAIL_DISPATCHER`` (default ``smtp``) or the
    test's ``mail_dispatcher`` marker says. ``oci_functions`` sends as production does with
    MAIL_DISPATCHER=oci_functions: outbox -> the oci SDK (signed) -> the Fn emulator playing OCI Functions
    -> functions/send_mail's handler under fdk -> this server. ``TEST_MAIL_DISPATCHER=oci_functions
    pytest tests/`` runs every browser test's e-mail through Fn."""
    marker = request.node.get_closest_marker("mail_dispatcher")
    name = marker.args[0] if marker else os.environ.get("TEST_MAIL_DISPATCHER", "smtp")
    if name not in MAIL_DISPATCHERS:
        raise pytest.UsageError(f"TEST_MAIL_DISPATCHER={name!r}: use one of {', '.join(MAIL_DISPATCHERS)}")
    if name == "oci_functions":
        from emulators.functions.tests.support import route_mail_through_fn

        emulator = request.getfixturevalue("fn_cloud_emulator")
        route_mail_through_fn(settings, smtp_server, emulator, request.getfixturevalue("oci_config"))
    return smtp_server
