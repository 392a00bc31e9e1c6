"""Fixed-window request counters in the Django cache (Redis), and the client address they are keyed on.

One policy for every scope; what differs per scope is in ``settings.RATE_LIMITS`` (limit and window)
or said by the call site (``fail_open``):

- **Keys** are hashed: they hold e-mail addresses and client IPs, which have no business sitting in
  Redis in clear. ``ratelimit:<scope>:<sha256 of scope and key>:<window number>``.
- **Windows** are fixed and aligned to the epoch, so ``retry_after`` is the time left in the current
  one (the ``Retry-After`` a 429 sends). A client may make up to twice the limit across a window
  boundary; for these limits that is fine, and a hit costs one Redis round trip (``incr``; the first
  hit of a window also an ``add``). ``incr`` is atomic in Redis, so concurrent attempts cannot all
  slip through.
- **Redis down**: ``fail_open=False`` (the default) lets the cache error propagate, and the page is a
  503 (``ServiceUnavailableMiddleware``). That is right for login, password reset and sign-up: without
  Redis there are no sessions either, so those pages cannot work anyway, and an unlimited login form
  is exactly what the counters exist to stop. ``fail_open=True`` allows the request and logs a warning:
  for the public CEP API, which keeps working without Redis and whose users should not lose it too.

Why not a library (as of django-ratelimit 4.1, django-fast-ratelimit 9.1, limits 5.8):

- django-ratelimit builds every key from a request (``key(group, request)``), has no call to reset a
  counter (the login counter is reset after a successful login; its cache key comes from the private
  ``_make_cache_key``), and its Redis-down policy is one global ``RATELIMIT_FAIL_OPEN`` that only
  applies when the cache returns ``None``: django-redis raises instead, and ``get_usage`` catches
  only ``socket.gaierror``, so neither policy would hold per scope. Its decorator answers 403.
- django-fast-ratelimit takes static keys and can reset, but starting a window is a ``get``, a
  ``delete_many`` and an ``add`` in separate round trips (3-4 per hit), so two workers starting the
  same window can erase each other's counts, and its ``end`` is "now + window", not the window's real
  end, which would make ``Retry-After`` wrong.
- limits has no Django cache storage: it talks to Redis by its own URI or redis-py pool, outside
  ``CACHES`` (key prefix, timeouts, the test settings that swap the cache), and puts identifiers in
  its keys in clear.

The login limiter counts inside the service, before any password is hashed, keyed on the submitted
e-mail, and answers alike for known and unknown addresses: ``rate_limit_hit`` is a plain function of
(scope, key) for exactly that. Logins (customers' and staff's) count three things, in this order, so
that a stranger slows down but cannot lock the owner out:

1. per client address, across accounts (``login_ip``): one address guessing many accounts;
2. per (account, client address) (``login_client``), with lockouts that grow each time
   (``rate_limit_escalating_hit``): one client guessing one account waits 15 min, then 30, 60...;
3. per account across all clients (``login_account``), a much higher ceiling: only a guess spread over
   many addresses reaches it. Attempts refused at 1 or 2 never count here, so one client cannot fill it.

A successful login clears 2 and 3 for that client; a password reset clears 3 and, through a new
generation (``rate_limit_generation_bump``), every client's 2.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver

from .middleware import UNAVAILABLE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    retry_after: int  # seconds until the window resets


def _cache_key(scope: str, key: str, window_index: int | str) -> str:
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{window_index}"


def _window(scope: str, now: float) -> tuple[int, int, int]:
    """(limit, window number, seconds left in it) for ``scope`` at ``now``."""
    limit, window = settings.RATE_LIMITS[scope]
    index = int(now // window)
    retry_after = max(1, math.ceil((index + 1) * window - now))
    return limit, index, retry_after


def rate_limit_hit(*, scope: str, key: str, fail_open: bool = False, now: float | None = None) -> RateLimit:
    """Count one attempt of ``key`` in ``scope`` (a name in ``RATE_LIMITS``); say whether it may go on.

    Without Redis: the cache error propagates (a 503), or with ``fail_open`` the attempt is allowed.
    """
    now = time.time() if now is None else now
    limit, index, retry_after = _window(scope, now)
    cache_key = _cache_key(scope, key, index)
    try:
        try:
            count = cache.incr(cache_key)  # the common case: one round trip
        except ValueError:  # first attempt of the window, unless another worker just created it
            count = 1 if cache.add(cache_key, 1, timeout=retry_after + 1) else cache.incr(cache_key)
    except UNAVAILABLE as e:
        if not fail_open:
            raise
        logger.warning("rate limit %s not enforced, the cache is unavailable: %s", scope, e)
        return RateLimit(allowed=True, retry_after=retry_after)
    return RateLimit(allowed=count <= limit, retry_after=retry_after)


class SharedBudget:
    """Fixed windows like ``rate_limit_hit``, with most hits of a busy client granted from slots this
    process reserved earlier, so a busy public endpoint costs Redis far less than a round trip a request.

    The window's counter in Redis counts *slots*. A sync takes one slot for the hit at hand plus a
    reservation, in one ``incr`` of ``1 + reservation``; the answer says which slot numbers are ours,
    and every one of them at or below the limit is a hit this process may grant later without asking.
    Each slot is granted at most once, by the process that took it, so processes together never pass
    the limit, however many serve a client. The reservation doubles from 0 at each sync of the same key
    in the window (1, 2, 4...; a one-off client reserves nothing), up to ``RATE_LIMIT_LOCAL_BATCH`` and to
    ``1/RATE_LIMIT_LOCAL_SHARE`` of what is left, so near the limit every hit asks Redis again. The
    price: a client spreading a burst over several processes may be refused up to their unspent
    reservations early (at most the share of each). Refused hits count, as in ``rate_limit_hit``.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str, int], list[int]] = {}  # -> [slots in hand, next reservation]
        self._windows: dict[str, int] = {}  # scope -> the newest window seen, to drop older ones once

    def clear(self) -> None:
        with self._lock:
            self._state.clear()
            self._windows.clear()

    def hit(self, *, scope: str, key: str, fail_open: bool = False, now: float | None = None) -> RateLimit:
        now = time.time() if now is None else now
        limit, index, retry_after = _window(scope, now)
        state_key = (scope, key, index)
        with self._lock:
            state = self._state.get(state_key)
            if state is not None and state[0] > 0:
                state[0] -= 1
                return RateLimit(allowed=True, retry_after=retry_after)
            if state is None:
                self._forget_old_windows(scope, index)
                state = self._state[state_key] = [0, 0]
            reservation = state[1]
        try:
            last = _incr(_cache_key(scope, key, index), timeout=retry_after + 1, delta=1 + reservation)
        except UNAVAILABLE as e:
            if not fail_open:
                raise
            logger.warning("rate limit %s not enforced, the cache is unavailable: %s", scope, e)
            return RateLimit(allowed=True, retry_after=retry_after)
        first = last - reservation  # our slots: first (this hit) to last
        usable = max(0, min(last, limit) - first)  # reserved slots within the limit
        left_share = max(0, limit - last) // settings.RATE_LIMIT_LOCAL_SHARE
        with self._lock:
            state[0] += usable
            # Near the limit the share is 0: every hit asks Redis again.
            state[1] = min(settings.RATE_LIMIT_LOCAL_BATCH, max(1, 2 * reservation), left_share)
        return RateLimit(allowed=first <= limit, retry_after=retry_after)

    def _forget_old_windows(self, scope: str, index: int) -> None:
        # Once per scope and window, not on every new client: a busy window has many.
        if self._windows.get(scope, index) < index:
            for old in [k for k in self._state if k[0] == scope and k[2] < index]:
                del self._state[old]
        self._windows[scope] = max(index, self._windows.get(scope, index))


