"""The cart through its pages, as a customer (and a tamperer) would use it."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client

from conftest import CENTS, brl, post
from menu import repositories
from menu.selectors import menu_invalidate
from orders.cart import SESSION_KEY

# Every test gets the root conftest's CSRF-enforcing ``client`` and a loaded shop.
pytestmark = pytest.mark.usefixtures("shop")


def add(client, item, **fields):
    return post(client, "/carrinho/adicionar/", {"item": item, "quantity": 1, **fields}, follow=True)


def lines(client):
    return client.session.get(SESSION_KEY, {}).get("lines", [])


def subtotal(response):
    return re.search(r'data-testid="subtotal">([^<]+)<', response.content.decode()).group(1)


def test_add_items_and_see_them_priced_in_the_cart(client, menu_data):
    response = add(client, "calabresa", size="grande", quantity=2)
    assert f"{menu_data.name('calabresa')} foi para o carrinho." in response.content.decode()
    add(client, "refrigerante-lata", quantity=3)
    cart = client.get("/carrinho/")
    html = cart.content.decode()
    assert menu_data.name("calabresa") in html and menu_data.name("refrigerante-lata") in html
    expected = 2 * menu_data.price("calabresa", "grande") + 3 * menu_data.price("refrigerante-lata")
    assert subtotal(cart) == brl(expected)
    assert 'data-testid="cart-badge"' in html and ">5</span>" in html


def test_sizes_have_their_own_prices(client, menu_data):
    add(client, "calabresa", size="broto")
    broto = menu_data.price("calabresa", "broto")
    assert broto != menu_data.price("calabresa")
    assert subtotal(client.get("/carrinho/")) == brl(broto)


def halves(menu_data) -> tuple[Decimal, Decimal]:
    """The two halves the half-and-half tests order; they must cost differently to tell the rules apart."""
    calabresa, peperone = menu_data.price("calabresa", "grande"), menu_data.price("peperone", "grande")
    assert calabresa != peperone
    return calabresa, peperone


def test_half_and_half_costs_the_dearer_half_by_default(client, menu_data):
    add(client, "calabresa", size="grande", half="peperone")
    html = client.get("/carrinho/").content.decode()
    assert f"Meio a meio: {menu_data.name('calabresa')} e {menu_data.name('peperone')}" in html
    assert subtotal(client.get("/carrinho/")) == brl(max(halves(menu_data)))


def test_half_and_half_average_rule(client, settings, menu_data):
    from ocipizza.pizzeria.services import pizzeria_save

    document = __import__("json").loads(settings.PIZZERIA_PROFILE_FILE.read_text())
    pizzeria_save(document={**document, "half_and_half_rule": "average"})
    add(client, "calabresa", size="grande", half="peperone")
    average = (sum(halves(menu_data)) / 2).quantize(CENTS, rounding=ROUND_HALF_UP)
    assert subtotal(client.get("/carrinho/")) == brl(average)


def test_identical_lines_merge_and_notes_make_separate_lines(client):
    add(client, "calabresa", quantity=2)
    add(client, "calabresa", quantity=1)
    add(client, "calabresa", note="sem cebola")
    raw = lines(client)
    assert [(line["qty"], line["note"]) for line in raw] == [(3, ""), (1, "sem cebola")]


def test_change_quantity_and_note_then_remove(client, menu_data):
    add(client, "bauru")
    line_id = lines(client)[0]["id"]
    response = post(
        client, f"/carrinho/{line_id}/atualizar/", {"quantity": 4, "note": "bem passada"}, follow=True
    )
    assert subtotal(response) == brl(4 * menu_data.price("bauru"))
    assert "bem passada" in response.content.decode()
    response = post(client, f"/carrinho/{line_id}/remover/", follow=True)
    assert "Seu carrinho está vazio." in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"item": "lasanha"}, "Este item não está no cardápio."),
        ({"item": "calabresa", "quantity": 0}, "A quantidade vai de 1 a 20."),
        ({"item": "calabresa", "quantity": -3}, "A quantidade vai de 1 a 20."),
        ({"item": "calabresa", "quantity": 21}, "A quantidade vai de 1 a 20."),
        ({"item": "calabresa", "quantity": 10**30}, "A quantidade vai de 1 a 20."),
        ({"item": "calabresa", "quantity": "dois"}, "A quantidade precisa ser um número."),
        ({"item": "calabresa", "size": "gigante"}, "Escolha um dos tamanhos do cardápio."),
        ({"item": "calabresa", "half": "agua-mineral"}, "Meio a meio só vale para duas pizzas"),
        ({"item": "agua-mineral", "half": "calabresa"}, "Meio a meio só vale para duas pizzas"),
        ({"item": "calabresa", "note": "x" * 141}, "no máximo 140 caracteres"),
        ({"item": "calabresa", "note": "sem\x00cebola"}, "Caracteres inválidos."),
        ({"item": "cala\x00bresa"}, "Caracteres inválidos."),
        ({"item": "calabresa", "price": "0.01", "quantity": 1}, None),  # a forged price is ignored
    ],
)
def test_tampered_or_bad_input_gets_a_message_and_never_a_500(client, fields, message, menu_data):
    response = post(client, "/carrinho/adicionar/", {"quantity": 1, **fields}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    if message:
        assert message in html
        assert lines(client) == []
    else:
        assert Decimal(fields["price"]) != menu_data.price("calabresa")
        assert subtotal(client.get("/carrinho/")) == brl(menu_data.price("calabresa"))


def test_twenty_is_the_most_of_one_line(client):
    add(client, "calabresa", quantity=15)
    response = add(client, "calabresa", quantity=6)
    assert "A quantidade vai de 1 a 20." in response.content.decode()
    assert lines(client)[0]["qty"] == 15


def test_unavailable_items_cannot_be_added(client):
    from dataclasses import replace

    repositories.item_save(replace(repositories.item_get("bauru"), available=False))
    menu_invalidate()
    response = add(client, "bauru")
    assert "Bauru está esgotado no momento." in response.content.decode()
    assert "Esgotado" in client.get("/").content.decode()


def test_the_cart_tells_when_a_price_changed_or_an_item_sold_out(client):
    from dataclasses import replace

    add(client, "calabresa")
    add(client, "bauru")
    repositories.item_save(replace(repositories.item_get("calabresa"), price=Decimal("39.90"), sizes=()))
    repositories.item_save(replace(repositories.item_get("bauru"), available=False))
    menu_invalidate()
    html = client.get("/carrinho/").content.decode()
    assert "Bauru está esgotado e foi retirado do seu carrinho." in html
    assert "O tamanho escolhido para Calabresa não está mais disponível" in html
    assert "Seu carrinho está vazio." in html
    # The notice is shown once; the session now matches what the customer saw.
    assert "esgotado e foi retirado" not in client.get("/carrinho/").content.decode()


def test_price_change_notice(client, menu_data):
    from dataclasses import replace

    from menu.entities import Size

    add(client, "suco-natural")
    shipped = menu_data.price("suco-natural")
    assert shipped != Decimal("13.50")
    repositories.item_save(replace(repositories.item_get("suco-natural"), price=Decimal("13.50")))
    menu_invalidate()
    html = client.get("/carrinho/").content.decode()
    name = menu_data.name("suco-natural")
    assert f"O preço de {name} mudou de {brl(shipped, ' ')} para R$ 13,50." in html
    assert Size  # sizes of drinks stay empty


def test_garbage_in_the_session_cart_is_ignored(client, menu_data):
    session = client.session
    session[SESSION_KEY] = {
        "lines": [
            {"id": "a", "item": "calabresa", "qty": -5},
            {"id": "b", "item": "calabresa", "qty": True},
            {"id": "c", "item": 42, "qty": 1},
            "junk",
            {"id": "d", "item": "nope", "qty": 1},
            {"id": "e", "item": "calabresa", "size": "grande", "qty": 2, "note": ""},
        ]
    }
    session.save()
    response = client.get("/carrinho/")
    assert response.status_code == 200
    assert subtotal(response) == brl(2 * menu_data.price("calabresa", "grande"))
    assert [line["id"] for line in lines(client)] == ["e"]


def test_updating_a_line_that_is_gone(client):
    response = post(client, "/carrinho/zzz/atualizar/", {"quantity": 2}, follow=True)
    assert "Este item já não está no seu carrinho." in response.content.decode()
    response = post(client, "/carrinho/zzz/remover/", follow=True)
    assert "Este item já não está no seu carrinho." in response.content.decode()


def test_cart_posts_need_a_csrf_token(client):
    assert client.post("/carrinho/adicionar/", {"item": "calabresa", "quantity": 1}).status_code == 403
    assert lines(client) == []
    assert post(client, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1}).status_code == 302
    assert [line["item"] for line in lines(client)] == ["calabresa"]


def test_next_only_redirects_within_the_site(client):
    response = post(
        client, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    response = post(
        client, "/carrinho/adicionar/", {"item": "calabresa", "quantity": 1, "next": "/?categoria=especial"}
    )
    assert response["Location"] == "/?categoria=especial"


def test_the_cart_lives_in_redis_and_survives_a_new_client_process(client, settings, menu_data):
    add(client, "calabresa")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    other = Client()  # another app instance: nothing shared but Redis
    other.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert subtotal(other.get("/carrinho/")) == brl(menu_data.price("calabresa"))


def test_menu_filters_by_category_and_search_without_javascript(client):
    html = client.get("/?categoria=bebida").content.decode()
    assert "Refrigerante 2 L" in html and "Calabresa" not in html
    html = client.get("/?q=agua").content.decode()
    assert "Água mineral" in html and "Calabresa" not in html
    html = client.get("/?q=zzzz").content.decode()
    assert "Nada encontrado" in html


def test_anonymous_menu_page_on_a_warm_cache(client, nosql_store, redis_commands):
    fresh = Client()
    fresh.get("/")
    nosql_store.stats.reset()
    redis_commands.start()
    assert fresh.get("/").status_code == 200
    assert redis_commands.count() <= 1
    assert nosql_store.stats.total == 0
