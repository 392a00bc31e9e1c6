"""Sold-out items and sizes in the menu's data: the service, the loader, old rows and the menu page."""

import json
import re
from html import unescape
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from conftest import brl
from menu import repositories
from menu.selectors import menu_get
from menu.services import AvailabilityError, menu_item_set_available
from ocipizza.nosql import store

pytestmark = pytest.mark.usefixtures("menu_loaded")


@pytest.fixture(scope="module")
def sizes() -> list[dict]:
    """data/menu/sizes.json, smallest first."""
    return json.loads((settings.MENU_DATA_DIR / "sizes.json").read_text(encoding="utf-8"))["sizes"]


def on_sale(slug: str) -> dict[str, bool]:
    return {size.code: size.available for size in repositories.item_get(slug).sizes}


def test_load_menu_keeps_sold_out_items_and_sizes(menu_data, sizes, nosql_store):
    pizza, other = menu_data.pizzas[:2]
    menu_item_set_available(slug=pizza, size=sizes[0]["code"], available=False)
    menu_item_set_available(slug=other, available=False)
    nosql_store.stats.reset()
    out = StringIO()
    call_command("load_menu", stdout=out)
    assert "0 updated" in out.getvalue()
    assert nosql_store.stats.calls["put"] == 0
    assert on_sale(pizza) == {size["code"]: size is not sizes[0] for size in sizes}
    assert repositories.item_get(other).available is False


def test_rows_written_before_sizes_could_sell_out_read_as_on_sale(menu_data, sizes):
    slug = menu_data.pizzas[0]
    row = store.get(repositories.ITEM_TABLE, {"slug": slug}).value
    store.put(
        repositories.ITEM_TABLE,
        {**row, "sizes": [{k: v for k, v in s.items() if k != "available"} for s in row["sizes"]]},
    )
    assert all("available" not in s for s in store.get(repositories.ITEM_TABLE, {"slug": slug})["sizes"])
    assert on_sale(slug) == {size["code"]: True for size in sizes}


def test_selling_out_changes_the_cached_menu_at_once(menu_data, sizes):
    slug = menu_data.pizzas[0]
    version = menu_get().version
    item = menu_item_set_available(slug=slug, size=sizes[-1]["code"], available=False)
    menu = menu_get()
    assert menu.version != version and menu.item(slug).sizes == item.sizes
    assert not item.size(sizes[-1]["code"]).available and not item.sold_out
    assert item.default_size.code == sizes[-2]["code"]
    for size in sizes:
        item = menu_item_set_available(slug=slug, size=size["code"], available=False)
    assert item.sold_out and item.available  # every size gone: nothing of it can be ordered


def test_setting_what_already_holds_writes_nothing(menu_data, nosql_store):
    nosql_store.stats.reset()
    menu_item_set_available(slug=menu_data.pizzas[0], available=True)
    assert nosql_store.stats.calls.get("put", 0) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "pizza-que-nao-existe"}, "não está no cardápio"),
        ({"slug": ""}, "não está no cardápio"),
        ({"slug": "x" * 500}, "não está no cardápio"),
        ({"slug": None}, "não está no cardápio"),
        ({"size": "familia"}, "não tem o tamanho familia"),
        ({"available": "no"}, "esgotado ou disponível"),
    ],
)
def test_unknown_items_and_sizes_are_refused(menu_data, fields, message):
    before = repositories.items()
    with pytest.raises(AvailabilityError, match=message):
        menu_item_set_available(**{"slug": menu_data.pizzas[0], "available": False, **fields})
    assert repositories.items() == before


def test_two_sizes_sold_out_at_the_same_moment_are_both_kept(menu_data, sizes, monkeypatch):
    """The second writer read the row before the first one wrote: it reads again rather than undo it."""
    slug = menu_data.pizzas[0]
    first, second = sizes[0]["code"], sizes[1]["code"]
    read = repositories.item_get_versioned
    calls = []

    def read_then_someone_else_writes(wanted):
        found = read(wanted)
        if not calls:
            calls.append(wanted)
            monkeypatch.setattr(repositories, "item_get_versioned", read)
            menu_item_set_available(slug=slug, size=first, available=False)
            monkeypatch.setattr(repositories, "item_get_versioned", read_then_someone_else_writes)
        return found

    monkeypatch.setattr(repositories, "item_get_versioned", read_then_someone_else_writes)
    menu_item_set_available(slug=slug, size=second, available=False)
    assert calls == [slug]
    assert on_sale(slug) == {size["code"]: size["code"] not in (first, second) for size in sizes}


def test_the_menu_page_prices_from_the_cheapest_size_on_sale(client, pizzeria_loaded, menu_data, sizes):
    slug = menu_data.pizzas[0]
    menu_item_set_available(slug=slug, size=sizes[0]["code"], available=False)
    html = unescape(client.get("/").content.decode())
    card = re.search(rf'<li class="menu-card[^"]*" data-item="{slug}".*?</li>', html, re.S).group(0)
    assert f"a partir de {brl(menu_data.price(slug, sizes[1]['code']))}" in card
    assert f'data-size-sold-out="{sizes[0]["code"]}"' in card