_shared_budget = SharedBudget()


def rate_limit_hit_shared(
    *, scope: str, key: str, fail_open: bool = False, now: float | None = None
) -> RateLimit:
    """``rate_limit_hit`` for a busy public endpoint: most hits cost no round trip (``SharedBudget``)."""
    return _shared_budget.hit(scope=scope, key=key, fail_open=fail_open, now=now)


@receiver(setting_changed)
def _forget_shares(setting, **kwargs):
    # Tests swap the cache (a new key prefix) or the limits: shares granted against the old ones go.
    if setting in ("CACHES", "RATE_LIMITS", "RATE_LIMIT_LOCAL_SHARE", "RATE_LIMIT_LOCAL_BATCH"):
        _shared_budget.clear()


def rate_limit_reset(*, scope: str, key: str, now: float | None = None) -> None:
    """Forget the attempts of the current window (after a successful login)."""
    now = time.time() if now is None else now
    cache.delete(_cache_key(scope, key, _window(scope, now)[1]))


def _incr(cache_key: str, timeout: int, delta: int = 1) -> int:
    """``incr`` that creates the key (with ``timeout``) on first use; atomic under concurrency."""
    try:
        return cache.incr(cache_key, delta)
    except ValueError:
        return delta if cache.add(cache_key, delta, timeout=timeout) else cache.incr(cache_key, delta)


