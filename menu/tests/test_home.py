import re
from html import unescape

from django.test import Client
from django.utils import translation

from conftest import brl


def test_home_lists_the_menu_by_category_with_photos_and_prices(client, menu_loaded, menu_data):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    headings = re.findall(r'<h2 id="heading-[^"]+">([^<]+)</h2>', html)
    assert headings == [category["name"] for category in menu_data.categories]
    assert len(re.findall(r'<li class="menu-card[ "]', html)) == len(menu_data.items)
    assert brl(menu_data.price("calabresa")) in html  # pt-BR money
    photos = re.findall(r'<img src="(/media/menu/[^"]+\.jpg)" alt="Pizza ([^"]+)"', html)
    with_photos = sorted(menu_data.name(slug) for slug in menu_data.photos)
    assert sorted(unescape(name) for _, name in photos) == with_photos
    photo = client.get(photos[0][0])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_home_in_english_formats_money_the_english_way(client, menu_loaded, menu_data):
    with translation.override("en"):
        html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert brl(menu_data.price("calabresa"), language="en") in html
    assert "Our menu" in html


def test_home_before_the_menu_is_loaded_says_so(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "O cardápio ainda não foi carregado" in response.content.decode()


def test_warm_menu_page_makes_no_store_call(client, menu_loaded, nosql_store):
    client.get("/")
    nosql_store.stats.reset()
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert nosql_store.stats.total == 0


def test_pages_carry_a_strict_content_security_policy(client, menu_loaded):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_cached_pages_carry_each_visitors_own_csrf_token(menu_loaded):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for client in (first, second):
        html = client.get("/").content.decode()
        assert "__csrf_token_hole__" not in html
        found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        assert len(found) == 1
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    # Each visitor's token is accepted for their own session, the other's is refused.
    ok = first.post(
        "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1, "csrfmiddlewaretoken": tokens[0]}
    )
    assert ok.status_code == 302
    second.cookies["csrftoken"] = "x" * 32
    refused = second.post(
        "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1, "csrfmiddlewaretoken": tokens[0]}
    )
    assert refused.status_code == 403


def test_menu_changes_show_at_once_despite_the_rendered_cache(client, menu_loaded):
    from dataclasses import replace

    from menu import repositories
    from menu.selectors import menu_invalidate

    assert "Esgotado" not in client.get("/").content.decode()
    repositories.item_save(replace(repositories.item_get("bauru"), available=False))
    menu_invalidate()
    assert "Esgotado" in client.get("/").content.decode()
