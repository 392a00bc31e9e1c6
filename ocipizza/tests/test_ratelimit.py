"""The one fixed-window limiter: hashed keys, windows and Retry-After, Redis down per call site, and the
login policy (escalating lockouts per account and client, a higher ceiling per account)."""

import pytest

from ocipizza.middleware import UNAVAILABLE
from ocipizza.ratelimit import (
    SharedBudget,
    client_ip,
    rate_limit_clear,
    rate_limit_escalating_hit,
    rate_limit_hit,
    rate_limit_login,
    rate_limit_login_forget,
    rate_limit_reset,
)

WINDOW_START = 1_800_000_000.0  # a multiple of 60 and 900: the start of a window of either length


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {"tight": (2, 60), "other": (2, 60)}


def test_counts_up_to_the_limit_then_refuses_until_the_window_ends(limits):
    hits = [rate_limit_hit(scope="tight", key="a@example.com", now=WINDOW_START + 10) for _ in range(3)]
    assert [hit.allowed for hit in hits] == [True, True, False]
    assert hits[-1].retry_after == 50  # the rest of this window: what Retry-After says
    assert rate_limit_hit(scope="tight", key="a@example.com", now=WINDOW_START + 60).allowed


def test_keys_and_scopes_count_apart_and_a_reset_forgets_the_window(limits):
    for _ in range(2):
        rate_limit_hit(scope="tight", key="a@example.com", now=WINDOW_START)
    assert rate_limit_hit(scope="tight", key="b@example.com", now=WINDOW_START).allowed
    assert rate_limit_hit(scope="other", key="a@example.com", now=WINDOW_START).allowed
    rate_limit_reset(scope="tight", key="a@example.com", now=WINDOW_START)
    assert rate_limit_hit(scope="tight", key="a@example.com", now=WINDOW_START).allowed


def test_no_address_or_ip_is_kept_in_clear(limits, fresh_cache):
    rate_limit_hit(scope="tight", key="Maria@Example.com")
    rate_limit_hit(scope="tight", key="203.0.113.9")
    keys = fresh_cache.keys("*")
    assert len(keys) == 2 and all(key.startswith("ratelimit:tight:") for key in keys)
    assert not any("example" in key.lower() or "203.0.113.9" in key for key in keys)


def test_without_redis_a_limit_fails_closed_unless_the_call_site_says_open(limits, settings):
    caches = dict(settings.CACHES)
    caches["default"] = {**caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}  # nothing listens
    settings.CACHES = caches
    with pytest.raises(UNAVAILABLE):  # login, reset, sign-up: the page is a 503
        rate_limit_hit(scope="tight", key="a@example.com")
    assert rate_limit_hit(scope="tight", key="a@example.com", fail_open=True).allowed


def test_client_ip_trusts_only_the_entries_our_proxies_wrote(rf, settings):
    forged = {"HTTP_X_FORWARDED_FOR": "10.0.0.1, 198.51.100.7", "REMOTE_ADDR": "192.0.2.1"}
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(rf.get("/", **forged)) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(rf.get("/", **forged)) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the header is not ours
    assert client_ip(rf.get("/", **forged)) == "192.0.2.1"


@pytest.fixture
def escalating(settings):
    settings.RATE_LIMITS = {
        "pair": (2, 60),
        "pair_ip": (100, 60),
        "pair_client": (2, 60),
        "pair_account": (3, 60),
    }
    settings.RATE_LIMIT_MAX_LOCKOUT_SECONDS = 300


def test_escalating_lockouts_grow_up_to_the_cap_and_a_locked_attempt_is_not_counted(escalating):
    def over(now):
        """Go over the limit at ``now``; the lockout it starts."""
        hits = [rate_limit_escalating_hit(scope="pair", key="k", now=now) for _ in range(3)]
        assert [hit.allowed for hit in hits] == [True, True, False]
        return hits[-1].retry_after

    first = over(WINDOW_START)
    assert first == 60
    locked = rate_limit_escalating_hit(scope="pair", key="k", now=WINDOW_START + 30)
    assert not locked.allowed and locked.retry_after == 30
    second = over(WINDOW_START + first)
    third = over(WINDOW_START + first + second)
    fourth = over(WINDOW_START + first + second + third)
    assert (second, third, fourth) == (120, 240, 300)  # doubling, then the cap
    rate_limit_clear(scope="pair", key="k", now=WINDOW_START + 1000)
    assert over(WINDOW_START + 1000) == 60  # cleared: back to the first lockout