def rate_limit_escalating_hit(*, scope: str, key: str, now: float | None = None) -> RateLimit:
    """Count one attempt like ``rate_limit_hit``, but each time ``key`` goes over its limit it is locked
    out for longer: the window, then twice, four times... up to ``RATE_LIMIT_MAX_LOCKOUT_SECONDS``.

    For guessing that should slow down ever more while the owner can still get in from elsewhere (the
    key is an account *and* a client). A locked-out attempt is refused without being counted, and
    lockouts are remembered for ``RATE_LIMIT_MAX_LOCKOUT_SECONDS`` after the first one. Costs one
    round trip more than ``rate_limit_hit`` (the lockout check), two more when a lockout starts.
    Fails closed without Redis.
    """
    now = time.time() if now is None else now
    window = settings.RATE_LIMITS[scope][1]
    cap = settings.RATE_LIMIT_MAX_LOCKOUT_SECONDS
    lock_key = _cache_key(scope, key, "lock")
    locked_until = cache.get(lock_key)
    if locked_until is not None and locked_until > now:
        return RateLimit(allowed=False, retry_after=max(1, math.ceil(locked_until - now)))
    hit = rate_limit_hit(scope=scope, key=key, now=now)
    if hit.allowed:
        return hit
    strikes = _incr(_cache_key(scope, key, "strikes"), timeout=cap)
    lockout = min(window * 2 ** min(strikes - 1, 30), cap)
    cache.set(lock_key, now + lockout, timeout=lockout + 1)
    return RateLimit(allowed=False, retry_after=lockout)


def rate_limit_clear(*, scope: str, key: str, now: float | None = None) -> None:
    """Forget everything ``rate_limit_escalating_hit`` keeps for ``key``: count, lockouts, lockout."""
    now = time.time() if now is None else now
    index = _window(scope, now)[1]
    cache.delete_many([_cache_key(scope, key, part) for part in (index, "strikes", "lock")])


def rate_limit_generation(*, scope: str, key: str) -> str:
    """A value to put in the keys of counters that must all be forgettable at once (see
    ``rate_limit_generation_bump``): e.g. every (account, client) counter of one account."""
    return cache.get(_cache_key(scope, key, "generation")) or "0"


def rate_limit_generation_bump(*, scope: str, key: str) -> None:
    """Start a new generation: every counter keyed with the previous one is forgotten (they expire)."""
    # Once it expires, "0" is the generation again: by then every counter keyed with "0" has expired too.
    longest_window = max(window for _, window in settings.RATE_LIMITS.values())
    timeout = settings.RATE_LIMIT_MAX_LOCKOUT_SECONDS + longest_window
    cache.set(_cache_key(scope, key, "generation"), secrets.token_hex(8), timeout=timeout + 1)


def _login_client_key(prefix: str, account: str, client: str) -> str:
    # The account's generation is in the key, so one call forgets every client's count and lockout.
    generation = rate_limit_generation(scope=f"{prefix}_client", key=account)
    return f"{account}\x00{generation}\x00{client}"


def rate_limit_login(*, prefix: str, account: str, client: str) -> RateLimit:
    """Count a login attempt on ``account`` from ``client`` with the login policy (the module's
    docstring): scopes ``<prefix>_ip``, ``<prefix>_client`` (escalating) and ``<prefix>_account``, in
    that order, stopping at the first refusal, so a refused attempt never fills the account's ceiling.

    Five round trips (the generation, the lockout and three counters); fails closed without Redis.
    """
    limit = rate_limit_hit(scope=f"{prefix}_ip", key=client)
    if limit.allowed:
        client_key = _login_client_key(prefix, account, client)
        limit = rate_limit_escalating_hit(scope=f"{prefix}_client", key=client_key)
    if limit.allowed:
        limit = rate_limit_hit(scope=f"{prefix}_account", key=account)
    return limit


def rate_limit_login_succeeded(*, prefix: str, account: str, client: str) -> None:
    """The right password: forget this client's attempts and lockouts on the account, and the
    account's ceiling count (typos of the owner must not add up towards a lockout)."""
    rate_limit_clear(scope=f"{prefix}_client", key=_login_client_key(prefix, account, client))
    rate_limit_reset(scope=f"{prefix}_account", key=account)


def rate_limit_login_forget(*, prefix: str, account: str) -> None:
    """A new password was set through a channel that proves ownership (a reset link, the staff
    command): the account's ceiling and every client's count and lockout start afresh."""
    rate_limit_reset(scope=f"{prefix}_account", key=account)
    rate_limit_generation_bump(scope=f"{prefix}_client", key=account)


def client_ip(request) -> str:
    """REMOTE_ADDR, or the X-Forwarded-For entry written by the ``TRUSTED_PROXY_COUNT`` proxies we run.

    Only the last ``TRUSTED_PROXY_COUNT`` entries were written by proxies we run; anything to their left
    came from the client and may be forged, so it is never used.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"
