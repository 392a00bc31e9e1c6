"""Values shared through Redis and kept decoded per process: a change anywhere is seen on the next read."""

import pickle

import pytest

from ocipizza import localcopy

KEY = "test:localcopy"


@pytest.fixture
def unpickled(monkeypatch):
    """Counts the values the cache client decodes."""
    calls = []
    loads = pickle.loads

    def counting_loads(data, *args, **kwargs):
        value = loads(data, *args, **kwargs)
        calls.append(value)
        return value

    monkeypatch.setattr(pickle, "loads", counting_loads)
    return calls


def test_a_warm_read_is_one_command_and_decodes_only_the_stamp(redis_commands, unpickled):
    localcopy.set(KEY, {"menu": list(range(500))}, 60)
    redis_commands.start()
    unpickled.clear()
    assert localcopy.get(KEY) == {"menu": list(range(500))}
    assert redis_commands.count() == 1
    assert unpickled and all(isinstance(value, str) for value in unpickled)  # the stamp, not the value


def test_a_value_written_by_another_process_is_read_on_the_next_request(fresh_cache):
    localcopy.set(KEY, "old menu", 60)
    assert localcopy.get(KEY) == "old menu"
    # Another instance writes its own stamped value (what its localcopy.set sends to Redis).
    fresh_cache.set_many({KEY: ("elsewhere", "new menu"), f"{KEY}:stamp": "elsewhere"}, 60)
    assert localcopy.get(KEY) == "new menu"


def test_a_delete_anywhere_makes_every_process_read_the_store(fresh_cache):
    localcopy.set(KEY, "menu", 60)
    fresh_cache.delete_many([KEY, f"{KEY}:stamp"])  # another instance's localcopy.delete_many
    assert localcopy.get(KEY) is None
    localcopy.set(KEY, "menu", 60)
    localcopy.delete_many([KEY])
    assert localcopy.get_many([KEY]) == {}


def test_a_value_from_before_stamps_is_a_miss_not_a_crash(fresh_cache):
    fresh_cache.set(KEY, "unstamped")  # a key name reused without a stamp
    assert localcopy.get(KEY) is None


def test_within_the_trust_window_redis_is_not_asked(fresh_cache, settings, redis_commands, monkeypatch):
    settings.LOCALCOPY_TRUST_SECONDS = 1.0
    clock = [1000.0]
    monkeypatch.setattr(localcopy.time, "monotonic", lambda: clock[0])
    localcopy.set(KEY, "old menu", 60)
    fresh_cache.set_many({KEY: ("elsewhere", "new menu"), f"{KEY}:stamp": "elsewhere"}, 60)
    redis_commands.start()
    clock[0] += 0.5
    assert localcopy.get(KEY) == "old menu"  # another instance's change, not seen yet
    assert redis_commands.count() == 0
    clock[0] += 0.6
    assert localcopy.get(KEY) == "new menu"  # a second after the last check: asked, and seen
    localcopy.set(KEY, "edited here", 60)
    assert localcopy.get(KEY) == "edited here"  # this process's own change: at once
    localcopy.delete_many([KEY])
    assert localcopy.get(KEY) is None


def test_with_redis_down_a_process_serves_the_copies_it_has(settings):
    localcopy.set(KEY, "menu", 60)
    caches = dict(settings.CACHES)
    caches["default"] = {**caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}  # nothing listens
    settings.CACHES = caches
    assert localcopy.get(KEY) == "menu"
    with pytest.raises(localcopy.UNAVAILABLE):  # never seen here: the caller answers 503
        localcopy.get_many([KEY, "test:never-cached"])