def test_login_policy_a_stranger_cannot_lock_the_owner_out_but_many_strangers_reach_the_ceiling(escalating):
    for _ in range(2):
        assert rate_limit_login(prefix="pair", account="a", client="stranger").allowed
    assert not rate_limit_login(prefix="pair", account="a", client="stranger").allowed
    for _ in range(20):  # refused while locked out: none of these count towards the account's ceiling
        assert not rate_limit_login(prefix="pair", account="a", client="stranger").allowed
    assert rate_limit_login(prefix="pair", account="a", client="owner").allowed
    # A guess spread over clients reaches the ceiling (3): then every client waits.
    assert not rate_limit_login(prefix="pair", account="a", client="third").allowed
    assert not rate_limit_login(prefix="pair", account="a", client="owner").allowed
    rate_limit_login_forget(prefix="pair", account="a")  # a password reset
    assert rate_limit_login(prefix="pair", account="a", client="stranger").allowed


# --- the shared budget of a busy public endpoint (the CEP API) -------------------------------------


@pytest.fixture
def cep_like(settings):
    settings.RATE_LIMITS = {"public": (60, 60)}
    settings.RATE_LIMIT_LOCAL_SHARE = 4
    settings.RATE_LIMIT_LOCAL_BATCH = 16


def test_one_process_grants_exactly_the_limit_with_a_fraction_of_the_round_trips(cep_like, redis_commands):
    budget = SharedBudget()
    redis_commands.start()
    hits = [budget.hit(scope="public", key="198.51.100.7", now=WINDOW_START + 1) for _ in range(100)]
    assert sum(hit.allowed for hit in hits) == 60
    assert [hit.allowed for hit in hits] == [True] * 60 + [False] * 40  # refusals once spent, not before
    # 40 refused hits are each a round trip (near the limit every hit asks); the 60 granted cost few.
    assert redis_commands.count() - 40 < 60 / 3


def test_processes_sharing_one_client_never_pass_the_limit_together(cep_like):
    import random

    processes = [SharedBudget() for _ in range(4)]  # as many as the share assumes
    order = random.Random(7)
    allowed = sum(
        order.choice(processes).hit(scope="public", key="198.51.100.7", now=WINDOW_START + 1).allowed
        for _ in range(300)
    )
    # Every slot is granted once, by the process that reserved it: never more than the limit, and
    # with every process still busy, every reserved slot is spent.
    assert allowed == 60


def test_slots_a_process_reserved_are_never_granted_by_another(cep_like):
    here, elsewhere = SharedBudget(), SharedBudget()
    for _ in range(3):  # a few syncs: this process now reserves slots ahead
        assert here.hit(scope="public", key="c", now=WINDOW_START).allowed
    taken_here = 3 + here._state[("public", "c", int(WINDOW_START // 60))][0]
    granted_elsewhere = sum(
        elsewhere.hit(scope="public", key="c", now=WINDOW_START).allowed for _ in range(80)
    )
    assert granted_elsewhere == 60 - taken_here  # the slots held here are not granted twice
    granted_here = sum(here.hit(scope="public", key="c", now=WINDOW_START).allowed for _ in range(20))
    assert granted_here == taken_here - 3


def test_a_new_window_starts_afresh_and_forgets_the_old_shares(cep_like):
    budget = SharedBudget()
    for _ in range(70):
        budget.hit(scope="public", key="d", now=WINDOW_START)
    assert not budget.hit(scope="public", key="d", now=WINDOW_START + 59).allowed
    assert budget.hit(scope="public", key="d", now=WINDOW_START + 60).allowed
    assert all(window == int((WINDOW_START + 60) // 60) for _, _, window in budget._state)


def test_the_shared_budget_fails_open_only_when_asked(cep_like, settings):
    caches = dict(settings.CACHES)
    caches["default"] = {**caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = caches
    with pytest.raises(UNAVAILABLE):
        SharedBudget().hit(scope="public", key="e")
    assert SharedBudget().hit(scope="public", key="e", fail_open=True).allowed
