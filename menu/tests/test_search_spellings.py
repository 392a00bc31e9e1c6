"""Menu search as customers spell things: accents, other spellings, brand names, every category."""

import re
import unicodedata

import pytest

pytestmark = pytest.mark.usefixtures("menu_loaded")


def found(client, **params) -> set[str]:
    html = client.get("/", params).content.decode()
    return set(re.findall(r'<li class="menu-card[^"]*" data-item="([^"]+)"', html))


def folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def having(menu_data, word: str) -> set[str]:
    """Items whose name or description (as data/menu says) has ``word``."""
    return {
        slug
        for slug, item in menu_data.items.items()
        if word in folded(f"{item['name']} {item.get('description', '')}")
    }


@pytest.mark.parametrize("query", ["mussarela", "muçarela", "mozarela", "MOZZARELLA", "Muzzarela"])
def test_every_spelling_of_the_cheese_finds_the_same_pizzas(client, menu_data, query):
    expected = having(menu_data, "mussarela")
    assert len(expected) > 3
    assert found(client, q=query) == expected


@pytest.mark.parametrize("query", ["coca", "Coca-Cola", "coca cola"])
def test_coca_finds_the_sodas(client, menu_data, query):
    sodas = having(menu_data, "cola")
    assert sodas and all(menu_data.items[slug]["category"] == "bebida" for slug in sodas)
    assert found(client, q=query) == sodas


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("calabreza", "calabresa"),
        ("pizza de calabreza", "calabresa"),
        ("margherita", "marguerita"),
        ("pepperoni", "peperone"),
        ("cachorro quente", "hot-dog"),
        ("agua", "agua-mineral"),
    ],
)
def test_common_misspellings_find_the_pizza(client, query, slug):
    assert slug in found(client, q=query)


def test_search_covers_every_category_and_says_so(client, menu_data):
    drinks_and_pizzas = found(client, q="laranja")  # a juice and a soda: both drinks
    assert drinks_and_pizzas == having(menu_data, "laranja")
    html = client.get("/", {"q": "mussarela"}).content.decode()
    count = len(having(menu_data, "mussarela"))
    assert f"{count} resultados para “mussarela” em todo o cardápio." in html
    # The search box never narrows to the category on screen.
    category_page = client.get("/", {"categoria": "bebida"}).content.decode()
    assert 'name="categoria"' not in category_page


def test_a_search_inside_a_category_names_it_and_offers_the_rest(client, menu_data):
    categories = {c["slug"]: c["name"] for c in menu_data.categories}
    matching = having(menu_data, "mussarela")
    in_specials = {s for s in matching if menu_data.items[s]["category"] == "especial"}
    html = client.get("/", {"q": "mussarela", "categoria": "especial"}).content.decode()
    assert found(client, q="mussarela", categoria="especial") == in_specials
    noun = "resultado" if len(in_specials) == 1 else "resultados"
    assert f"{len(in_specials)} {noun} para “mussarela” em {categories['especial']}." in html
    assert f"Mais {len(matching) - len(in_specials)} no cardápio todo" in html
    assert 'href="/?q=mussarela"' in html


def test_nothing_found_says_so_and_links_to_the_whole_menu(client):
    html = client.get("/", {"q": "sushi"}).content.decode()
    assert "Nada encontrado para “sushi”." in html
    assert "Ver o cardápio todo" in html
