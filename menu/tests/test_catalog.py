"""The back office's menu services: create, edit (over the version read), photos, order, categories, and
what customers and load_menu see of it."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import ExifTags, Image

from menu import photos, repositories
from menu.entities import DRINKS, PHOTO_SIZE
from menu.selectors import menu_get
from menu.services import (
    MenuConflict,
    MenuEditError,
    category_save,
    menu_item_create,
    menu_item_set_available,
    menu_item_update,
    menu_reorder,
    menu_size_rules,
)
from ocipizza.nosql import store

pytestmark = pytest.mark.usefixtures("shop")


# --- photos made in the test, as a phone would send them ----------------------------------------------


def jpeg_with_gps(size=(900, 1200), color=(200, 40, 30)) -> bytes:
    """A JPEG with a camera make and a GPS position in its EXIF, as phone photos carry."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Secret Model 9"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: (23.0, 33.0, 1.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (46.0, 38.0, 2.0),
        }
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    # The test's own premise: the upload does carry the position.
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def upload(data: bytes, name: str = "pizza.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def huge_png() -> bytes:
    """More pixels than allowed (but few bytes): the kind of file a decompression bomb is."""
    side = int((photos.PHOTO_MAX_PIXELS * 1.2) ** 0.5)
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    return out.getvalue()


def bomb_header_png() -> bytes:
    """A PNG whose header claims 30000 × 30000 pixels: refused before a single one is decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


BAD_PHOTOS = {
    "decompression bomb header": (bomb_header_png, "pixels demais"),
    "text renamed .jpg": (lambda: b"isto nao e uma foto, e um texto\n" * 20, "não é uma foto"),
    "truncated JPEG": (lambda: jpeg_with_gps()[:2000], "corrompida ou incompleta"),
    "huge dimensions": (huge_png, "pixels demais"),
    "too big a file": (lambda: b"\xff\xd8\xff" + b"\0" * photos.PHOTO_MAX_BYTES, "passa de 8 MB"),
    "too small": (lambda: jpeg_with_gps(size=(120, 160)), "pequena demais"),
    "a GIF": (lambda: _gif(), "JPEG, PNG ou WebP"),
}


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (400, 400)).save(out, format="GIF")
    return out.getvalue()


def sizes_for(price_grande: Decimal) -> dict:
    """Prices per standard size, typed as a manager would (each its own, not the file's factors)."""
    rules = menu_size_rules()
    return {rule["code"]: price_grande - 10 * (len(rules) - 1 - i) for i, rule in enumerate(rules)}


def new_pizza(**changes):
    arguments = {
        "name": "Pizza do Chef",
        "category": "especial",
        "description": "Mussarela de búfala e manjericão.",
        "size_prices": sizes_for(Decimal("59.90")),
        **changes,
    }
    return menu_item_create(**arguments)


def edit(slug: str, **changes):
    item, version = repositories.item_get_versioned(slug)
    arguments = {
        "slug": slug,
        "expected_version": version,
        "name": item.name,
        "category": item.category,
        "description": item.description,
        "price": item.price,
        "size_prices": {size.code: size.price for size in item.sizes},
        "half_and_half": item.half_and_half,
        "hidden": item.hidden,
        **changes,
    }
    return menu_item_update(**arguments)


# --- creating ---------------------------------------------------------------------------------------


def test_a_new_pizza_is_on_the_menu_at_once_with_its_own_size_prices(menu_data):
    before = menu_get()  # warm: the new pizza must still show up
    assert before.item("pizza-do-chef") is None
    typed = sizes_for(Decimal("59.90"))
    pizza = new_pizza()
    shown = menu_get().item(pizza.slug)
    assert shown is not None and shown.name == "Pizza do Chef"
    assert {size.code: size.price for size in shown.sizes} == typed
    assert shown.price == max(typed.values())  # the largest size's, as the file has it
    # At the end of its category, after everything loaded from the file.
    section = next(s for s in menu_get().sections if s.category.slug == "especial")
    assert section.items[-1].slug == pizza.slug
    assert shown.half_and_half and not shown.hidden and shown.edited_at is not None
    assert menu_get().version != before.version


def test_a_new_drink_has_one_price_and_no_sizes():
    drink = menu_item_create(
        name="Chá gelado", category=DRINKS, price=Decimal("7.50"), size_prices={"grande": 9}
    )
    assert drink.sizes == () and drink.price == Decimal("7.50")
    assert menu_get().item("cha-gelado").price == Decimal("7.50")


def test_a_taken_name_gets_its_own_slug(menu_data):
    existing = menu_data.name("calabresa")
    created = new_pizza(name=existing)
    assert created.slug != "calabresa" and created.slug.startswith("calabresa")
    assert repositories.item_get("calabresa").name == existing  # untouched


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Informe o nome"),
        ({"name": "x" * 81}, "name", "até 80 caracteres"),
        ({"category": "sobremesa"}, "category", "Escolha uma das categorias"),
        ({"size_prices": {}}, "sizes", "pelo menos um tamanho"),
        ({"size_prices": {"familia": Decimal("80")}}, "sizes", "tamanhos do cardápio"),
        ({"size_prices": {"grande": Decimal("-1")}}, "price_grande", "maior que zero"),
        ({"size_prices": {"grande": Decimal("35.999")}}, "price_grande", "dois dígitos"),
        ({"size_prices": {"grande": Decimal("35900")}}, "price_grande", "alto demais"),
        ({"size_prices": {"grande": "NaN"}}, "price_grande", "35,90"),
        ({"category": DRINKS, "price": None}, "price", "preço da bebida"),
        ({"name": "Pizza\x00"}, "name", "caracteres inválidos"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(nosql_store, changes, field, message):
    count = len(repositories.items())
    nosql_store.stats.reset()
    with pytest.raises(MenuEditError, match=message) as refused:
        new_pizza(**changes)
    assert refused.value.field == field
    assert len(repositories.items()) == count
    assert nosql_store.stats.calls["put"] == 0


# --- editing ----------------------------------------------------------------------------------------


def test_a_price_change_reaches_the_warm_menu(menu_data):
    assert menu_get().item("calabresa").price_for("grande") == menu_data.price("calabresa", "grande")
    new_price = menu_data.price("calabresa", "grande") + Decimal("3.10")
    prices = {code: menu_data.price("calabresa", code) for code in menu_data.factors}
    edit("calabresa", size_prices={**prices, "grande": new_price})
    assert menu_get().item("calabresa").price_for("grande") == new_price
    assert menu_get().item("calabresa").price == new_price


def test_two_managers_editing_one_item_the_second_is_told_and_nothing_is_lost(menu_data):
    _item, drawn = repositories.item_get_versioned("calabresa")  # both forms drawn from this version
    prices = {code: menu_data.price("calabresa", code) for code in menu_data.factors}
    first = edit("calabresa", expected_version=drawn, description="Com cebola roxa.")
    with pytest.raises(MenuConflict) as conflict:
        edit("calabresa", expected_version=drawn, name="Calabresa Acebolada", size_prices=prices)
    # The second is shown what is stored now, with the version to edit it from.
    assert conflict.value.current.description == "Com cebola roxa."
    assert conflict.value.current.name == menu_data.name("calabresa")
    stored, version = repositories.item_get_versioned("calabresa")
    assert conflict.value.version == version
    assert stored.description == first.description == "Com cebola roxa." and stored.name == first.name
    # Trying again from the current version keeps both changes.
    edit("calabresa", expected_version=version, name="Calabresa Acebolada")
    stored = repositories.item_get("calabresa")
    assert (stored.name, stored.description) == ("Calabresa Acebolada", "Com cebola roxa.")


def test_a_write_racing_between_read_and_put_is_a_conflict_too(monkeypatch, menu_data):
    """The check is the store's conditional put, not only the comparison before it."""
    item, version = repositories.item_get_versioned("bauru")
    real = repositories.item_get_versioned

    def read_then_someone_writes(slug):
        found = real(slug)
        repositories.item_save(replace(item, description="Mudou no meio"))
        monkeypatch.setattr(repositories, "item_get_versioned", real)
        return found

    monkeypatch.setattr(repositories, "item_get_versioned", read_then_someone_writes)
    with pytest.raises(MenuConflict):
        edit_from(item, version, name="Bauru Especial")
    assert repositories.item_get("bauru").name == menu_data.name("bauru")


def edit_from(item, version, **changes):
    return menu_item_update(
        slug=item.slug,
        expected_version=version,
        name=changes.get("name", item.name),
        category=item.category,
        description=item.description,
        price=item.price,
        size_prices={size.code: size.price for size in item.sizes},
    )


def test_editing_keeps_sold_out_sizes_and_saving_unchanged_writes_nothing(nosql_store, menu_data):
    menu_item_set_available(slug="calabresa", size="broto", available=False)
    edit("calabresa", description="Nova descrição.")
    stored = repositories.item_get("calabresa")
    assert stored.size("broto").available is False and stored.size("grande").available is True
    nosql_store.stats.reset()
    edit("calabresa")
    assert nosql_store.stats.calls["put"] == 0


def test_hidden_items_leave_the_customers_menu_and_their_carts(client, menu_data):
    from orders.tests.test_checkout import add

    add(client, "bauru", size="grande")
    edit("bauru", hidden=True)
    assert menu_get().item("bauru") is None
    assert repositories.item_get("bauru").hidden  # still in the back office
    html = client.get("/carrinho/").content.decode()
    assert "Um item saiu do cardápio" in html
    assert 'data-item="bauru"' not in client.get("/").content.decode()
    edit("bauru", hidden=False)
    assert menu_get().item("bauru") is not None


def test_an_edited_item_can_switch_to_one_price_as_a_drink():
    changed = edit("calabresa", category=DRINKS, price=Decimal("12.00"))
    assert changed.sizes == () and changed.price == Decimal("12.00")


# --- photos -----------------------------------------------------------------------------------------


def stored_image(name: str) -> tuple[Image.Image, bytes]:
    with default_storage.open(name) as f:
        data = f.read()
    return Image.open(io.BytesIO(data)), data


def test_an_uploaded_photo_is_re_encoded_resized_and_stripped_of_exif_and_gps():
    pizza = new_pizza(photo=upload(jpeg_with_gps()))
    assert pizza.image and pizza.image.startswith("menu/pizza-do-chef-")
    one_x, raw = stored_image(pizza.image)
    two_x, raw_2x = stored_image(pizza.image_2x)
    assert one_x.format == two_x.format == "JPEG"
    assert one_x.size == PHOTO_SIZE and two_x.size == (2 * PHOTO_SIZE[0], 2 * PHOTO_SIZE[1])
    for image, data in ((one_x, raw), (two_x, raw_2x)):
        assert len(image.getexif()) == 0
        assert b"Exif" not in data and b"PhoneMaker" not in data and b"Secret Model" not in data
    # The colour survived: it is the same picture.
    r, g, b = one_x.convert("RGB").getpixel((150, 200))
    assert r > 150 and g < 90 and b < 90


def test_a_big_sideways_phone_photo_is_turned_upright_before_its_exif_goes():
    """4000 × 3000 as the sensor wrote it, with Orientation 6 ("turn 90° clockwise to view")."""
    image = Image.new("RGB", (4000, 3000), (220, 20, 20))
    image.paste((20, 20, 220), (2000, 0, 4000, 3000))  # left half red, right half blue
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    pizza = new_pizza(photo=upload(out.getvalue()))
    stored, _data = stored_image(pizza.image)
    assert stored.size == PHOTO_SIZE
    top, bottom = stored.getpixel((150, 50)), stored.getpixel((150, 350))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # upright: red above, blue below


def test_a_transparent_png_is_accepted_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (600, 800), (0, 0, 0, 0)).save(out, format="PNG")
    pizza = new_pizza(photo=upload(out.getvalue(), "foto.png", "image/png"))
    image, _data = stored_image(pizza.image)
    assert image.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize("kind", list(BAD_PHOTOS))
def test_bad_photos_are_refused_and_nothing_changes(nosql_store, kind):
    make, message = BAD_PHOTOS[kind]
    before = repositories.item_get("calabresa")
    nosql_store.stats.reset()
    with pytest.raises(MenuEditError, match=message) as refused:
        edit("calabresa", photo=upload(make()))
    assert refused.value.field == "photo"
    assert repositories.item_get("calabresa") == before
    assert nosql_store.stats.calls["put"] == 0
    _dirs, files = default_storage.listdir("menu")
    assert not [name for name in files if name.endswith("x400.jpg") or name.endswith("x800.jpg")]


def test_a_replaced_photo_leaves_the_storage_unless_another_item_uses_it():
    old = repositories.item_get("calabresa").image
    assert default_storage.exists(old)
    changed = edit("calabresa", photo=upload(jpeg_with_gps(color=(20, 120, 20))))
    assert changed.image != old and default_storage.exists(changed.image)
    assert not default_storage.exists(old)
    # A photo another item still shows stays.
    shared = changed.image
    repositories.item_save(replace(repositories.item_get("bauru"), image=shared))
    edit("calabresa", photo=upload(jpeg_with_gps(color=(20, 20, 160))))
    assert default_storage.exists(shared) and default_storage.exists(shared.replace("300x400", "600x800"))
    # Removing a photo removes it from the storage too.
    latest = repositories.item_get("calabresa").image
    edit("calabresa", remove_photo=True)
    assert repositories.item_get("calabresa").image is None
    assert not default_storage.exists(latest)


def test_the_same_photo_twice_is_stored_once_under_its_content_hash():
    data = jpeg_with_gps()
    first = edit("calabresa", photo=upload(data))
    again = edit("calabresa", photo=upload(data))
    assert first.image == again.image and default_storage.exists(first.image)


# --- order and categories ---------------------------------------------------------------------------


def section_slugs(category: str) -> list[str]:
    return [i.slug for s in menu_get().sections if s.category.slug == category for i in s.items]


def test_moving_an_item_up_and_down_within_its_category():
    before = section_slugs("tradicional")
    second = before[1]
    menu_reorder(kind="item", slug=second, direction=-1)
    after = section_slugs("tradicional")
    assert after[0] == second and after[1] == before[0] and after[2:] == before[2:]
    menu_reorder(kind="item", slug=second, direction=-1)  # already first: nothing moves
    assert section_slugs("tradicional") == after
    menu_reorder(kind="item", slug=second, direction=1)
    assert section_slugs("tradicional") == before


def test_moving_a_category_and_renaming_and_creating_one(menu_data):
    slugs = [c["slug"] for c in menu_data.categories]
    menu_reorder(kind="category", slug=slugs[1], direction=-1)
    assert [c.slug for c in menu_get().categories][:2] == [slugs[1], slugs[0]]
    category_save(slug=slugs[0], name="Clássicas")
    assert next(c for c in menu_get().categories if c.slug == slugs[0]).name == "Clássicas"
    created = category_save(name="Doces")
    assert created.slug == "doces" and created.slug not in [c.slug for c in menu_get().categories]  # empty
    new_pizza(category="doces", name="Brigadeiro")
    assert menu_get().categories[-1].slug == "doces"
    with pytest.raises(MenuEditError, match="Já existe"):
        category_save(name="clássicas")


@pytest.mark.parametrize(
    ("kind", "slug", "direction", "message"),
    [
        ("item", "nao-existe", 1, "não está no cardápio"),
        ("category", "x", 1, "não está"),
        ("item", "bauru", 5, "subir"),
    ],
)
def test_bad_moves_are_refused(kind, slug, direction, message):
    with pytest.raises(MenuEditError, match=message):
        menu_reorder(kind=kind, slug=slug, direction=direction)


# --- meio-a-meio per item ---------------------------------------------------------------------------


def test_rows_written_before_the_new_columns_read_as_allowed_and_shown():
    store.put(
        "pizza",
        {
            "slug": "antiga",
            "name": "Antiga",
            "category": "tradicional",
            "price": Decimal("40"),
            "sizes": None,
        },
    )
    old = repositories.item_get("antiga")
    assert old.half_and_half is True and old.hidden is False and old.edited_at is None


def test_a_pizza_not_sold_in_halves_cannot_be_a_half(client, menu_data):
    from orders.tests.test_checkout import add

    # A customer chose it as a half before the manager changed it.
    add(client, "calabresa", size="grande", half="peperone")
    edit("peperone", half_and_half=False)
    html = client.get("/carrinho/").content.decode()
    assert f"{menu_data.name('peperone')} não é mais vendida meio a meio" in html
    for first, second in (("calabresa", "peperone"), ("peperone", "calabresa")):
        add(client, first, size="grande", half=second)
        html = client.get("/carrinho/").content.decode()
        assert "Seu carrinho está vazio." in html
    menu = client.get("/").content.decode()
    card = menu.split('data-item="peperone"', 1)[1].split("</li>", 1)[0]
    assert 'name="half"' not in card and "half-open" not in card
    assert "half-open" in menu.split('data-item="calabresa"', 1)[1].split("</li>", 1)[0]
    # Neither the page's list for the script nor a card's list without scripts offers it.
    listing = menu.split('<template id="half-options">', 1)[1].split("</template>", 1)[0]
    assert '<option value="calabresa"' in listing and '<option value="peperone"' not in listing
    menu = client.get("/?meio=calabresa").content.decode()
    card = menu.split('data-item="calabresa"', 1)[1].split("</li>", 1)[0]
    assert '<option value="portuguesa"' in card and '<option value="peperone"' not in card
    assert 'name="half"' not in client.get("/?meio=peperone").content.decode().split("<template", 1)[0]
    # The pizza itself still sells whole.
    add(client, "peperone", size="grande")
    assert menu_data.name("peperone") in client.get("/carrinho/").content.decode()


# --- load_menu and the manager's edits ---------------------------------------------------------------


def load(*args) -> str:
    out = StringIO()
    call_command("load_menu", *args, stdout=out)
    return out.getvalue()


def test_load_menu_keeps_what_a_manager_edited_unless_told_to_overwrite(menu_data):
    shipped_photo = repositories.item_get("calabresa").image
    edited = edit("calabresa", name="Calabresa da Casa", photo=upload(jpeg_with_gps()))
    category_save(slug="tradicional", name="Clássicas")
    menu_item_set_available(slug="calabresa", size="broto", available=False)
    output = load()
    assert "2 kept as edited in the back office" in output
    kept = repositories.item_get("calabresa")
    assert (kept.name, kept.image) == ("Calabresa da Casa", edited.image)
    assert repositories.category_get("tradicional").name == "Clássicas"
    assert not default_storage.exists(shipped_photo)  # not brought back for an item that no longer uses it

    output = load("--overwrite")
    restored = repositories.item_get("calabresa")
    assert restored.name == menu_data.name("calabresa") and restored.image == shipped_photo
    assert restored.price == menu_data.price("calabresa") and restored.edited_at is None
    assert restored.size("broto").available is False  # the sold-out mark is the staff's either way
    assert repositories.category_get("tradicional").name == menu_data.categories[0]["name"]
    assert "0 kept" in load()


def test_items_created_in_the_back_office_survive_load_menu():
    pizza = repositories.item_get(new_pizza().slug)
    load("--overwrite")
    assert repositories.item_get(pizza.slug) == pizza
