"""Flash messages wait in the session, but only the newest few: a client that posts and never reads
the answer cannot grow its session without bound."""

import pytest

from conftest import post
from ocipizza.messages import MESSAGES_KEPT

pytestmark = pytest.mark.usefixtures("shop")


def test_only_the_newest_messages_wait_in_the_session(client, menu_data):
    drinks = [slug for slug in menu_data.items if slug not in menu_data.pizzas]
    names = []
    for number in range(MESSAGES_KEPT + 5):
        slug = drinks[number % len(drinks)]
        response = post(client, "/carrinho/adicionar/", {"item": slug, "quantity": 1})
        assert response.status_code == 302  # the redirect is not followed: the message waits
        names.append(menu_data.name(slug))
    waiting = client.session["_messages"]
    assert waiting.count("foi para o carrinho") == MESSAGES_KEPT
    html = client.get("/carrinho/").content.decode()
    assert html.count("foi para o carrinho") == MESSAGES_KEPT
    assert f"{names[-1]} foi para o carrinho." in html  # the newest is kept
    assert "_messages" not in client.session  # shown, then gone
