"""The Django app on the Oracle backend when the database misbehaves: borneo over HTTP to the emulator
subprocess, its fault knobs turned on between requests.

What the app does, by fault:

* connections refused (a proxy down): ``/readyz`` answers 503 and pages the friendly 503 ("Voltamos
  já", ``Retry-After: 30``) at once: one refused attempt each, nothing retried, no budget spent;
* throttling that clears: borneo retries and the page is served normally;
* a database slower than the budget (``REQUEST_TIMEOUT``, 3 s by default): 503 when the budget runs out
  (borneo's request timeout), the request not tried again, never a hang and never a 500;
* a write applied whose answer is lost (SERVER_ERROR after the commit): borneo retries it; the store
  recognises its own first attempt in the row the retry meets and reports the write as done, so sign-up
  goes on with the account it just created and checkout lands on the order it just placed. A key that
  someone else really took still raises ``ConditionFailed``.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client

from menu.selectors import MENU_CACHE_KEY
from ocipizza import localcopy
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
    localcopy.delete_many([MENU_CACHE_KEY, PIZZERIA_CACHE_KEY])


def assert_friendly_503(response):
    assert response.status_code == 503
    assert "Voltamos já" in response.content.decode()
    assert response["Retry-After"] == "30"


def test_the_shop_works_on_oracle(shop, client, fresh_cache, menu_data):
    forget_storefront(fresh_cache)
    response = client.get("/")
    assert response.status_code == 200
    assert response.content.decode().count('<li class="menu-card') == len(menu_data.items)
    assert client.get("/readyz").json() == {"status": "ok", "store": "ok", "cache": "ok"}


def test_refused_connections_give_the_friendly_503_at_once(shop, client, fresh_cache, nosql_emulator):
    nosql_emulator.admin("requests", {"reset": True})
    nosql_emulator.admin("faults", {"refuse_connections": -1})
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["store"] == "unavailable"
    forget_storefront(fresh_cache)
    for path in ("/carrinho/", "/"):
        assert_friendly_503(client.get(path))
    # One refused attempt per answer, none retried: nothing waited on a proxy that is down.
    assert nosql_emulator.stats()["refused_connections"] == 3
    # Back up: the same pages answer again without a restart.
    nosql_emulator.admin("faults", {"clear": True})
    assert client.get("/").status_code == 200
    assert client.get("/readyz").status_code == 200


def data_requests_of(client, path, nosql_emulator, cache) -> tuple[object, int]:
    """The answer to ``path`` with the storefront read from the store, and the data requests it cost."""
    forget_storefront(cache)
    nosql_emulator.admin("requests", {"reset": True})
    response = client.get(path)
    return response, nosql_emulator.stats()["data_requests"]


def test_throttled_twice_then_served(shop, client, fresh_cache, nosql_emulator):
    client.get("/")  # whatever a first visit warms up besides the storefront
    _, unthrottled = data_requests_of(client, "/", nosql_emulator, fresh_cache)
    nosql_emulator.admin("faults", {"throttle_requests": 2})
    response, throttled = data_requests_of(client, "/", nosql_emulator, fresh_cache)
    assert response.status_code == 200
    assert 'data-item="calabresa"' in response.content.decode()
    assert nosql_emulator.stats()["faults"]["throttle_requests"] == 0  # both throttled answers were used
    # The same page with its two throttled requests retried, and nothing else: served, not a 503.
    assert unthrottled > 0 and throttled == unthrottled + 2


def test_a_database_slower_than_the_budget_gives_503_when_the_budget_runs_out(
    shop, client, fresh_cache, nosql_emulator, caplog
):
    forget_storefront(fresh_cache)
    nosql_emulator.admin("requests", {"reset": True})
    nosql_emulator.admin("faults", {"latency_ms": int(BUDGET * 1000) + 1500})
    with caplog.at_level(logging.WARNING, logger="ocipizza.middleware"):
        response = client.get("/carrinho/")
    assert_friendly_503(response)
    # The 503 came from the budget: borneo's request timeout, with the default budget in effect, on the
    # page's first store request, which was not tried again.
    [logged] = [r.getMessage() for r in caplog.records if r.name == "ocipizza.middleware"]
    assert "RequestTimeoutException" in logged and f"Timeout: {int(BUDGET * 1000)} ms" in logged
    assert nosql_emulator.stats()["data_requests"] == 1


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
    assert claim is not None and claim.customer_id == customer.id
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
