"""Fixtures for the whole suite: a fresh store and cache for every test, browsers, throwaway servers."""

import copy
import json
import os
import shutil
import socket
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest

from emulators.testing import free_port

# Playwright's sync API runs an event loop in the test thread; Django would then refuse ORM calls
# made from that thread, although they are plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# This machine has no outside network: without these flags Chromium keeps trying to reach Google.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def stop_process(process: subprocess.Popen, timeout: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the store and the cache, fresh for every test --------------------------------------------------


@pytest.fixture(autouse=True)
def nosql_store(settings, tmp_path):
    """Every test gets its own embedded store file with every table created."""
    from ocipizza.nosql import stores

    settings.NOSQL_STORES = {
        "default": {
            "BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore",
            "OPTIONS": {"PATH": str(tmp_path / "nosql.sqlite3")},
        }
    }
    store = stores["default"]
    for statement in store.schema.statements:
        store.execute_ddl(statement)
    store.stats.reset()
    yield store
    stores.reset()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in pt-BR: a request in English (LocaleMiddleware) leaves its language active in
    the test's thread, which would turn the next test's messages into English."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache(settings, monkeypatch):
    """Every test starts with an empty cache and no sessions, in Redis, and no rendered fragments.

    Keys carry a prefix unique to this test process, and only those are deleted, so parallel workers
    and other test runs sharing the same Redis never wipe each other's sessions. The fragments live in
    this process's memory (ocipizza/fragments.py) and outlive a settings change, so they are cleared too.
    """
    from django.core.cache import cache
    from django.core.cache import caches as configured
    from django_redis.cache import RedisCache

    def refuse_flush(self, *args, **kwargs):
        raise AssertionError(
            "cache.clear() flushes the whole Redis database, the other test workers' sessions too: "
            "delete this process's keys with cache.delete_pattern(...) instead"
        )

    monkeypatch.setattr(RedisCache, "clear", refuse_flush)
    caches = dict(settings.CACHES)
    caches["default"] = {**caches["default"], "KEY_PREFIX": f"test-{os.getpid()}"}
    settings.CACHES = caches
    cache.delete_pattern("*")
    configured["fragments"].clear()
    yield cache


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Django's test client, with CSRF checks as a browser meets them ----------------------------------------

# A page that always renders a form, so a GET of it always sets the CSRF cookie.
CSRF_PAGE = "/conta/entrar/"


@pytest.fixture
def client():
    """A test client that enforces CSRF like a browser session: POST with ``post()``."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


def csrf_token(client, url: str = CSRF_PAGE) -> str:
    """The token a browser sends back: the CSRF cookie that the form's page (``url``) set, or, when
    ``url`` is an action that renders no form (adding to the cart, cancelling an order), the login page."""
    for page in (url, CSRF_PAGE):
        if "csrftoken" in client.cookies:
            break
        client.get(page)
    return client.cookies["csrftoken"].value


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST as a browser does: with the CSRF token the form page set."""
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf_token(client, url)}, **kwargs)


@pytest.fixture
def menu_loaded(nosql_store):
    """The shipped starting menu, photos included."""
    from django.conf import settings

    from menu.services import menu_load

    return menu_load(source=settings.MENU_DATA_DIR)


@pytest.fixture
def redis_commands(monkeypatch):
    """Counts the Redis commands this process sends (a counting wrapper; the commands still run).

    Counted client-side because the server's own statistics also see other test workers. One command
    is one ``send_command`` (redis-py 5+ packs it there without ``pack_command``, so counting
    ``pack_command`` alone saw nothing but pipelines) or one entry of a pipeline's ``pack_commands``.
    """
    from redis.connection import AbstractConnection

    class Counter:
        sent = 0

        def start(self):
            self.sent = 0

        def count(self):
            return self.sent

    counter = Counter()
    send_command = AbstractConnection.send_command
    pack_commands = AbstractConnection.pack_commands

    def counting_send_command(self, *args, **kwargs):
        counter.sent += 1
        return send_command(self, *args, **kwargs)

    def counting_pack_commands(self, commands):
        commands = list(commands)
        counter.sent += len(commands)
        return pack_commands(self, commands)

    monkeypatch.setattr(AbstractConnection, "send_command", counting_send_command)
    monkeypatch.setattr(AbstractConnection, "pack_commands", counting_pack_commands)
    return counter


