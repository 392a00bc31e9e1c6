"""Many clients racing IF_VERSION puts on one row: exactly one winner per version."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from borneo import GetRequest, PutOption, PutRequest

from .support import ddl, make_handle

pytestmark = pytest.mark.system

CLIENTS = 20
ATTEMPTS = 15


def test_one_winner_per_version(fresh, handle):
    ddl(handle, "CREATE TABLE counter (id STRING, n INTEGER, PRIMARY KEY (id))")
    handle.put(PutRequest().set_table_name("counter").set_value({"id": "c", "n": 0}))
    winners: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client():
        own = make_handle(fresh.url)
        try:
            start.wait()
            for _ in range(ATTEMPTS):
                current = own.get(GetRequest().set_table_name("counter").set_key({"id": "c"}))
                value = current.get_value()
                request = (
                    PutRequest()
                    .set_table_name("counter")
                    .set_value({"id": "c", "n": value["n"] + 1})
                    .set_option(PutOption.IF_VERSION)
                    .set_match_version(current.get_version())
                )
                if own.put(request).get_version() is not None:
                    with lock:
                        winners[bytes(current.get_version().get_bytes())] += 1
        except BaseException as e:
            errors.append(e)
        finally:
            own.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert winners, "nobody won"
    assert max(winners.values()) == 1
    final = handle.get(GetRequest().set_table_name("counter").set_key({"id": "c"})).get_value()
    assert final["n"] == sum(winners.values())
