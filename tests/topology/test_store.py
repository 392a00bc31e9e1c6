"""The store failing under the running topology (issue 15, findings 2 to 4).

The Oracle NoSQL emulator stopped and started: pages that need it answer the friendly 503 within the
request budget, the balancer keeps both instances (no site-wide 502) and the app recovers by itself.
The embedded store (one instance on the SQLite file): a read-only file, a missing file and an empty file
in its place give /readyz 503 and 503 pages, never a 500; a missing file is not recreated; the real
file put back is used without a reload.
"""

import os
import signal
import stat

import pytest
import requests

from emulators.testing import wait_until

from .client import forms_of, order_id_of

pytestmark = pytest.mark.system

# NOSQL_REQUEST_TIMEOUT (3 s) bounds a store request, retries included; room for a busy machine.
BUDGET = 3.0 + 5.0
STORE_PAGES = ("/pedidos/", "/conta/", "/carrinho/")


@pytest.fixture
def restored(topology):
    yield topology
    topology.restore()


def _ready(url: str) -> int:
    return requests.get(url + "/readyz", timeout=BUDGET).status_code


def test_store_down_is_a_503_with_both_instances_kept_and_recovers_by_itself(restored):
    topology = restored
    customer = topology.signed_in(3, timeout=BUDGET)
    customer.add_pizza()
    checkout = customer.checkout_data()
    placed_before = len(topology.orders_of(topology.customers["users"][3]["customer_id"]))
    topology.stop_service("nosql")
    # The checkout's 503 page carries the same form back, its key included.
    refused = customer.checkout(checkout)
    assert refused.status_code == 503 and "você não será cobrado duas vezes" in refused.text
    (again,) = forms_of(refused.text, "/pedido/finalizar/")
    assert again["fields"]["key"] == checkout["key"]
    statuses = []
    for _ in range(3):  # both instances, more than once
        for path in STORE_PAGES:
            response = customer.get(path)
            statuses.append(response.status_code)
            assert response.status_code == 503, (path, response.status_code)
            assert "Voltamos já" in response.text
    for name in ("web1", "web2"):
        assert _ready(topology.web_url(name)) == 503
    # What needs no store read still answers through the balancer: no instance was taken out.
    lookup = customer.get("/api/cep/" + topology.customers["ceps"][0] + "/")
    assert lookup.status_code == 200
    assert "no live upstreams" not in topology.nginx_errors()

    topology.start_service("nosql")
    wait_until(lambda: customer.get("/pedidos/").status_code == 200, what="the orders page answering again")
    for path in STORE_PAGES:
        assert customer.get(path).status_code == 200, path
    for name in ("web1", "web2"):
        wait_until(lambda url=topology.web_url(name): _ready(url) == 200, what=f"{name} ready again")
    assert customer.cart_lines() == 1
    # Pressing the 503 page's button once the store is back places the order, once.
    placed = customer.checkout(again["fields"])
    assert order_id_of(placed), placed.status_code
    orders = topology.orders_of(topology.customers["users"][3]["customer_id"])
    assert len(orders) == placed_before + 1 and order_id_of(placed) in {o.order_id for o in orders}


# --- the embedded store -----------------------------------------------------------------------------


@pytest.fixture
def embedded(embedded_topology):
    topology = embedded_topology
    path = topology.folder / "var" / "nosql.sqlite3"
    yield topology, path
    path.chmod(0o644)
    moved = path.with_name("moved.sqlite3")
    if moved.exists():
        os.replace(moved, path)
    topology.restore()
    wait_until(lambda: _ready(topology.web_url("web1")) == 200, what="the instance ready again")


def _reload(topology) -> None:
    """What an operator's deploy does: gunicorn replaces its workers (new connections to the store)."""
    before = topology.log("web1").count("Booting worker")
    os.kill(topology.pid("web1"), signal.SIGHUP)
    wait_until(lambda: topology.log("web1").count("Booting worker") > before, what="new workers")
    wait_until(lambda: _ready_or_503(topology), what="the new workers answering")


def _ready_or_503(topology) -> bool:
    try:
        return _ready(topology.web_url("web1")) in (200, 503)
    except requests.RequestException:
        return False


def _pages_answer_503(topology, customer) -> None:
    for path in STORE_PAGES:
        response = customer.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert "Voltamos já" in response.text


def test_a_read_only_store_file_is_not_ready_and_writes_answer_503(embedded):
    topology, path = embedded
    customer = topology.signed_in(0)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    _reload(topology)
    wait_until(lambda: _ready(topology.web_url("web1")) == 503, what="/readyz answering 503")
    # Reads still work; a write (adding to the cart of a signed-in customer writes the store) is a 503.
    assert customer.get("/pedidos/").status_code == 200
    page = customer.get("/")
    form = next(f for f in forms_of(page.text, "/carrinho/adicionar/") if "size" in f["choices"])
    response = customer.post(form["action"], form["fields"])
    assert response.status_code == 503, response.status_code
    path.chmod(0o644)
    wait_until(lambda: _ready(topology.web_url("web1")) == 200, what="/readyz answering 200 again")


@pytest.mark.parametrize("replacement", ["missing", "empty"])
def test_a_missing_or_empty_store_file_is_a_503_and_the_file_put_back_is_used(embedded, replacement):
    topology, path = embedded
    customer = topology.signed_in(1)
    assert customer.get("/pedidos/").status_code == 200
    moved = path.with_name("moved.sqlite3")
    for suffix in ("-wal", "-shm"):  # checkpointed by the last connection; nothing of value in them
        if path.with_name(path.name + suffix).exists():
            path.with_name(path.name + suffix).unlink()
    os.replace(path, moved)
    if replacement == "empty":
        path.touch()
    _reload(topology)
    assert _ready(topology.web_url("web1")) == 503
    _pages_answer_503(topology, customer)
    if replacement == "missing":
        assert not path.exists()  # never recreated empty by a request
        assert "manage.py nosql_migrate" in topology.log("web1")
    else:
        assert path.stat().st_size == 0

    os.replace(moved, path)  # the real file back, no reload
    wait_until(lambda: customer.get("/pedidos/").status_code == 200, what="the orders page answering again")
    for _ in range(6):  # every worker thread, not only the first that reopened
        for page in STORE_PAGES:
            assert customer.get(page).status_code == 200, page
    wait_until(lambda: _ready(topology.web_url("web1")) == 200, what="/readyz answering 200 again")
