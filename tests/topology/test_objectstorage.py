"""The menu's photos under the running topology (issue 14): kept in the Object Storage emulator's public
bucket (cloud mode, the run's API key), linked from it and loaded from it; and the emulator stopped: the
menu still answers on both instances (its photo URLs are built without a call), a photo upload in the
back office is refused with the clear message and nothing is left half-written.
"""

import io
import re
from html import unescape

import pytest
import requests
from django.conf import settings
from PIL import Image

from conftest import MenuData

from .client import forms_of

pytestmark = pytest.mark.system

STORAGE_DOWN = "o armazenamento de fotos não respondeu"
NEW_ITEM = "/gestao/cardapio/novo/"


@pytest.fixture
def restored(topology):
    yield topology
    topology.restore()


def _photo_sources(html: str) -> set[str]:
    """The menu's photos as the page links them (the drinks' drawing is a static file, not a photo)."""
    return {
        unescape(src) for src in re.findall(r'<img src="([^"]+)"', html) if not src.startswith("/static/")
    }


def _menu_photos() -> dict[str, bytes]:
    """data/menu's photo files, by name."""
    folder = settings.MENU_DATA_DIR / "images"
    return {
        item["image"]: (folder / item["image"]).read_bytes()
        for item in MenuData().items.values()
        if item["image"]
    }


def test_the_menu_links_its_photos_from_the_bucket_and_they_load(topology):
    photos = _menu_photos()
    for name in ("web1", "web2"):
        page = topology.instance_get(name, "/")
        assert page.status_code == 200
        sources = _photo_sources(page.text)
        assert len(sources) == len(photos)
        assert all(src.startswith(topology.bucket_url + "menu/") for src in sources), sources
        # The browser may load them: the page's CSP names the bucket's origin.
        origin = topology.bucket_url.split("/n/")[0]
        assert origin in page.headers["Content-Security-Policy"].split("img-src", 1)[1].split(";")[0]
    served = set()
    for src in sources:  # read without a signature, as a browser does from the public bucket
        response = requests.get(src, timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg", src
        served.add(response.content)
    assert served == set(photos.values())  # each photo of data/menu, stored by load_menu as it is


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (180, 60, 20)).save(out, format="JPEG")
    return out.getvalue()


def test_object_storage_down_the_menu_answers_and_an_upload_fails_cleanly(restored):
    topology = restored
    menu = MenuData()
    manager = topology.manager()
    before = sorted(topology.bucket_objects("menu/"))
    assert before
    for name in ("web1", "web2"):
        assert topology.instance_get(name, "/").status_code == 200

    topology.stop_service("objectstorage")
    for name in ("web1", "web2"):
        page = topology.instance_get(name, "/")
        assert page.status_code == 200
        assert all(menu.name(slug) in unescape(page.text) for slug in menu.pizzas)
        # Still linked: they load again once the storage is back.
        assert len(_photo_sources(page.text)) == len(_menu_photos())
        # Serving needs no Object Storage call: the instance stays ready, in the balancer and for monitoring.
        assert requests.get(topology.web_url(name) + "/readyz", timeout=10).status_code == 200
    page = manager.get(NEW_ITEM)
    assert page.status_code == 200
    fields = next(f for f in forms_of(page.text, "") if "name" in f["fields"])["fields"]
    fields.update(name="Pizza sem Nuvem", category=menu.items[menu.pizzas[0]]["category"], half_and_half="on")
    fields.update({key: "49,90" for key in fields if key.startswith("price_")})
    response = manager.post(NEW_ITEM, fields, files={"photo": ("pizza.jpg", _jpeg(), "image/jpeg")})
    assert response.status_code == 400, response.status_code
    assert STORAGE_DOWN in unescape(response.text)
    assert 'value="Pizza sem Nuvem"' in response.text  # what was typed comes back

    topology.start_service("objectstorage")
    assert sorted(topology.bucket_objects("menu/")) == before  # no photo stored halfway
    assert "Pizza sem Nuvem" not in topology.browser().get("/").text  # no item without its photo
    from menu import repositories

    with topology.store():
        assert repositories.item_get("pizza-sem-nuvem") is None