# --- throwaway servers ------------------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port, for tests that stop or restart Redis."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; run scripts/test.sh, which installs it")
    port = free_port()

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self):
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(tmp_path),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for_port(port)

        def stop(self):
            stop_process(self.process)

    server = Server()
    server.port = port
    server.start()
    yield server
    server.stop()


# --- browsers ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/test.sh, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def accessibility():
    """axe-core audits every page the test's browser contexts load (tests/a11y.py); the test fails on
    any WCAG 2.2 AA violation. ``accessibility.check(page)`` audits a page again after a script changed it."""
    from tests.a11y import Accessibility

    audit = Accessibility()
    yield audit
    assert audit.violations == [], audit.report()


def _browser_page(browser, request, accessibility, **context_options):
    """A fresh browser context, audited by axe and watched for CSP complaints; a screenshot lands in
    test-artifacts/ when the test ends."""
    context = browser.new_context(locale="pt-BR", **context_options)
    context.set_default_timeout(10_000)
    accessibility.watch(context, javascript=context_options.get("java_script_enabled", True))
    page = context.new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        accessibility.finish()
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
    assert csp_violations == [], "a page broke its Content Security Policy"


@pytest.fixture
def page(browser, request, accessibility):
    """A desktop-sized page."""
    yield from _browser_page(browser, request, accessibility, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(browser, request, accessibility):
    """A phone-sized page (a mid-range Android phone)."""
    yield from _browser_page(
        browser,
        request,
        accessibility,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def pizzeria_loaded(nosql_store):
    """The shipped pizzeria profile (hours, zones, PIX account)."""
    from django.conf import settings

    from ocipizza.pizzeria.services import pizzeria_load

    pizzeria_load(path=settings.PIZZERIA_PROFILE_FILE)


@pytest.fixture
def shop(menu_loaded, pizzeria_loaded):
    """Menu and pizzeria profile both loaded."""
    return menu_loaded


# --- the shipped data, read from its files: counts and prices in tests come from here, not from memory ---

DATA_DIR = ROOT / "data"
CENTS = Decimal("0.01")


class MenuData:
    """data/menu as its files say: ``menu.json`` (categories, items) and ``sizes.json`` (size factors).

    Kept independent of the app's loader on purpose: a size's price is the item's price times the size's
    factor, in cents, as sizes.json states the rule.
    """

    def __init__(self, folder: Path = DATA_DIR / "menu"):
        menu = json.loads((folder / "menu.json").read_text(encoding="utf-8"))
        sizes = json.loads((folder / "sizes.json").read_text(encoding="utf-8"))
        self.categories: list[dict] = menu["categories"]
        self.items: dict[str, dict] = {item["slug"]: item for item in menu["items"]}
        self.factors: dict[str, Decimal] = {size["code"]: Decimal(size["factor"]) for size in sizes["sizes"]}

    @property
    def pizzas(self) -> list[str]:
        """Slugs of everything but the drinks, in file order."""
        from menu.entities import DRINKS

        return [slug for slug, item in self.items.items() if item["category"] != DRINKS]

    @property
    def photos(self) -> list[str]:
        """Slugs of the items that come with a photo."""
        return [slug for slug, item in self.items.items() if item["image"]]

    def name(self, slug: str) -> str:
        return self.items[slug]["name"]

    def price(self, slug: str, size: str | None = None) -> Decimal:
        """The item's price (a pizza's is its largest size), or that of ``size``."""
        full = Decimal(self.items[slug]["price"])
        return full if size is None else (full * self.factors[size]).quantize(CENTS)


@pytest.fixture(scope="session")
def menu_data() -> MenuData:
    return MenuData()


def pizzeria_document() -> dict:
    """data/pizzeria.json as the file says (hours, delivery zones, minimum order, PIX account)."""
    return json.loads((DATA_DIR / "pizzeria.json").read_text(encoding="utf-8"))


def zone_fee(document: dict, zone: str) -> Decimal:
    """The delivery fee of the zone named ``zone`` in a pizzeria profile document."""
    return Decimal(next(z["fee"] for z in document["delivery_zones"] if z["name"] == zone))


def brl(amount: Decimal | str, space: str = "\u00a0", language: str = "pt-br") -> str:
    """Money as the pages write it: ``R$\u00a01.234,56`` (pt-BR) or ``R$\u00a01,234.56`` (en); messages
    written in prose use a plain ``space``."""
    text = f"{Decimal(amount):,.2f}"
    if language == "pt-br":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"R${space}{text}"


# --- customer accounts (accounts/) and mail (ocipizza/mail) ------------------------------------------

CUSTOMER_PASSWORD = "massa-fina-de-fermentacao"


ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "argon2: hash passwords as production does (Argon2), not with the fast test hasher"
    )


@pytest.fixture(autouse=True)
def password_hasher(request, settings) -> str:
    """The hasher that makes new password hashes in this test: the test settings' fast MD5, or, for a test
    marked ``argon2`` (the ones about hashing itself: its cost, what it stores, what skips it), the
    production list from settings.base, Argon2 first. Autouse, so it is chosen before any fixture hashes
    a password; ``make_customer`` asks for it too."""
    if request.node.get_closest_marker("argon2"):
        from ocipizza.settings import base

        assert base.PASSWORD_HASHERS[0] == ARGON2, "production hashes with Argon2"
        settings.PASSWORD_HASHERS = list(base.PASSWORD_HASHERS)
    return settings.PASSWORD_HASHERS[0]


@pytest.fixture
def make_customer(nosql_store, password_hasher):
    """Registers customers through the real sign-up service: ``make_customer(email, verified=False,
    name="Maria Souza")``; each one's password is ``CUSTOMER_PASSWORD``. ``verified``: the e-mail is
    confirmed."""
    from django.conf import settings

    from accounts import repositories
    from accounts.selectors import customer_get
    from accounts.services import customer_register

    def make(email: str, *, verified: bool = False, name: str = "Maria Souza"):
        created = customer_register(
            name=name,
            email=email,
            telephone="(11) 98765-4321",
            password=CUSTOMER_PASSWORD,
            base_url="http://testserver",
            privacy_version=settings.PRIVACY_NOTICE_VERSION,
        )
        if verified:
            repositories.user_update(created.id, lambda stored: stored.evolve(verified=True))
        return customer_get(customer_id=created.id)

    return make


@pytest.fixture
def customer(make_customer):
    """An unconfirmed customer (maria@example.com) whose password is ``CUSTOMER_PASSWORD``."""
    return make_customer("maria@example.com")


@pytest.fixture
def confirmed_customer(make_customer):
    """A customer who confirmed their e-mail (joao@example.com), password ``CUSTOMER_PASSWORD``."""
    return make_customer("joao@example.com", verified=True)


def client_login(client, customer_id: str) -> None:
    """Put ``customer_id`` in the client's session, as a real login would (no password hash needed)."""
    from accounts import repositories
    from accounts.sessions import SESSION_CUSTOMER, SESSION_STAMP, stamp_hash

    stored = repositories.user_get(customer_id)
    session = client.session
    session[SESSION_CUSTOMER] = customer_id
    session[SESSION_STAMP] = stamp_hash(stored.auth_stamp)
    session.save()


@pytest.fixture
def logged_in_client(confirmed_customer):
    """A CSRF-enforcing test client logged in as ``confirmed_customer``."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client_login(client, confirmed_customer.id)
    return client


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, with Django's SMTP backend pointed at it.

    ``messages`` holds what it received (``email.message.EmailMessage``); ``stop()`` and ``start()``
    take it down and bring it back on the same port, for tests of a mail server outage; addresses
    added to ``handler.refused`` are refused for good (550).
    """
    import email
    import email.policy
    import threading

    from aiosmtpd.controller import Controller

    port = free_port()

    class Handler:
        def __init__(self):
            self.messages = []
            self.refused = set()  # recipients answered with a permanent 550
            self.lock = threading.Lock()

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in self.refused:
                return "550 5.1.1 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            with self.lock:
                self.messages.append(message)
            return "250 Message accepted for delivery"

    class Server:
        def __init__(self):
            self.handler = Handler()
            self.port = port
            self.controller = None

        @property
        def messages(self):
            with self.handler.lock:
                return list(self.handler.messages)

        def start(self):
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

        def wait_for(self, count: int, timeout: float = 10.0):
            deadline = time.monotonic() + timeout
            while len(self.messages) < count and time.monotonic() < deadline:
                time.sleep(0.05)
            return self.messages

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    server = Server()
    server.start()
    yield server
    server.stop()


# --- Oracle NoSQL: the emulator of its proxy, and the app on it (emulators/nosql, nosql/backends/oracle) --


@pytest.fixture(scope="session")
def nosql_emulator():
    """One Oracle NoSQL proxy emulator subprocess per test session (and xdist worker), stopped by PID.

    Tests share it: empty it with ``nosql_emulator.admin("reset")`` (the ``oracle_store`` fixture does).
    """
    from emulators.nosql.tests.support import EmulatorProcess

    process = EmulatorProcess().start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def cloud_emulator():
    """One emulator in cloud mode (signed requests required, table limits) per session, stopped by PID.
    Shared: reset it with ``cloud_emulator.admin("reset")`` before use."""
    from emulators.nosql.tests.support import EmulatorProcess

    process = EmulatorProcess("--cloud").start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def oci_config(tmp_path_factory):
    """The OCI API key and config file of every test that signs requests (cloud emulator, Oracle backend in
    cloud mode, OCI Functions mail): a throwaway RSA key, profiles ``DEFAULT`` and ``OCIPIZZA``
    (emulators/nosql/tests/support.py, ``OCIConfig``)."""
    from emulators.nosql.tests.support import write_oci_config

    return write_oci_config(tmp_path_factory.mktemp("oci"))


# --- Fn / OCI Functions: the emulator running functions/send_mail under fdk (emulators/functions) --------


@pytest.fixture(scope="session")
def fn_emulator():
    """One Fn server emulator (Fn's /invoke API, no auth) per session and worker, stopped by PID."""
    from emulators.functions.tests.support import FnEmulatorProcess

    process = FnEmulatorProcess().start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def fn_cloud_emulator(oci_config, tmp_path_factory):
    """One emulator playing OCI Functions per session and worker: only the signed invoke API, signatures
    verified against ``oci_config``'s public key. Stopped by PID."""
    from emulators.functions.tests.support import FnEmulatorProcess, public_key_pem

    pem = public_key_pem(oci_config, tmp_path_factory.mktemp("fn-key"))
    process = FnEmulatorProcess("--cloud", "--public-key", str(pem)).start()
    yield process
    process.stop()


@pytest.fixture
def fn_mail(settings, smtp_server, fn_cloud_emulator, oci_config):
    """E-mail as production sends it with MAIL_DISPATCHER=oci_functions: outbox -> the oci SDK (signed) ->
    the OCI Functions emulator -> functions/send_mail under fdk -> ``smtp_server``. Returns the emulator."""
    from emulators.functions.tests.support import route_mail_through_fn

    route_mail_through_fn(settings, smtp_server, fn_cloud_emulator, oci_config)
    return fn_cloud_emulator


@pytest.fixture
def oracle_store(nosql_store, nosql_emulator, settings):
    """The app on the Oracle backend: NOSQL_STORES points at an OracleStore on the emptied emulator,
    every table created through the store's DDL. Overrides the autouse SQLite store of ``nosql_store``."""
    from ocipizza.nosql import stores

    nosql_emulator.admin("reset")
    settings.NOSQL_STORES = {
        "default": {
            "BACKEND": "ocipizza.nosql.backends.oracle.OracleStore",
            "OPTIONS": {"MODE": "onprem", "ENDPOINT": nosql_emulator.url, "REQUEST_TIMEOUT": 3.0},
        }
    }
    stores.reset()
    store = stores["default"]
    for statement in store.schema.statements:
        store.execute_ddl(statement)
    store.stats.reset()
    yield store
    stores.reset()


@pytest.fixture
def security_log(caplog):
    """What the ``ocipizza.security`` logger records during the test (it does not propagate, so caplog's
    handler is attached to it): ``events`` are the records' fields, ``lines`` the JSON lines the
    production handler writes, ``of(event)`` the events of one name."""
    import logging

    from ocipizza.security_log import JsonLineFormatter

    logger = logging.getLogger("ocipizza.security")
    logger.addHandler(caplog.handler)
    formatter = JsonLineFormatter()

    class Log:
        @property
        def records(self):
            return [r for r in caplog.records if r.name == "ocipizza.security"]

        @property
        def events(self) -> list[dict]:
            return [json.loads(r.getMessage()) for r in self.records]

        @property
        def lines(self) -> list[str]:
            return [formatter.format(r) for r in self.records]

        def of(self, event: str) -> list[dict]:
            return [e for e in self.events if e["event"] == event]

    yield Log()
    logger.removeHandler(caplog.handler)


# --- OCI Object Storage (ocipizza/storage.py) through the emulator ---------------------------------------

PHOTOS_BUCKET = "ocipizza-media"


@pytest.fixture(scope="session")
def objectstorage_emulator(oci_config):
    """One Object Storage emulator per session in cloud mode: every request must carry an OCI signature
    that verifies with the test key (``oci_config``). Stopped by PID. Reset it before use."""
    from emulators.objectstorage.tests.support import ObjectStorageProcess

    process = ObjectStorageProcess("--cloud", "--public-key", str(oci_config.path.parent / "oci_api_key.pem"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def oci_storage_options(objectstorage_emulator, oci_config) -> dict:
    """The OCI backend's options for the emulator (a test may change them before ``oci_storage``)."""
    return {
        "BUCKET": PHOTOS_BUCKET,
        "NAMESPACE": objectstorage_emulator.namespace,
        "ENDPOINT": objectstorage_emulator.url,
        "OCI_CONFIG_FILE": str(oci_config.path),
        "OCI_PROFILE": "DEFAULT",
        "URL_MODE": "public",
        "RETRIES": 0,  # a test sees each failure at once
        "TIMEOUT": 3.0,
    }


@pytest.fixture
def oci_storage(settings, objectstorage_emulator, oci_storage_options):
    """Django's default storage on OCI Object Storage: the emptied emulator with a fresh photos bucket
    (public when ``URL_MODE`` is public), signed requests from the test key. Yields ``default_storage``."""
    from django.core.files.storage import default_storage

    public = (PHOTOS_BUCKET,) if oci_storage_options["URL_MODE"] == "public" else ()
    objectstorage_emulator.fresh(PHOTOS_BUCKET, public=public)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "ocipizza.storage.OCIObjectStorage", "OPTIONS": dict(oci_storage_options)},
    }
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["img-src"].append(objectstorage_emulator.url)
    settings.CONTENT_SECURITY_POLICY = csp
    yield default_storage
    objectstorage_emulator.admin("faults", {"clear": True})
