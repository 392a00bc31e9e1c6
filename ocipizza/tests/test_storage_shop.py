"""The whole shop with its photos in OCI Object Storage (the emulator in cloud mode, signed requests):
customers' and managers' pages in Chromium and through the test client, photos loaded from the bucket."""

from __future__ import annotations

import re
import urllib.request
from html import unescape

import pytest
from playwright.sync_api import expect

from backoffice import roles
from backoffice.tests.conftest import make_staff, staff_login  # noqa: F401 - fixtures
from conftest import brl
from menu import repositories as menu_rows
from menu.services import menu_size_rules
from menu.tests.test_catalog import jpeg_with_gps
from tests.conftest import contexts, staff_page  # noqa: F401 - fixtures
from tests.test_browser_order import always_open  # noqa: F401 - fixture

pytestmark = [pytest.mark.system]


@pytest.fixture
def oci_shop(oci_storage, objectstorage_emulator, always_open):  # noqa: F811
    """The shop open around the clock, its menu loaded with the photos into the bucket."""
    objectstorage_emulator.admin("requests", {"reset": True})
    return oci_storage


def photo_widths(page) -> list[int]:
    return page.locator("li.menu-card > img").evaluate_all(
        "imgs => Promise.all(imgs.map(i => {"
        " i.loading = 'eager'; return i.decode().then(() => i.naturalWidth, () => 0); }))"
    )


@pytest.mark.browser
def test_customers_and_managers_in_chromium_with_the_photos_in_the_bucket(
    oci_shop,
    page,
    staff_page,  # noqa: F811 - imported fixture
    live_server,
    menu_data,
    objectstorage_emulator,
):
    base = live_server.url
    page.goto(base + "/")
    photos = page.locator("li.menu-card > img")
    assert photos.count() == len(menu_data.photos)
    sources = photos.evaluate_all("imgs => imgs.map(i => i.currentSrc || i.src)")
    assert all(src.startswith(objectstorage_emulator.url + "/n/") for src in sources), sources
    assert all(width == 300 for width in photo_widths(page))  # every photo came from the bucket
    assert objectstorage_emulator.stats()["operations"].get("GetObject", 0) >= len(set(sources))

    calabresa = page.locator("li.menu-card[data-item=calabresa]")
    calabresa.get_by_role("button", name="Adicionar").click()
    expect(page.locator("[data-testid=cart-badge]")).to_have_text("1")
    page.goto(base + "/carrinho/")
    assert page.locator("li.cart-line").count() == 1
    assert page.locator("[data-testid=subtotal]").inner_text() == brl(menu_data.price("calabresa"))

    manager = staff_page("gerente@pizzaria.example", role=roles.MANAGER, name="Paula Gerente")
    manager.goto(base + "/gestao/cardapio/novo/")
    manager.get_by_label("Nome", exact=True).fill("Pizza da Nuvem")
    manager.get_by_label("Categoria").select_option("especial")
    for rule in menu_size_rules():
        manager.get_by_label(rule["name"], exact=True).fill("49,90")
    manager.set_input_files(
        "#id_photo", files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    manager.get_by_role("button", name="Criar").click()
    manager.wait_for_url("**/gestao/cardapio/#item-pizza-da-nuvem")
    # The back office's list shows the new photo from the bucket too.
    thumbnail = manager.locator("img.bo-catalog-photo").first
    assert thumbnail.evaluate("i => i.decode().then(() => i.naturalWidth, () => 0)") > 0

    page.goto(base + "/")
    new = page.locator("li.menu-card[data-item=pizza-da-nuvem] > img")
    assert new.get_attribute("src").startswith(objectstorage_emulator.url + "/n/")
    assert (
        new.evaluate("i => { i.loading = 'eager'; return i.decode().then(() => i.naturalWidth, () => 0); }")
        == 300
    )


PAGES = [
    "/",
    "/carrinho/",
    "/conta/entrar/",
    "/conta/cadastro/",
    "/gestao/pedidos/",
    "/gestao/cardapio/",
    "/gestao/cardapio/novo/",
    "/gestao/cardapio/item/calabresa/",
]


@pytest.mark.django_db
def test_every_page_renders_and_every_photo_it_links_loads(
    oci_shop,
    client,
    staff_login,  # noqa: F811 - imported fixture
    objectstorage_emulator,
):
    manager = staff_login(roles.MANAGER)
    linked = set()
    for url in PAGES:
        who = manager if url.startswith("/gestao/") else client
        response = who.get(url)
        assert response.status_code == 200, url
        for src in re.findall(r'<img src="([^"]+)"', response.content.decode()):
            src = unescape(src)
            assert src.startswith(("/static/", objectstorage_emulator.url + "/n/")), (url, src)
            if not src.startswith("/static/"):
                linked.add(src)
    calabresa = menu_rows.item_get("calabresa")
    assert any(src.endswith(calabresa.image) for src in linked)
    for src in linked:
        with urllib.request.urlopen(src, timeout=5) as answer:
            assert answer.status == 200 and answer.headers["Content-Type"] == "image/jpeg"


def test_gunicorn_configured_by_the_environment_serves_the_shop_from_the_bucket(
    objectstorage_emulator, oci_config, tmp_path
):
    """Real processes, as production runs them: manage.py loads the menu and gunicorn's forked workers
    serve it, every one of them configured only by STORAGE_BACKEND=oci and the OCI_STORAGE_* variables."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    from emulators.testing import free_port

    root = Path(__file__).resolve().parents[2]
    objectstorage_emulator.fresh("shop-photos", public=("shop-photos",))
    port = free_port()
    env = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OCI_", "STORAGE_", "REDIS_"))
        },
        # Local settings (DEBUG): static files from the app folders, no collectstatic run needed.
        "DJANGO_SETTINGS_MODULE": "ocipizza.settings.local",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "OCIPIZZA_VAR_DIR": str(tmp_path),
        "STORAGE_BACKEND": "oci",
        "OCI_STORAGE_BUCKET": "shop-photos",
        "OCI_STORAGE_NAMESPACE": objectstorage_emulator.namespace,
        "OCI_STORAGE_ENDPOINT": objectstorage_emulator.url,
        "OCI_CONFIG_FILE": str(oci_config.path),
        "OCI_PROFILE": "OCIPIZZA",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
    }
    for command in ("nosql_migrate", "load_menu", "load_pizzeria"):
        done = subprocess.run(
            [sys.executable, "manage.py", command],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "ocipizza.wsgi"],
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "gunicorn.log"
                ).read_text()
                time.sleep(0.1)
        photos = set()
        for _ in range(6):  # more requests than workers: each worker answers some
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                assert answer.status == 200
                assert objectstorage_emulator.url in answer.headers["Content-Security-Policy"]
                html = answer.read().decode()
            photos |= {
                unescape(src) for src in re.findall(r'<img src="([^"]+)"', html) if "/static/" not in src
            }
        assert photos and all(src.startswith(objectstorage_emulator.url + "/n/") for src in photos)
        for src in photos:
            with urllib.request.urlopen(src, timeout=5) as answer:
                assert answer.headers["Content-Type"] == "image/jpeg"
        assert objectstorage_emulator.stats()["auth_failures"] == 0
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(30)
        log.close()
