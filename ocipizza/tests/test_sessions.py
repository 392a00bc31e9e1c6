"""Sessions in Redis: a changed session is written in one command, and never written back after it
was deleted meanwhile (signed out on another device)."""

import pytest
from django.contrib.sessions.backends.base import UpdateError

from ocipizza.sessions import SessionStore


@pytest.fixture
def stored():
    session = SessionStore()
    session["cart"] = {"lines": []}
    session.save()  # created
    yield SessionStore(session.session_key)
    session.delete()


def test_a_changed_session_is_written_in_one_command(stored, redis_commands):
    assert stored["cart"] == {"lines": []}  # read, as a request does before it changes it
    stored["cart"] = {"lines": [{"item": "calabresa", "qty": 1}]}
    redis_commands.start()
    stored.save()
    assert redis_commands.count() == 1
    again = SessionStore(stored.session_key)
    assert again["cart"] == {"lines": [{"item": "calabresa", "qty": 1}]}


def test_a_session_deleted_meanwhile_is_not_written_back(stored):
    assert stored["cart"] == {"lines": []}  # read, as a request does before it changes it
    stored._cache.delete(stored.cache_key)  # signed out on another device while this request ran
    stored["cart"] = {"lines": [{"item": "calabresa", "qty": 1}]}
    with pytest.raises(UpdateError):
        stored.save()
    assert stored._cache.get(stored.cache_key) is None
