import json
import shutil
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from menu import repositories
from menu.selectors import menu_get


def run(*args):
    out = StringIO()
    call_command("load_menu", *args, stdout=out)
    return out.getvalue()


def rows(menu_data) -> int:
    """Rows the shipped menu makes: one per category and one per item."""
    return len(menu_data.categories) + len(menu_data.items)


def test_load_menu_loads_every_item_and_photo(menu_data):
    output = run()
    count, last = len(menu_data.items), list(menu_data.items)[-1]
    assert f"[{count}/{count}] {last}" in output
    assert f"{rows(menu_data)} created" in output
    items = repositories.items()
    assert sorted(i.slug for i in items) == sorted(menu_data.items)
    pizzas = [i for i in items if i.is_pizza]
    assert sorted(p.slug for p in pizzas) == sorted(menu_data.pizzas)
    assert all(p.image and default_storage.exists(p.image) for p in pizzas)
    assert all(i.image is None for i in items if not i.is_pizza)
    calabresa = repositories.item_get("calabresa")
    assert str(calabresa.price) == menu_data.items["calabresa"]["price"]  # in cents, as written
    assert calabresa.category == menu_data.items["calabresa"]["category"]
    assert [c.slug for c in repositories.categories()] == [c["slug"] for c in menu_data.categories]


def test_load_menu_is_idempotent_and_keeps_manager_changes(nosql_store, menu_data):
    run()
    from dataclasses import replace

    repositories.item_save(replace(repositories.item_get("bauru"), available=False))
    nosql_store.stats.reset()
    output = run()
    assert "0 created" in output and f"{rows(menu_data)} left unchanged" in output
    assert "0 photos stored" in output
    assert nosql_store.stats.calls["put"] == 0
    assert repositories.item_get("bauru").available is False


def test_dry_run_writes_nothing(menu_data):
    output = run("--dry-run")
    assert f"{rows(menu_data)} created" in output and "dry run" in output
    assert repositories.items() == []
    assert not default_storage.exists("menu")


def test_load_menu_updates_changed_prices_and_drops_the_cached_menu(tmp_path, settings, menu_data):
    run()
    shipped = menu_data.items["calabresa"]["price"]
    assert menu_get().item("calabresa").price.to_eng_string() == shipped != "39.90"
    source = tmp_path / "menu"
    shutil.copytree(settings.MENU_DATA_DIR, source)
    data = json.loads((source / "menu.json").read_text())
    next(i for i in data["items"] if i["slug"] == "calabresa")["price"] = "39.90"
    (source / "menu.json").write_text(json.dumps(data))
    output = run("--source", str(source))
    assert "1 updated" in output
    assert menu_get().item("calabresa").price.to_eng_string() == "39.90"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["items"][0].update(price="abc"), "price that is not a number"),
        (lambda d: d["items"][0].update(price="-1"), "positive price"),
        (lambda d: d["items"][0].update(category="sobremesa"), "unknown category 'sobremesa'"),
        (lambda d: d["items"][0].pop("name"), "needs slug, name, price and category"),
        (lambda d: d.pop("items"), "needs the lists"),
        (lambda d: d["items"][0].update(image="missing.jpg"), "cannot be read"),
    ],
)
def test_bad_menu_files_fail_with_a_message_and_write_nothing(tmp_path, settings, mutate, message):
    source = tmp_path / "menu"
    shutil.copytree(settings.MENU_DATA_DIR, source)
    data = json.loads((source / "menu.json").read_text())
    mutate(data)
    (source / "menu.json").write_text(json.dumps(data))
    with pytest.raises(CommandError, match=message):
        run("--source", str(source))
    assert repositories.items() == []


def test_missing_source_says_what_to_do(tmp_path):
    with pytest.raises(CommandError, match="pass --source"):
        run("--source", str(tmp_path / "nowhere"))
