"""The back office's menu writes on the Oracle NoSQL backend (the local emulator, through borneo): the
new columns, a create that must not take a slug twice, an edit over a stale version, and moves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings

from menu import repositories
from menu.selectors import menu_get
from menu.services import MenuConflict, menu_item_create, menu_load, menu_reorder

from .test_catalog import edit, jpeg_with_gps, sizes_for, upload


@pytest.fixture
def oracle_menu(oracle_store):
    menu_load(source=settings.MENU_DATA_DIR)
    return oracle_store


def test_menu_editing_on_oracle_nosql(oracle_menu, menu_data):
    pizza = menu_item_create(
        name="Pizza do Chef",
        category="especial",
        size_prices=sizes_for(Decimal("59.90")),
        half_and_half=False,
        photo=upload(jpeg_with_gps()),
    )
    stored = repositories.item_get(pizza.slug)
    assert stored.half_and_half is False and stored.hidden is False and stored.edited_at is not None
    assert stored.image == pizza.image and stored.price == Decimal("59.90")
    assert (
        menu_item_create(name="Pizza do Chef", category="especial", size_prices={"grande": 50}).slug
        != pizza.slug
    )

    _item, drawn = repositories.item_get_versioned("calabresa")
    edit("calabresa", expected_version=drawn, description="Primeira")
    with pytest.raises(MenuConflict) as conflict:
        edit("calabresa", expected_version=drawn, description="Segunda")
    assert conflict.value.current.description == "Primeira"

    edit("bauru", hidden=True)
    assert menu_get().item("bauru") is None

    tradicionais = [s for s, i in menu_data.items.items() if i["category"] == "tradicional"]
    menu_reorder(kind="item", slug=tradicionais[1], direction=-1)
    order = [i.slug for s in menu_get().sections if s.category.slug == "tradicional" for i in s.items]
    assert order[0] == tradicionais[1]
