"""Web instances dying and stopping under the running topology (issue 15: SIGKILL mid-checkout, the
balancer's rotation, SIGTERM during a checkout, the balancer's own 502 page for a checkout)."""

import threading
import time

import pytest

from emulators.testing import wait_until

from .client import order_id_of

pytestmark = pytest.mark.system


@pytest.fixture
def restored(topology):
    yield topology
    topology.restore()


def _orders_with_key(topology, customer_index: int, key: str) -> list:
    from orders.checkout import order_ids

    customer_id = topology.customers["users"][customer_index]["customer_id"]
    with topology.store():
        order_id, _code = order_ids(customer_id=customer_id, key=key)
    return [order for order in topology.orders_of(customer_id) if order.order_id == order_id]


def _order_count(topology, customer_index: int) -> int:
    return len(topology.orders_of(topology.customers["users"][customer_index]["customer_id"]))


def _slow_store(topology, milliseconds: int) -> None:
    """Every store request of the instances takes this long: a checkout is in flight for seconds."""
    topology.emulator("faults", {"latency_ms": milliseconds})


def _in_background(function, *args, **kwargs):
    result = {}

    def run():
        try:
            result["response"] = function(*args, **kwargs)
        except Exception as e:  # the test reads it
            result["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _store_requests(topology) -> int:
    return topology.emulator_get("requests")["data_requests"]


def _wait_for_store_traffic(topology, before: int) -> None:
    """Until the instances have sent the store a request since ``before``: the checkout is in flight."""
    wait_until(lambda: _store_requests(topology) > before, timeout=10, what="the checkout reaching the store")


def test_a_killed_instance_is_skipped_then_back_in_rotation(restored):
    topology = restored
    visitor = topology.browser()
    topology.stop_service("web1", "KILL")
    refused_before = topology.nginx_errors().count("Connection refused")
    statuses = [visitor.get("/api/cep/" + topology.customers["ceps"][0] + "/").status_code for _ in range(20)]
    assert statuses == [200] * 20  # a refused connection is retried on the other instance, unseen
    # Taken out after max_fails (2) refusals, not tried on every other request.
    assert topology.nginx_errors().count("Connection refused") - refused_before < 10

    topology.start_service("web1")
    served_before = topology.log("web1").count("GET /api/cep/")
    wait_until(
        lambda: (
            visitor.get("/api/cep/" + topology.customers["ceps"][0] + "/").status_code == 200
            and topology.log("web1").count("GET /api/cep/") > served_before
        ),
        timeout=30,
        what="the restarted instance getting requests again",
    )


def test_sigkill_mid_checkout_loses_nothing_and_the_resubmit_places_one_order(restored):
    topology = restored
    customer = topology.signed_in(1)
    customer.add_pizza()
    data = customer.checkout_data()
    placed_before = _order_count(topology, 1)
    # Only web1 serves, so the balancer's checkout goes there; then web1 dies with the POST in flight.
    topology.stop_service("web2")
    # A second per store request: once the first has arrived, the checkout is surely still running.
    _slow_store(topology, 1000)
    before = _store_requests(topology)
    thread, result = _in_background(customer.checkout, data)
    _wait_for_store_traffic(topology, before)
    time.sleep(0.3)
    topology.stop_service("web1", "KILL")
    thread.join(30)
    response = result["response"]
    # The balancer's own page (not retried: a POST may have started), from the app's static pages.
    assert response.status_code == 502
    assert "aperte “Fazer pedido” de novo" in response.text and "não será cobrado duas vezes" in response.text

    _slow_store(topology, 0)
    both = [threading.Thread(target=topology.start_service, args=(name,)) for name in ("web1", "web2")]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    again = customer.checkout(data)  # the customer presses the button again: same form, same key
    assert order_id_of(again), again.status_code
    orders = _orders_with_key(topology, 1, data["key"])
    assert [order.order_id for order in orders] == [order_id_of(again)]
    assert _order_count(topology, 1) == placed_before + 1


def test_sigterm_lets_an_inflight_checkout_finish(restored):
    topology = restored
    customer = topology.signed_in(2)
    customer.add_pizza()
    data = customer.checkout_data()
    placed_before = _order_count(topology, 2)
    _slow_store(topology, 300)
    before = _store_requests(topology)
    # Straight to web1, with the balancer's headers: the test must know which instance serves it.
    thread, result = _in_background(customer.checkout, data, base=topology.web_url("web1"))
    _wait_for_store_traffic(topology, before)
    topology.stop_service("web1", "TERM")  # returns once the instance has exited
    thread.join(30)
    response = result["response"]
    assert order_id_of(response), response.status_code
    assert [order.order_id for order in _orders_with_key(topology, 2, data["key"])] == [order_id_of(response)]
    assert _order_count(topology, 2) == placed_before + 1
