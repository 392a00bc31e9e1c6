"""Menus larger than the shipped one, for the tests and benchmarks that watch how pages grow with it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings

from .entities import DRINKS


def menu_with_pizzas(folder: Path, count: int) -> Path:
    """A copy of the shipped menu (``MENU_DATA_DIR``) in ``folder/menu<count>``, with generated pizzas
    added up to ``count`` items, spread over the pizza categories; load it with ``load_menu --source``.
    The last generated pizza is the last item of its ``menu.json``."""
    target = folder / f"menu{count}"
    shutil.copytree(settings.MENU_DATA_DIR, target)
    menu = json.loads((target / "menu.json").read_text(encoding="utf-8"))
    categories = [c["slug"] for c in menu["categories"] if c["slug"] != DRINKS]
    for number in range(count - len(menu["items"])):
        menu["items"].append(
            {
                "slug": f"gerada-{number:03d}",
                "name": f"Pizza gerada {number:03d}",
                "description": "Molho, mussarela, tomate, manjericão e orégano.",
                "price": f"{39 + number % 20}.90",
                "image": None,
                "category": categories[number % len(categories)],
            }
        )
    (target / "menu.json").write_text(json.dumps(menu, ensure_ascii=False), encoding="utf-8")
    return target
