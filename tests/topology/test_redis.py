"""Redis stopped and started again under the running topology (issue 15, finding 1 and 2's Redis half).

Sessions and carts live in Redis (AOF). While it is down, a page that needs the session answers the
friendly 503 at once and never deletes the session cookie (Django's cache sessions used to read an
unreachable Redis as an empty session, whose cookie SessionMiddleware then deleted); a visitor without
a session still gets the menu and the CEP API; and the balancer never answers its own 502, because a
503 no longer counts against the instances. When Redis is back, carts and sign-ins are as they were.
"""

import pytest

from emulators.testing import wait_until

from .client import SESSION_COOKIE

pytestmark = pytest.mark.system

# The app waits REDIS_CONNECT_TIMEOUT (1 s) at most; the client's timeout adds room for a busy machine.
BUDGET = 1.0 + 4.0
SESSION_PAGES = ("/carrinho/", "/pedido/finalizar/", "/pedidos/", "/cep/", "/privacidade/", "/conta/entrar/")


@pytest.fixture
def restored(topology):
    yield topology
    topology.restore()


def test_redis_down_keeps_cookies_and_carts_and_the_menu_and_cep_api_answer(restored):
    topology = restored
    visitor = topology.browser(timeout=BUDGET)
    visitor.add_pizza()
    customer = topology.signed_in(0, timeout=BUDGET)
    customer.add_pizza()
    cookies = {"visitor": visitor.session_id, "customer": customer.session_id}
    assert all(cookies.values())
    cep = topology.customers["ceps"][0]
    for name in ("web1", "web2"):
        assert topology.instance_get(name, "/").status_code == 200

    topology.stop_service("redis")
    answers = []
    for browser in (visitor, customer):
        for path in SESSION_PAGES:
            response = browser.get(path)
            answers.append((path, response.status_code))
            assert response.status_code == 503, (path, response.status_code)
            assert "Nada do seu carrinho foi perdido" in response.text
            assert SESSION_COOKIE not in response.headers.get("Set-Cookie", ""), path
    assert visitor.session_id == cookies["visitor"] and customer.session_id == cookies["customer"]
    stranger = topology.browser(timeout=BUDGET)
    for _ in range(4):  # both instances, more than once: none is taken out for the others' 503s
        lookup = stranger.get(f"/api/cep/{cep}/")
        assert lookup.status_code == 200 and lookup.json()["cep"].replace("-", "") == cep

    for name in ("web1", "web2"):
        assert topology.instance_get(name, "/").status_code == 200  # from the instance's own copy
    topology.start_service("redis")
    wait_until(lambda: visitor.get("/carrinho/").status_code == 200, what="the cart page answering again")
    assert visitor.cart_lines() == 1
    assert customer.cart_lines() == 1
    assert customer.get("/conta/").status_code == 200  # still signed in


def test_redis_down_still_serves_the_menu_to_a_visitor_without_a_session(restored):
    topology = restored
    for name in ("web1", "web2"):  # each instance has shown the menu (and keeps its copy) before Redis goes
        assert topology.instance_get(name, "/").status_code == 200
    topology.stop_service("redis")
    for _ in range(4):  # both instances, past the copy's one-second trust
        menu = topology.browser(timeout=BUDGET).get("/")
        assert menu.status_code == 200 and "Adicionar" in menu.text
