"""The app's photos on both storages: load_menu, the menu's <img> addresses, the back office's upload,
and what happens while OCI Object Storage is down (the emulator in cloud mode, driven by the real SDK)."""

from __future__ import annotations

import re
import urllib.request
from html import unescape
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from backoffice import roles
from backoffice.tests.conftest import make_staff, staff_login, staff_post  # noqa: F401 - fixtures
from menu import repositories as menu_rows
from menu.tests.test_catalog import jpeg_with_gps, upload

pytestmark = pytest.mark.django_db
STORAGE_DOWN = "o armazenamento de fotos não respondeu"
NEW = "/gestao/cardapio/novo/"


@pytest.fixture(params=["local", "oci"])
def photos(request):
    """Which storage the photos go to: Django's FileSystemStorage (MEDIA_ROOT) or the OCI bucket."""
    if request.param == "oci":
        request.getfixturevalue("oci_storage")
    return request.param


@pytest.fixture
def oci_shop(oci_storage, shop):
    """The shop loaded with its photos in the bucket (the storage is set before the menu loads)."""
    return shop


def images_dir() -> Path:
    return Path(settings.MENU_DATA_DIR) / "images"


def photo_files(menu_data) -> set[str]:
    return {item["image"] for item in menu_data.items.values() if item["image"]}


def img_sources(html: str) -> list[str]:
    """The photos a page shows (the drinks' drawing is a static file, not a photo)."""
    return [
        unescape(src) for src in re.findall(r'<img src="([^"]+)"', html) if not src.startswith("/static/")
    ]


def get_bytes(url: str, client) -> bytes:
    if url.startswith("http"):
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def run_load_menu() -> str:
    out = StringIO()
    call_command("load_menu", stdout=out)
    return out.getvalue()


def test_load_menu_stores_each_photo_once(photos, menu_data):
    output = run_load_menu()
    expected = photo_files(menu_data)
    assert f"{len(expected)} photos stored" in output
    stored = default_storage.listdir("menu")[1]
    assert len(stored) == len(expected)
    calabresa = menu_rows.item_get("calabresa")
    with default_storage.open(calabresa.image) as handle:
        assert handle.read() == (images_dir() / menu_data.items["calabresa"]["image"]).read_bytes()
    # Run again: every photo is already there, nothing is stored twice.
    assert "0 photos stored" in run_load_menu()
    assert len(default_storage.listdir("menu")[1]) == len(expected)


def test_load_menu_with_the_storage_down_stops_with_what_to_do(oci_storage, objectstorage_emulator):
    objectstorage_emulator.admin("faults", {"refuse_connections": -1})
    with pytest.raises(CommandError, match=r"could not be stored: .* Run again later"):
        run_load_menu()
    # No item points at a photo the storage does not have.
    objectstorage_emulator.admin("faults", {"clear": True})
    for item in menu_rows.items():
        assert item.image is None or default_storage.exists(item.image)


def test_the_menu_links_its_photos_from_the_bucket(oci_shop, client, menu_data, objectstorage_emulator):
    sources = img_sources(client.get("/").content.decode())
    bucket_prefix = (
        f"{objectstorage_emulator.url}/n/{objectstorage_emulator.namespace}/b/ocipizza-media/o/menu/"
    )
    assert len(set(sources)) == len(photo_files(menu_data))
    assert all(src.startswith(bucket_prefix) for src in sources), sources
    calabresa = menu_rows.item_get("calabresa")
    url = next(src for src in sources if src.endswith(calabresa.image.split("/")[-1]))
    assert get_bytes(url, client) == (images_dir() / menu_data.items["calabresa"]["image"]).read_bytes()


def test_a_private_bucket_links_its_photos_through_a_par(oci_storage_options, client, menu_data, request):
    oci_storage_options["URL_MODE"] = "par"
    request.getfixturevalue("oci_shop")
    emulator = request.getfixturevalue("objectstorage_emulator")
    sources = img_sources(client.get("/").content.decode())
    assert len(set(sources)) == len(photo_files(menu_data))
    assert all(src.startswith(f"{emulator.url}/p/") for src in sources), sources
    assert get_bytes(sources[0], client)[:2] == b"\xff\xd8"  # a JPEG, read without any signature


