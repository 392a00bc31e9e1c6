"""Pages with personal data are never cached (issue 16, item 7), and the order list's page cursors are
signed: any malformed, tampered or someone else's cursor answers 400, never 500 (item 10)."""

import base64
import json
import re
from urllib.parse import unquote

import pytest
from django.core import signing

from ocipizza.cursors import BadCursor, cursor_sign, cursor_unsign
from orders.tests.conftest import log_in
from orders.tests.test_checkout import add, checkout_key, submit

LIST = "/pedidos/"


@pytest.fixture
def client(client, customer):
    return log_in(client, customer.email)


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "") and "private" in response["Cache-Control"]


def next_link(response) -> str:
    return unquote(re.search(r'href="\?depois=([^"]+)"', response.content.decode()).group(1))


def test_cart_checkout_orders_and_order_detail_are_never_cached(client, customer, open_now):
    add(client, "calabresa")
    assert no_store(client.get("/carrinho/"))
    checkout = client.get("/pedido/finalizar/")
    assert checkout.status_code == 200 and no_store(checkout)
    refused = submit(client, checkout_key(client), cep="20040-002", cidade="Rio de Janeiro", uf="RJ")
    assert refused.status_code == 200 and no_store(refused)  # the form redrawn with the address typed
    placed = submit(client, checkout_key(client))
    assert placed.status_code == 302
    detail = client.get(placed["Location"])
    assert detail.status_code == 200 and no_store(detail)
    assert no_store(client.get(LIST))


def place_orders(client, count):
    for _ in range(count):
        add(client, "calabresa")
        assert submit(client, checkout_key(client), payment="CASH").status_code == 302


@pytest.fixture
def two_pages(client, customer, open_now, roomy_limits):
    """Eleven orders: a first page of ten and a second of one (two pages of ten per request)."""
    place_orders(client, 11)
    return client


def test_the_next_page_link_is_signed_and_works(two_pages):
    token = next_link(two_pages.get(LIST))
    assert ":" in token  # value:signature
    second = two_pages.get(LIST, {"depois": token})
    assert second.status_code == 200 and second.content.decode().count('class="order-card"') == 1


def _continuation(token: str) -> str:
    return token.rsplit(":", 1)[0]


@pytest.mark.parametrize(
    "crafted",
    [
        # The finding: a continuation whose sort value is no number raised decimal.InvalidOperation.
        "decimal",
        "garbage",
        "base64 garbage",
        "unsigned",
        "tampered",
        "truncated signature",
        "huge",
    ],
)
def test_a_crafted_cursor_is_a_400_with_the_newest_orders(two_pages, crafted, customer):
    token = next_link(two_pages.get(LIST))
    continuation = _continuation(token)
    if crafted == "decimal":
        # The real query's fingerprint and a sort value that is no number, signed as if the key leaked:
        # the store itself refuses it (InvalidQuery), so the page is still a 400.
        stamp, values = json.loads(base64.urlsafe_b64decode(continuation + "=" * (-len(continuation) % 4)))
        payload = json.dumps([stamp, [{"n": "not-a-number"}, *values[1:]]]).encode()
        value = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        cursor = cursor_sign(value, salt=f"orders.list.{customer.id}")
    elif crafted == "garbage":
        cursor = "garbage"
    elif crafted == "base64 garbage":
        cursor = base64.urlsafe_b64encode(b"\xff\x00[[[").decode()
    elif crafted == "unsigned":
        cursor = continuation  # the store's bare continuation, as the page sent it before
    elif crafted == "tampered":
        cursor = (
            continuation[:-2] + ("AA" if continuation[-2:] != "AA" else "BB") + ":" + token.split(":")[-1]
        )
    elif crafted == "truncated signature":
        cursor = token[:-4]
    else:
        cursor = token * 200
    response = two_pages.get(LIST, {"depois": cursor})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Esse link de páginas de pedidos não vale mais" in html
    assert html.count('class="order-card"') == 10  # the first page, as a fresh visit shows it
    assert no_store(response)


def test_a_cursor_from_another_customers_listing_is_refused(two_pages, make_customer, open_now):
    token = next_link(two_pages.get(LIST))
    other = log_in(
        type(two_pages)(enforce_csrf_checks=True), make_customer("jose@example.com", verified=True).email
    )
    response = other.get(LIST, {"depois": token})
    assert response.status_code == 400 and 'class="order-card"' not in response.content.decode()


def test_cursors_sign_per_listing():
    token = cursor_sign("abc", salt="one")
    assert cursor_unsign(token, salt="one") == "abc"
    assert cursor_unsign(None, salt="one") is None and cursor_unsign("", salt="one") is None
    assert cursor_sign(None, salt="one") is None
    for bad, salt in [(token, "two"), ("abc", "one"), (token + "x", "one"), ("a" * 9000, "one")]:
        with pytest.raises(BadCursor):
            cursor_unsign(bad, salt=salt)
    # Signed with Django's signing (SECRET_KEY and its fallbacks): a token made without the salt fails.
    with pytest.raises(BadCursor):
        cursor_unsign(signing.Signer().sign("abc"), salt="one")
