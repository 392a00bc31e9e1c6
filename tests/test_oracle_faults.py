"""The Django app on the Oracle backend when the database misbehaves: borneo over HTTP to the emulator
subprocess, its fault knobs turned on between requests.

What the app does, by fault:

* connections refused (a proxy down): ``/readyz`` answers 503 and pages the friendly 503 ("Voltamos
  já", ``Retry-After: 30``) at once, not after the request budget;
* throttling that clears: borneo retries (100 ms, then 200 ms) and the page is served normally;
* a database slower than the budget (``REQUEST_TIMEOUT``, 3 s by default): 503 when the budget runs out,
  never a hang and never a 500;
* a write applied whose answer is lost (SERVER_ERROR after the commit): borneo retries it; the store
  recognises its own first attempt in the row the retry meets and reports the write as done, so sign-up
  goes on with the account it just created and checkout lands on the order it just placed. A key that
  someone else really took still raises ``ConditionFailed``.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client

from menu.selectors import MENU_CACHE_KEY
from ocipizza.pizzeria.selectors import PIZZERIA_CACHE_KEY

pytestmark = pytest.mark.system

BUDGET = 3.0  # seconds: the default NOSQL_REQUEST_TIMEOUT


@pytest.fixture
def shop(oracle_store, nosql_emulator):
    """Menu and pizzeria profile loaded into the emulator; faults cleared afterwards."""
    from menu.services import menu_load
    from ocipizza.pizzeria.services import pizzeria_load

    menu_load(source=settings.MENU_DATA_DIR)
    pizzeria_load(path=settings.PIZZERIA_PROFILE_FILE)
    yield oracle_store
    nosql_emulator.admin("faults", {"clear": True})


@pytest.fixture
def client():
    return Client()


def forget_storefront(cache):
    """The menu and profile are cached; drop them so the next page has to read the store."""
    cache.delete_many([MENU_CACHE_KEY, PIZZERIA_CACHE_KEY])


def timed_get(client, path):
    start = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - start


def assert_friendly_503(response):
    assert response.status_code == 503
    assert "Voltamos já" in response.content.decode()
    assert response["Retry-After"] == "30"


def test_the_shop_works_on_oracle(shop, client, fresh_cache):
    forget_storefront(fresh_cache)
    response = client.get("/")
    assert response.status_code == 200
    assert response.content.decode().count('<li class="menu-card') == 16  # 12 pizzas, 4 drinks
    assert client.get("/readyz").json() == {"status": "ok", "store": "ok", "cache": "ok"}


def test_refused_connections_give_the_friendly_503_at_once(shop, client, fresh_cache, nosql_emulator):
    nosql_emulator.admin("faults", {"refuse_connections": -1})
    response, took = timed_get(client, "/readyz")
    assert response.status_code == 503 and response.json()["store"] == "unavailable"
    assert took < BUDGET
    forget_storefront(fresh_cache)
    for path in ("/carrinho/", "/"):
        response, took = timed_get(client, path)
        assert_friendly_503(response)
        assert took < BUDGET, (path, took)
    # Back up: the same pages answer again without a restart.
    nosql_emulator.admin("faults", {"clear": True})
    assert client.get("/").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_throttled_twice_then_served(shop, client, fresh_cache, nosql_emulator):
    forget_storefront(fresh_cache)
    nosql_emulator.admin("requests", {"reset": True})
    nosql_emulator.admin("faults", {"throttle_requests": 2})
    response, took = timed_get(client, "/")
    assert response.status_code == 200
    assert 'data-item="calabresa"' in response.content.decode()
    assert took < BUDGET
    stats = nosql_emulator.stats()
    assert stats["faults"]["throttle_requests"] == 0  # both throttled answers were used, then retried


def test_a_database_slower_than_the_budget_gives_503_in_time(shop, client, fresh_cache, nosql_emulator):
    forget_storefront(fresh_cache)
    nosql_emulator.admin("faults", {"latency_ms": int(BUDGET * 1000) + 1500})
    response, took = timed_get(client, "/carrinho/")
    assert_friendly_503(response)
    assert BUDGET - 0.5 < took < BUDGET + 1.0, took


def test_signup_whose_claim_write_answer_is_lost_keeps_the_account(shop, nosql_emulator, monkeypatch):
    """The e-mail claim (``if_absent``) is applied, then the server errs; the retry meets the claim."""
    from accounts import repositories
    from accounts.services import customer_register

    claim_put = repositories.claim_put

    def claim_put_with_a_lost_answer(*args, **kwargs):
        nosql_emulator.admin("faults", {"fail_after_commit": 1})
        return claim_put(*args, **kwargs)

    monkeypatch.setattr(repositories, "claim_put", claim_put_with_a_lost_answer)
    nosql_emulator.admin("requests", {"reset": True})
    customer = customer_register(
        name="Bia Lima",
        email="bia@example.com",
        telephone="(11) 97777-6666",
        password="massa-fina-de-fermentacao",
        base_url="http://testserver",
        privacy_version="test",
    )
    assert customer is not None
    assert nosql_emulator.stats()["operations"]["PUT_IF_ABSENT"] >= 3  # user, claim, claim again
    claim = repositories.claim_get("bia@example.com")
    assert claim is not None and claim["user_id"] == customer.id
    assert repositories.user_get(customer.id) is not None  # not deleted as a "lost race"


def test_order_whose_write_answer_is_lost_is_placed_once(shop, nosql_emulator):
    """Checkout's one atomic write (``if_absent``, as ``orders.repositories.order_insert`` makes it)
    applied, then SERVER_ERROR: reported as placed, and placed exactly once."""
    from ocipizza.nosql import Put, Query, store
    from orders import repositories

    store.put("user", {"id": "c1", "name": "Caio"})
    row = {
        "id": "c1",
        "order_id": "o1",
        "code": "A1B2",
        "status": "RECEIVED",
        "fulfilment": "PICKUP",
        "payment": "CASH",
        "items": [],
        "history": [],
    }
    nosql_emulator.admin("faults", {"fail_after_commit": 1})
    versions = store.write_many([Put(repositories.ORDER_TABLE, row, if_absent=True)])
    assert versions == [store.get(repositories.ORDER_TABLE, {"id": "c1", "order_id": "o1"}).version]
    placed = list(store.iterate(Query(repositories.ORDER_TABLE)))
    assert [r["order_id"] for r in placed] == ["o1"]