def test_the_cached_menu_follows_a_renewed_par(oci_storage_options, client, request, monkeypatch):
    """The menu's HTML is cached until the menu changes; its photo addresses must not outlive the PAR."""
    import time as real_time

    from ocipizza import storage as module

    oci_storage_options["URL_MODE"] = "par"
    request.getfixturevalue("oci_shop")
    before = img_sources(client.get("/").content.decode())

    class EightDaysLater:
        @staticmethod
        def time():
            return real_time.time() + 8 * 24 * 60 * 60

    monkeypatch.setattr(module, "time", EightDaysLater)
    after = img_sources(client.get("/").content.decode())
    assert {src.split("/n/")[0] for src in after} != {src.split("/n/")[0] for src in before}
    assert get_bytes(after[0], client)[:2] == b"\xff\xd8"


@pytest.fixture
def manager(staff_login):  # noqa: F811 - the back office's fixture
    return staff_login(roles.MANAGER)


def pizza_form(name: str, photo: bytes | None = None) -> dict:
    from menu.services import menu_size_rules

    fields = {"name": name, "category": "especial", "half_and_half": "on"}
    for rule in menu_size_rules():
        fields[f"price_{rule['code']}"] = "49,90"
    if photo is not None:
        fields["photo"] = upload(photo)
    return fields


def test_a_photo_uploaded_in_the_back_office_reaches_the_menu(photos, shop, manager, client):
    response = staff_post(manager, NEW, pizza_form("Pizza da Nuvem", jpeg_with_gps()))
    assert response.status_code == 302, response.content[:2000]
    item = menu_rows.item_get("pizza-da-nuvem")
    assert default_storage.exists(item.image) and default_storage.exists(item.image_2x)
    page = client.get("/").content.decode()
    url = default_storage.url(item.image)
    assert f'src="{url}"' in page
    if photos == "oci":
        assert url.startswith("http://127.0.0.1:")
    served = get_bytes(url, client)
    assert served[:2] == b"\xff\xd8" and b"PhoneMaker" not in served  # re-encoded: the EXIF stayed out


def test_with_the_storage_down_the_menu_renders_and_uploads_fail_cleanly(
    oci_shop, manager, client, menu_data, objectstorage_emulator, nosql_store
):
    before = sorted(default_storage.listdir("menu")[1])
    calabresa = menu_rows.item_get("calabresa")
    objectstorage_emulator.admin("faults", {"refuse_connections": -1})

    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert all(menu_data.name(slug) in unescape(html) for slug in menu_data.pizzas)
    # The photos are still linked (they fail to load until the storage is back).
    assert len(set(img_sources(html))) == len(photo_files(menu_data))

    response = staff_post(manager, NEW, pizza_form("Pizza sem Nuvem", jpeg_with_gps()))
    assert response.status_code == 400
    assert STORAGE_DOWN in unescape(response.content.decode())
    assert 'value="Pizza sem Nuvem"' in response.content.decode()  # what was typed comes back
    assert menu_rows.item_get("pizza-sem-nuvem") is None

    from backoffice.tests.test_catalog import edit_url, form_fields

    fields = form_fields(unescape(manager.get(edit_url("calabresa")).content.decode()))
    response = staff_post(manager, edit_url("calabresa"), {**fields, "photo": upload(jpeg_with_gps())})
    assert response.status_code == 400 and STORAGE_DOWN in unescape(response.content.decode())
    assert menu_rows.item_get("calabresa").image == calabresa.image

    objectstorage_emulator.admin("faults", {"clear": True})
    assert sorted(default_storage.listdir("menu")[1]) == before  # nothing half-written in the bucket
    assert default_storage.exists(calabresa.image)


def test_a_failure_between_the_two_sizes_leaves_neither(oci_shop, manager, objectstorage_emulator):
    before = sorted(default_storage.listdir("menu")[1])
    # 1x: HEAD, HEAD (free name?), PUT; 2x: HEAD, HEAD, then its PUT is refused.
    objectstorage_emulator.admin("faults", {"fail_skip": 5, "fail_requests": 1, "error_status": 503})
    response = staff_post(manager, NEW, pizza_form("Meia Foto", jpeg_with_gps()))
    assert response.status_code == 400 and STORAGE_DOWN in unescape(response.content.decode())
    assert objectstorage_emulator.stats()["failed_requests"] == 1
    assert menu_rows.item_get("meia-foto") is None
    assert sorted(default_storage.listdir("menu")[1]) == before
