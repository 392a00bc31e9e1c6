"""The benchmark runner: each page of the project against a hello-world Django app outside it, same run.

Usage: .venv/bin/python perf/run.py [--seconds 3] [--pairs 3] [--connections 8] [--pages NAMES]
                                    [--growth NAMES] [--client auto|wrk|python] [--reference PATH]

What it starts, in one run, all on 127.0.0.1, everything stopped by its PID at the end (also on Ctrl+C):

* the hello world: ``perf/hello/`` (its own settings: no apps, no middleware, one view returning a short
  text), under the project's ``gunicorn.conf.py``;
* the project: production settings (``perf/project_settings.py`` only moves ``STATIC_ROOT`` into the
  temporary folder collectstatic writes to), the embedded store in a temporary folder, Redis on
  127.0.0.1:6379 database 12 under a key prefix of its own (deleted at the end), DEBUG off, the CEP API's
  rate limit raised out of the way (every request still pays for the counter), mail kept in the outbox.
  Also under ``gunicorn.conf.py``, with the same worker count (2; threads and the access log as the file
  says). Requests carry ``X-Forwarded-Proto: https`` and ``X-Forwarded-For``, as behind the
  TLS-terminating balancer that production counts (``TRUSTED_PROXY_COUNT=1``), so HSTS, secure cookies
  and the strict CSRF Referer check all run as in production.

The data come from the project's own commands and services: ``migrate``, ``nosql_migrate``, ``load_menu``,
``load_pizzeria``, ``collectstatic``, ``build_cep_db``; two customers registered and confirmed through the
sign-up service, one with 10 orders and one with 1,000 placed through ``orders.checkout.order_place``;
their session cookies come from logging in through the real login page, and their carts from the real
add-to-cart form (CSRF token from the page, as a browser sends it).

The client is ``wrk`` (Debian's package; installed with apt-get when missing and the runner is root), the
same Lua script for the hello world and the page, which counts every answer whose status is not the one
expected. Without wrk it falls back to the Python keep-alive client of ``perf/httpbench.py`` and says so.

Each page's run is paired with a hello-world run right before it; each pair gives two figures:

* **req/s ratio**: the page's requests per second over the hello world's;
* **CPU ratio**: the hello world's CPU time per request over the page's, where CPU time is utime+stime
  of the server's processes (gunicorn master and workers, from ``/proc/<pid>/stat``) read before and after
  the run. It barely moves when other tenants of the machine slow both runs down.

Both read "× hello world" (1.00 = as cheap as hello world, higher is better). The table shows the median
of the pairs (and their range), each page's goal from issue 13 and MET/NOT MET by the req/s ratio, with
the machine's load average at the start and at the end.

A pair is disturbed when either run costs more than 1.25× the best CPU per request seen for its load
(the hello world's best over the whole session): a neighbour on the machine's 2 cores makes a run both
slower and dearer per request, and would move the ratio by itself. Disturbed pairs are left out and run
again, at most 3 more per page; the table says how many were left out, or NOISY when too few were calm
(then all are kept and the verdict means little: run again on a quieter machine).

Growth (item 4 of the issue), as figures, not goals checked by tests:

* ``history``: order history (``/pedidos/``, keyset pages of 10) of a customer with 1,000 orders against
  one with 10, paired; about 1.00 means the first page costs the same however many orders there are;
* ``cep``: the CEP API on single CEPs across the range (street level and a city-level fallback); the
  spread (slowest over fastest CPU per request) says whether the cost depends on which CEP;
* ``menu200``: the anonymous menu again after loading a menu of 200 items, against its goal (≥ 0.50).

Where the time went (profiled in-process with cProfile and py-spy on a gunicorn worker; µs of CPU per
request, in-process, against about 50 for the hello world's view):

* **Middleware floor**, 265 → 150: django-csp rebuilt both policies from the settings on every response
  (two ``dataclasses.asdict`` deep copies; now built once per process, ``ocipizza/csp.py``); Django's
  LocaleMiddleware looked for a language prefix in the path twice per request although the project
  has no ``i18n_patterns`` (``ocipizza/locale.py``, which also remembers the language per cookie and
  Accept-Language pair); ``/perf/hello`` was the last URL pattern. What is left is spread thin: sixteen
  middleware layers at 5-10 µs each, the request_started/finished signals, response headers.
* **Anonymous menu**, 970 → 430: every page unpickled the menu and the profile from Redis (~120 µs):
  they are now kept decoded per process and checked by a stamp, and trusted for a second without
  asking (``ocipizza/localcopy.py``); a new visitor's CSRF secret and mask read the OS's random source
  once per character (~145 µs, now one read each, ``ocipizza/randomness.py``).
* **CEP API**, 490 → 290: one Redis round trip per lookup for the rate limit; ``SharedBudget`` in
  ``ocipizza/ratelimit.py`` reserves counter slots ahead, so a busy client costs one round trip in
  about seventeen while the limit still holds across processes. Its patterns come first in the URLconf.
* **Menu with 200 items**, 6.7 ms → 1.4 ms: the page weighed 4 MB, because every pizza card listed every
  other pizza (with all its prices) for the half-and-half picker; the list is now on the page once and
  copied into the card that asks (without scripts, ``?meio=<slug>`` opens it in that card only), so the
  page grows linearly (``menu/tests/test_menu_size.py``).
* **Checkout GET**, 17 ms → 8 ms: twenty-odd form field and widget templates rendered by the Django
  template language; forms now render through Django's own Jinja2 form templates (``FORM_RENDERER``).
* **Signed-in pages**, in-process: menu with a cart 2.5 ms → 1.0, cart 2.2 → 1.2, tracking 3.1 → 1.3,
  checkout 6.3 (8 before the forms) → 1.6. The page templates (header, chip, footer and the page) cost
  ~2 ms in the template language however much of them was cached in pieces, and every view rendered
  them again. They are now cached whole like the anonymous menu (``menu/rendering.py``:
  ``render_page``, ``visitor_key``), keyed by what the page shows of its visitor (signed in or not, the
  cart badge, the chip's CEP and zone, the cart bar) and by what the view put in the context (the
  cart's lines, the order's stored version and the orders' change counter, the saved addresses, the
  profile's stored version); pending flash messages skip the cache. A cached page still gets its own
  CSRF token per response and the checkout page a fresh order key (a second hole,
  ``fragments.hole``). These benchmarks repeat one visitor's page, so they measure the cache's hits;
  the first view of a new state (a changed cart, an order that moved) costs what it did before.
  Before that, ``{% translate %}`` lookups that missed the merged pt-BR catalogue (our msgids *are* the
  pt-BR text) were made to hit (``manage.py sync_source_catalogue``), and ``{% static %}`` answers are
  remembered per process (``ocipizza/staticstorage.py``, ~20 µs a call). What is left is data: the
  session (one Redis GET: 50-100 µs of CPU in redis-py 8.1, twice that of redis-py 6), the customer's
  row, the cart, the orders' counter for tracking.
* **Add to cart**, 2.1 ms → 1.3 in-process: Django's cache session store reads a session back before
  writing it (GET, then SET): ``ocipizza/sessions.py`` writes with one ``SET ... XX``. And this
  benchmark's POSTs never follow their redirect, so each left a flash message in its session, read and
  written whole on every request after: the session now keeps only the newest ten
  (``ocipizza/messages.py``), which also bounds what such a client can make Redis hold.
* **Under gunicorn** every request also costs ~300 µs in gunicorn's gthread worker itself (parsing,
  the pipe that hands a finished connection back to the poller, two writes, the access log), for the
  hello world as for the project. Measured apart (one worker each, same wrk load): the project with
  ``MIDDLEWARE = []`` costs what the hello world does (0.95-1.05×), and the hello world sending the
  project's nine extra response headers costs 3% more; the sixteen middleware layers, ~100 µs
  in-process, cost ~300 µs of CPU under gunicorn, where Django's code runs between gunicorn's and the
  kernel's instead of in a warm loop. Dropping seven of them for the experiment (the proxy-count
  warning, whitenoise, OTP, X-Frame-Options, Permissions-Policy, the CSRF hole fill, the 503 wrapper)
  gained about 0.07; the rest (Django's security, session, CSRF, authentication and messages layers,
  our CSP, locale and customer layers) is the floor's gap: the price of what the product requires on
  every request. Neither ``gc.freeze()``, a higher gen-0 threshold, ``gc.disable()`` nor one thread
  per worker moved it beyond the noise. Every page runs through the same stack, so no page's ratio can
  pass the floor's; the CEP API's goal (0.70) and the menu's (0.50) sit close to or above it.

Nothing here runs in the test suite or in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf.httpbench import SECRET, free_port  # noqa: E402
from perf.httpbench import client as python_client  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
WORKERS = 2
CLK_TCK = os.sysconf("SC_CLK_TCK")
PASSWORD = "massa-fina-de-fermentacao-perf"
SMALL, LARGE = 10, 1000  # orders of the two customers
MENU_ITEMS = 200
DISTURBED = 1.25  # a run costing this much more CPU per request than its best had a neighbour
EXTRA_PAIRS = 3  # at most this many pairs run again per page
CEP_ROUNDS = 3  # runs of each single CEP in the growth figure (median)
ADD_SESSIONS = 32  # anonymous sessions the add-to-cart POSTs rotate over
# As behind the TLS-terminating balancer, which production counts (TRUSTED_PROXY_COUNT=1, as in
# docker-compose.yml): the scheme, and the client's address appended.
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}

PAGES = {  # name: (label, goal against the outside hello world)
    "floor": ("middleware floor (/perf/hello)", 0.80),
    "menu": ("menu, anonymous, warm", 0.50),
    "menu-signed-in": ("menu, signed-in with a cart", 0.35),
    "cep": ("CEP API (/api/cep/<cep>/)", 0.70),
    "cart": ("cart page, three lines", 0.35),
    "add-to-cart": ("add to cart (POST + redirect)", 0.30),
    "tracking": ("order tracking page", 0.30),
    "checkout": ("checkout page (GET)", 0.25),
}
GROWTH = ("history", "cep", "menu200")


def say(text: str = "") -> None:
    print(text, flush=True)


# --- requests, the client and the server's CPU time ------------------------------------------------------


@dataclass
class Load:
    """What one run sends: requests are made of ``paths``, ``cookies`` and ``bodies`` taken in turn with one
    index (the longest list sets the cycle); ``status`` is the answer expected of every request."""

    paths: list[str]
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    status: int = 200

    def requests(self) -> list[tuple[str, str, str | None, dict]]:
        count = max(len(self.paths), len(self.cookies), len(self.bodies))
        out = []
        for index in range(count):
            headers = dict(self.headers)
            if self.cookies:
                headers["Cookie"] = self.cookies[index % len(self.cookies)]
            body = self.bodies[index % len(self.bodies)] if self.bodies else None
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            out.append((self.method, self.paths[index % len(self.paths)], body, headers))
        return out


@dataclass
class Run:
    requests: int
    seconds: float
    bad: int  # unexpected status, socket errors, timeouts
    cpu: float  # server CPU seconds during the run

    @property
    def rate(self) -> float:
        return (self.requests - self.bad) / self.seconds

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / max(self.requests, 1)


def lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


WRK_SCRIPT = """
local reqs = {}
local raw = {%(requests)s}
local expected = %(status)d
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bad = 0
  for _, r in ipairs(raw) do table.insert(reqs, wrk.format(r[1], r[2], r[3], r[4])) end
  i = math.random(0, #reqs - 1)
end
function request()
  i = i + 1
  return reqs[(i %% #reqs) + 1]
end
function response(status, headers, body)
  if status ~= expected then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD %%d\\n", total))
end
"""


def wrk_script(load: Load, host: str) -> str:
    rows = []
    for method, path, body, headers in load.requests():
        headers = {"Host": host, **headers}
        header_table = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        body_text = lua_string(body) if body is not None else "nil"
        rows.append(f"{{{lua_string(method)}, {lua_string(path)}, {{{header_table}}}, {body_text}}}")
    return WRK_SCRIPT % {"requests": ",\n".join(rows), "status": load.status}


class Client:
    """wrk when there is one, else the Python keep-alive client; the same for every run."""

    def __init__(self, kind: str, connections: int, threads: int, folder: Path):
        self.kind = kind
        self.connections = connections
        self.threads = min(threads, connections)
        self.folder = folder
        self.pool = None
        self.best: dict[str, float] = {}  # the lowest CPU per request seen, per load
        if kind == "python":
            self.processes = min(connections, 4)
            self.pool = multiprocessing.Pool(self.processes)

    def describe(self) -> str:
        if self.kind == "wrk":
            return f"wrk -t{self.threads} -c{self.connections} (keep-alive), one Lua script for every run"
        return (
            f"Python keep-alive client, {self.processes} processes x 1 connection (wrk missing: these ratios "
            "are lower than wrk's, since the client competes with the server for the 2 cores)"
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def run(self, server: Server, load: Load, seconds: float, key: str | None = None) -> Run:
        """One run; with ``key``, the best CPU per request seen for that load is kept in ``self.best``."""
        before = server.cpu()
        if self.kind == "wrk":
            requests, elapsed, bad = self._wrk(server.port, load, seconds)
        else:
            requests, elapsed, bad = self._python(server.port, load, seconds)
        run = Run(requests, elapsed, bad, server.cpu() - before)
        if key is not None and run.cpu:
            self.best[key] = min(self.best.get(key, run.cpu_per_request), run.cpu_per_request)
        return run

    def _wrk(self, port: int, load: Load, seconds: float) -> tuple[int, float, int]:
        script = self.folder / "run.lua"
        script.write_text(wrk_script(load, f"127.0.0.1:{port}"))
        command = [
            "wrk", f"-t{self.threads}", f"-c{self.connections}", f"-d{seconds:g}s", "--timeout", "10s",
            "-s", str(script), f"http://127.0.0.1:{port}{load.paths[0]}",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
        out = done.stdout
        match = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", out)
        if done.returncode != 0 or not match:
            raise SystemExit(f"wrk failed ({done.returncode}):\n{out}\n{done.stderr}")
        scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        bad = int(re.search(r"BAD (\d+)", out).group(1))
        bad += sum(map(int, errors.groups())) if errors else 0
        return int(match.group(1)), float(match.group(2)) * scale, bad

    def _python(self, port: int, load: Load, seconds: float) -> tuple[int, float, int]:
        requests = load.requests()
        per_client = [requests[i :: self.processes] or requests for i in range(self.processes)]
        jobs = [(port, reqs, seconds, (load.status,)) for reqs in per_client]
        results = self.pool.map(python_client, jobs)
        ok, errors = sum(r[0] for r in results), sum(r[1] for r in results)
        return ok + errors, max(r[2] for r in results), errors


def ensure_wrk(choice: str) -> str:
    if choice == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: apt-get install -y wrk ...")
        installed = subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if installed.returncode == 0 and shutil.which("wrk"):
            return "wrk"
        say(f"  apt-get could not install wrk:\n{installed.stdout[-800:]}{installed.stderr[-800:]}")
    if choice == "wrk":
        raise SystemExit("--client wrk, but wrk is not installed and could not be installed")
    say("NOTE: wrk is not available; falling back to the Python client of perf/httpbench.py")
    return "python"


# --- servers ------------------------------------------------------------------------------------------


def proc_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the whole line)


def proc_children(pid: int) -> list[int]:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as found:
            children += [int(child) for child in found.read().split()]
    return children


class Server:
    def __init__(self, name: str, process: subprocess.Popen, port: int):
        self.name, self.process, self.port = name, process, port
        self.workers = proc_children(process.pid)

    def cpu(self) -> float:
        """CPU seconds (user + system) used so far by the master and its workers."""
        workers = proc_children(self.process.pid)
        if sorted(workers) != sorted(self.workers):
            say(f"  !! {self.name}: gunicorn workers changed ({self.workers} -> {workers}); CPU figure off")
            self.workers = workers
        total = 0
        for pid in [self.process.pid, *workers]:
            with contextlib.suppress(OSError):
                total += proc_ticks(pid)
        return total / CLK_TCK


def request(port: int, method: str, path: str, *, body=None, headers=None, timeout=10):
    """One request on its own connection; (status, headers, text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode(errors="replace")
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(
    name: str,
    app: str,
    environment: dict,
    folder: Path,
    ready_path: str,
    headers: dict,
    *,
    python: str = sys.executable,
    chdir: Path | None = None,
    ready_status: tuple[int, ...] = (200,),
):
    """``app`` under the project's gunicorn.conf.py with WORKERS workers on a free loopback port; ``python``
    and ``chdir`` for the reference, which runs from its own virtualenv and checkout."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
    env.update(environment)
    env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(WORKERS)})
    command = [python, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--chdir", str(chdir), app] if chdir else [app]
    log_path = folder / f"{name}.log"
    # The access log (gunicorn.conf.py: stdout) is discarded; errors go to a file shown if it fails.
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    say(f"  started {name}: gunicorn pid {process.pid} on 127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = request(port, "GET", ready_path, headers=headers, timeout=5)
                if status in ready_status and len(proc_children(process.pid)) >= WORKERS:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
                raise SystemExit(f"{name} did not start (gunicorn pid {process.pid})")
            time.sleep(0.2)
        time.sleep(0.5)  # let every worker finish booting
        yield Server(name, process, port)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        say(f"  stopped {name} (pid {process.pid})")


# --- setup through the project's own commands and services -----------------------------------------------


def project_environment(folder: Path, prefix: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "perf.project_settings",
        "PERF_STATIC_ROOT": str(folder / "static"),
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "OCIPIZZA_VAR_DIR": str(folder / "var"),
        "NOSQL_BACKEND": "sqlite",
        "NOSQL_SQLITE_PATH": str(folder / "var" / "nosql.sqlite3"),
        "DATABASE_URL": f"sqlite:///{folder / 'var' / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "STORAGE_BACKEND": "local",
        "CEP_DB_PATH": str(folder / "cep.sqlite3"),
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "CEP_API_RATE_LIMIT": str(10**9),
        "MAIL_SEND_IMMEDIATELY": "false",
        "PERF_HELLO_VIEW": "true",
        "LOG_LEVEL": "WARNING",
        "TRUSTED_PROXY_COUNT": "1",
    }


def django_setup(environment: dict) -> None:
    os.environ.update(environment)
    import django

    django.setup()


def prepare_data(folder: Path, need_cep: bool) -> None:
    from django.core.management import call_command

    steps = ["migrate", "nosql_migrate", "load_menu", "load_pizzeria", "collectstatic"]
    with open(os.devnull, "w") as quiet:
        for step in steps:
            started = time.perf_counter()
            arguments = ["--no-input"] if step in ("migrate", "collectstatic") else []
            call_command(step, *arguments, stdout=quiet)
            say(f"  {step} ({time.perf_counter() - started:.1f} s)")
        if need_cep:
            started = time.perf_counter()
            call_command(
                "build_cep_db", "--output", str(folder / "cep.sqlite3"), "--no-progress", stdout=quiet
            )
            say(f"  build_cep_db ({time.perf_counter() - started:.1f} s)")


def open_moment():
    """A moment the pizzeria is open, with the next 30 minutes open too (orders are placed at it)."""
    import datetime as dt

    from django.utils import timezone

    from ocipizza.pizzeria.selectors import pizzeria_get

    pizzeria = pizzeria_get()
    moment = timezone.now()
    for _ in range(50):
        if pizzeria.is_open(moment) and pizzeria.is_open(moment + dt.timedelta(minutes=30)):
            return pizzeria, moment
        moment = pizzeria.next_opening(moment + dt.timedelta(minutes=31)) + dt.timedelta(minutes=1)
    raise SystemExit("the shipped pizzeria profile is never open for half an hour")


def make_customer(email: str, name: str):
    from django.conf import settings

    from accounts import repositories
    from accounts.selectors import customer_get
    from accounts.services import customer_register

    created = customer_register(
        name=name,
        email=email,
        telephone="(11) 98765-4321",
        password=PASSWORD,
        base_url="https://127.0.0.1",
        privacy_version=settings.PRIVACY_NOTICE_VERSION,
    )
    repositories.user_update(created.id, lambda stored: stored.evolve(verified=True))
    return customer_get(customer_id=created.id)


def place_orders(customer, count: int) -> list:
    """``count`` cash pickup orders through the checkout service, as the staff would (no per-customer
    caps), a second apart in opening hours; newest last."""
    import datetime as dt

    from menu.selectors import storefront_get
    from orders import cart as carts
    from orders import checkout
    from orders.entities import Payment
    from orders.statuses import Fulfilment

    pizzeria, moment = open_moment()
    menu, _ = storefront_get()
    orders = []
    for index in range(count):
        session: dict = {}
        carts.cart_add(session=session, menu=menu, pizzeria=pizzeria, item_slug="calabresa", quantity=2)
        carts.cart_add(session=session, menu=menu, pizzeria=pizzeria, item_slug="refrigerante-2l")
        cart = carts.cart_get(session=session, menu=menu, pizzeria=pizzeria)
        order, created = checkout.order_place(
            customer=customer,
            cart=cart,
            pizzeria=pizzeria,
            key=checkout.checkout_key_new(),
            fulfilment=Fulfilment.PICKUP,
            payment=Payment.CASH,
            now=moment + dt.timedelta(seconds=index),
            customer_limits=False,
        )
        assert created
        orders.append(order)
    return orders


class Browser:
    """Cookies and the CSRF token of one visitor, talking to the project as a browser behind the balancer."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{port}"

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def send(self, method: str, path: str, data: dict | None = None, referer: str = "/"):
        body = None
        if data is not None:  # the token first: reading it may set the CSRF cookie
            body = urlencode({**data, "csrfmiddlewaretoken": self.token()})
        headers = {**PROXY, "Referer": self.origin + referer}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = self.cookie
        status, response_headers, text = request(self.port, method, path, body=body, headers=headers)
        for cookie in response_headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return status, text

    def token(self) -> str:
        status, text = self.send("GET", "/conta/entrar/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if status != 200 or not found:
            raise SystemExit(f"GET /conta/entrar/ answered {status} without a CSRF token")
        return found.group(1)

    def log_in(self, email: str) -> None:
        status, text = self.send(
            "POST", "/conta/entrar/", {"email": email, "password": PASSWORD}, "/conta/entrar/"
        )
        if status != 302:
            raise SystemExit(f"logging in as {email} answered {status}: {text[:300]}")

    def fill_cart(self) -> None:
        for item, extra in (("calabresa", {"half": "peperone"}), ("bauru", {}), ("refrigerante-2l", {})):
            status, text = self.send("POST", "/carrinho/adicionar/", {"item": item, "quantity": 1, **extra})
            if status != 302:
                raise SystemExit(f"adding {item} to the cart answered {status}: {text[:300]}")
        self.send("GET", "/carrinho/")  # reads the flash messages, as the browser following the redirect


# --- measuring -------------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    goal: float | None
    pairs: list[tuple[Run, Run]] = field(default_factory=list)  # (baseline, page)
    redone: int = 0  # disturbed pairs left out
    noisy: bool = False  # too few calm pairs: all kept

    def rates(self) -> list[float]:
        return [page.rate / base.rate for base, page in self.pairs]

    def cpus(self) -> list[float]:
        return [base.cpu_per_request / page.cpu_per_request for base, page in self.pairs if page.cpu]


def check(port: int, load: Load, marker: str | None, label: str) -> None:
    """One request of the load, before measuring: the expected status, and the text that proves it is the
    page meant (signed in, the cart filled...)."""
    method, path, body, headers = load.requests()[0]
    status, _, text = request(port, method, path, body=body, headers=headers)
    if status != load.status or (marker and marker not in text):
        raise SystemExit(f"{label}: {method} {path} answered {status} (expected {load.status}, {marker!r})")


def fmt_run(run: Run) -> str:
    bad = f", {run.bad} bad" if run.bad else ""
    return f"{run.rate:7.0f} req/s {run.cpu_per_request * 1e6:6.0f} µs CPU/req{bad}"


def calm_pairs(client, first: tuple, second: tuple, args, show) -> tuple[list[tuple[Run, Run]], int, bool]:
    """Pairs of runs (``first`` right before ``second``; each a (server, load, key) tuple) until ``pairs``
    of them are calm, at most EXTRA_PAIRS more: a pair is disturbed when either run's CPU per request is
    more than DISTURBED times the best seen for its load (the hello world's best over the whole session).
    A neighbour on the machine slows a run down and makes it cost more CPU per request (shared cores and
    caches); such a pair would move the ratio by its neighbour, not by the page. Returns (the calm pairs,
    how many were run again, whether too few were calm: then every pair is kept and the line says so)."""
    (server_a, load_a, key_a), (server_b, load_b, key_b) = first, second
    pairs: list[tuple[Run, Run]] = []

    def calm(pair):
        return all(
            run.cpu_per_request <= DISTURBED * client.best.get(key, run.cpu_per_request)
            for run, key in zip(pair, (key_a, key_b), strict=True)
        )

    for number in range(args.pairs + EXTRA_PAIRS):
        a = client.run(server_a, load_a, args.seconds, key_a)
        b = client.run(server_b, load_b, args.seconds, key_b)
        pairs.append((a, b))
        show(number + 1, a, b, "" if calm((a, b)) else "   (disturbed: one more pair)")
        kept = [pair for pair in pairs if calm(pair)]
        if len(kept) >= args.pairs:
            return kept, len(pairs) - len(kept), False
    return pairs, 0, True


def paired(client, base: tuple, page: tuple, label: str, goal, args) -> Result:
    """The baseline run, then the page's run right after it: ``pairs`` calm pairs (see calm_pairs)."""
    (base_server, base_load), (page_server, page_load) = base, page
    client.run(page_server, page_load, 1.0)  # warm-up: caches, connections, the workers' imports

    def show(number, first, second, note):
        say(f"  {label:<36} pair {number}: base {fmt_run(first)} | page {fmt_run(second)}{note}")

    result = Result(label, goal)
    result.pairs, result.redone, result.noisy = calm_pairs(
        client, (base_server, base_load, "hello"), (page_server, page_load, label), args, show
    )
    return result


def median_range(values: list[float]) -> str:
    if not values:
        return "     -            "
    return f"{statistics.median(values):5.2f} ({min(values):.2f}–{max(values):.2f})"


def print_table(results: list[Result], reference: Result | str = "") -> None:
    """The results; under the CEP API, the reference (a Result, or why there is none) and our API's
    ratio over its ratio against REFERENCE_GOAL."""
    header = f"{'req/s × hello (range)':<22}{'CPU × hello (range)':<22}{'req/s':>7}  verdict"
    say(f"\n{'page':<36}{'goal':>6}  {header}")
    for result in results:
        rates = result.rates()
        median = statistics.median(rates)
        page_rate = statistics.median(page.rate for _, page in result.pairs)
        verdict = "MET" if median >= result.goal else "NOT MET"
        cpu = median_range(result.cpus())
        say(f"{result.label:<36}{result.goal:>6.2f}  {median_range(rates):<22}{cpu:<22}"
            f"{page_rate:>7.0f}  {verdict}{notes(result)}")  # fmt: skip
        if result.label.startswith("CEP API"):
            print_reference(result, reference)


def notes(result: Result) -> str:
    bad = sum(page.bad + base.bad for base, page in result.pairs)
    text = f"  !! {bad} bad answers" if bad else ""
    if result.redone:
        text += f"  ({result.redone} disturbed pair(s) left out)"
    if result.noisy:
        text += "  NOISY: too few calm pairs, all kept"
    return text


def print_reference(ours: Result, reference: Result | str) -> None:
    label = "  reference Flask app, CEP endpoint"
    if not isinstance(reference, Result):
        say(f"{label:<36}{'':>6}  {reference}")
        return
    rates = reference.rates()
    page_rate = statistics.median(page.rate for _, page in reference.pairs)
    say(f"{label:<36}{'':>6}  {median_range(rates):<22}{median_range(reference.cpus()):<22}{page_rate:>7.0f}"
        f"{notes(reference)}")  # fmt: skip
    by_rate = statistics.median(ours.rates()) / statistics.median(rates)
    by_cpu = statistics.median(ours.cpus()) / statistics.median(reference.cpus())
    verdict = "MET" if by_rate >= REFERENCE_GOAL else "NOT MET"
    say(f"{'  CEP API over the reference':<36}{REFERENCE_GOAL:>5.1f}×  {by_rate:<22.2f}{by_cpu:<22.2f}"
        f"{'':>7}  {verdict}")  # fmt: skip


# --- main ------------------------------------------------------------------------------------------------


def loadavg(values) -> str:
    return " ".join(f"{x:.2f}" for x in values)


def names(text: str, allowed) -> list[str]:
    chosen = [n.strip() for n in text.split(",") if n.strip()] if text not in ("", "none") else []
    unknown = set(chosen) - set(allowed)
    if unknown:
        raise SystemExit(f"unknown names {sorted(unknown)}; choose from {', '.join(allowed)}")
    return chosen


REFERENCE_VENV = ROOT / "var" / "reference-venv"
REFERENCE_GOAL = 1.7  # the CEP API's req/s ratio over the reference's (issue 13)


def reference_folder(path: Path) -> Path:
    """The reference checkout's ``webapp/ocipizza``, the folder its app runs from; exits saying what is
    missing when it is not a checkout of daniel-armbrust/ocn-ocipizza."""
    folder = path.expanduser().resolve() / "webapp" / "ocipizza"
    for needed in ("app/location/__init__.py", "app/location/api.py", "app/location/zipcode.db"):
        if not (folder / needed).is_file():
            raise SystemExit(
                f"--reference {path}: {folder / needed} is missing. Give the path of a checkout of "
                "daniel-armbrust/ocn-ocipizza (git clone https://github.com/daniel-armbrust/ocn-ocipizza)."
            )
    return folder


def reference_python() -> str:
    """The reference's virtualenv (Flask and our gunicorn, requirements-reference.txt, hash-checked),
    made or brought up to date here; its python."""
    requirements = ROOT / "requirements-reference.txt"
    python = REFERENCE_VENV / "bin" / "python"
    if not python.exists():
        say(f"  creating {REFERENCE_VENV.relative_to(ROOT)} for the reference (Flask)")
        subprocess.run([sys.executable, "-m", "venv", str(REFERENCE_VENV)], check=True)
    stamp = REFERENCE_VENV / ".installed"
    wanted = requirements.read_bytes()
    if not stamp.exists() or stamp.read_bytes() != wanted:
        say(f"  installing {requirements.name} into {REFERENCE_VENV.relative_to(ROOT)} (hash-checked)")
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--require-hashes", "-r", str(requirements)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"installing {requirements.name} failed:\n{done.stderr[-2000:]}")
        stamp.write_bytes(wanted)
    return str(python)


def reference_load(port: int, sample: list[str]) -> Load:
    """The CEP API's sample as the reference takes it (digits only: it compares strings), keeping those
    its database knows (it answers 404 for the rest, which the run would count as bad answers)."""
    known = []
    for cep in dict.fromkeys("".join(c for c in cep if c.isdigit()) for cep in sample):
        status, _, _ = request(port, "GET", f"/locations/zipcodes/{cep}")
        if status == 200:
            known.append(f"/locations/zipcodes/{cep}")
    if not known:
        raise SystemExit("the reference knew none of the sample's CEPs: is its zipcode.db the right one?")
    say(f"  reference: {len(known)} of the sample's {len(set(sample))} CEPs known to its zipcode.db")
    return Load(known)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measured run (default 3)")
    parser.add_argument("--pairs", type=int, default=3, help="paired runs per page; the median is kept (≥ 3)")
    parser.add_argument("--connections", type=int, default=8, help="client connections (wrk -c; default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument(
        "--growth", default=",".join(GROWTH), help=f"comma-separated, of: {', '.join(GROWTH)}"
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--reference", type=Path, help="a checkout of daniel-armbrust/ocn-ocipizza")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 60 or not 3 <= args.pairs <= 10 or not 0 < args.connections <= 64:
        parser.error("keep it bounded: --seconds ≤ 60, 3 ≤ --pairs ≤ 10, --connections ≤ 64")
    pages = names(args.pages, PAGES)
    growth = names(args.growth, GROWTH)

    # SIGTERM ends the run like Ctrl+C: the finally blocks stop every server by its PID.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.monotonic()
    load_start = os.getloadavg()
    say(f"perf/run.py: {os.cpu_count()} CPUs, load average at start {loadavg(load_start)}")
    kind = ensure_wrk(args.client)
    reference = None  # (folder, python) of the reference, when given and the CEP API is measured
    if args.reference is not None and "cep" in pages:
        reference = (reference_folder(args.reference), reference_python())
    prefix = f"perf-run-{os.getpid()}"
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="perf-run-")))
        stack.callback(redis_cleanup, prefix)
        environment = project_environment(folder, prefix)
        say(f"setup in {folder} (Redis {REDIS_URL}, key prefix {prefix})")
        django_setup(environment)
        need_cep = "cep" in pages or "cep" in growth
        prepare_data(folder, need_cep)
        customers = {}
        for count, email, name in (
            (SMALL, "dez@example.com", "Dez Pedidos"),
            (LARGE, "mil@example.com", "Mil Pedidos"),
        ):
            if count == LARGE and "history" not in growth:
                continue
            begun = time.perf_counter()
            customer = make_customer(email, name)
            customers[count] = (customer, place_orders(customer, count))
            say(f"  customer {email} with {count} orders ({time.perf_counter() - begun:.1f} s)")
        client = Client(kind, args.connections, args.threads, folder)
        stack.callback(client.close)
        say(f"client: {client.describe()}; {args.seconds:g} s per run, {args.pairs} pairs per page")
        say("starting the servers (gunicorn.conf.py, 2 workers each)")
        hello = stack.enter_context(
            gunicorn(
                "hello world", "perf.hello.wsgi:application", {"DJANGO_SECRET_KEY": SECRET}, folder, "/", {}
            )
        )
        project = stack.enter_context(
            gunicorn("project", "ocipizza.wsgi:application", environment, folder, "/perf/hello", PROXY)
        )
        base = (hello, Load(["/"]))
        client.run(hello, base[1], 1.0, "hello")  # warm-up
        reference_server = None
        if reference is not None:
            reference_server = stack.enter_context(
                gunicorn(
                    "reference Flask app",
                    "perf.reference_wsgi:application",
                    {"PYTHONPATH": str(ROOT)},
                    folder,
                    "/locations/zipcodes/00000000",
                    {},
                    python=reference[1],
                    chdir=reference[0],
                    ready_status=(200, 404),  # up: its own answer, found or not
                )
            )

        signed_in = Browser(project.port)
        signed_in.log_in("dez@example.com")
        signed_in.fill_cart()
        small_orders = customers[SMALL][1]
        tracked = small_orders[-1]
        user = {**PROXY, "Cookie": signed_in.cookie}
        loads = {
            "floor": (Load(["/perf/hello"], headers=PROXY), "Hello"),
            "menu": (Load(["/"], headers=PROXY), "Calabresa"),
            "menu-signed-in": (Load(["/"], headers=user), "/conta/sair/"),
            "cart": (Load(["/carrinho/"], headers=user), "Bauru"),
            "tracking": (Load([f"/pedidos/{tracked.order_id}/"], headers=user), tracked.code),
            "checkout": (Load(["/pedido/finalizar/"], headers=user), "csrfmiddlewaretoken"),
        }
        cep_sample = cep_paths(folder / "cep.sqlite3") if need_cep else {}
        if "cep" in pages:
            loads["cep"] = (Load([f"/api/cep/{c}/" for c in cep_sample["mix"]], headers=PROXY), '"cep"')
        if "add-to-cart" in pages:
            loads["add-to-cart"] = (add_to_cart_load(project.port), None)

        results = []
        reference_result: Result | str = "reference not given (--reference PATH)"
        if args.reference is not None and "cep" not in pages:
            reference_result = "reference not measured: the CEP API is not among --pages"
        say("\nmeasuring (each page's run right after a hello-world run)")
        for name in pages:
            label, goal = PAGES[name]
            load, marker = loads[name]
            check(project.port, load, marker, label)
            results.append(paired(client, base, (project, load), label, goal, args))
            if name == "cep" and reference_server is not None:
                # Right after our API, the same CEPs, the same pairing with the hello world.
                theirs = reference_load(reference_server.port, cep_sample["mix"])
                label = "reference Flask app, CEP endpoint"
                reference_result = paired(client, base, (reference_server, theirs), label, None, args)

        figures = []
        if "history" in growth:
            figures += history_growth(client, project, customers, args)
        if "cep" in growth:
            figures += cep_growth(client, project, cep_sample, args)
        menu_result = None
        if "menu200" in growth:
            menu_result = menu_growth(client, base, project, folder, args)

        say(f"\nresults ({WORKERS} gunicorn workers each; {client.describe()})")
        if results:
            print_table(results, reference_result)
        if figures or menu_result:
            say("\ngrowth")
            for line in figures:
                say(line)
            if menu_result:
                print_table([menu_result])
    load_end = os.getloadavg()
    say(
        f"\nload average at start {loadavg(load_start)}, at end {loadavg(load_end)}; "
        f"{os.cpu_count()} CPUs; took {time.monotonic() - started:.0f} s"
    )


def cep_paths(db_path: Path) -> dict:
    """CEPs from the built database: a request mix (80% street level, 20% city-level fallbacks, half typed
    with a dash) and single CEPs across the range for the growth figure."""
    import random

    rng = random.Random(6)
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        total = connection.execute("SELECT count(*) FROM ceps").fetchone()[0]

        def nth(fraction: float) -> int:
            offset = int((total - 1) * fraction)
            return connection.execute(
                "SELECT cep FROM ceps ORDER BY cep LIMIT 1 OFFSET ?", (offset,)
            ).fetchone()[0]

        streets = [nth(rng.random()) for _ in range(160)]
        ranges = connection.execute("SELECT cep_start, cep_end FROM city_ranges").fetchall()
        cities = []
        while len(cities) < 40:
            start, end = rng.choice(ranges)
            candidate = rng.randint(start, end)
            if connection.execute("SELECT 1 FROM ceps WHERE cep = ?", (candidate,)).fetchone() is None:
                cities.append(candidate)
        spread = {f"street, {int(f * 100)}% of the range": nth(f) for f in (0.0, 0.25, 0.5, 0.75, 1.0)}
        spread["city-level fallback"] = cities[0]
    finally:
        connection.close()
    mix = [f"{c:08d}" for c in streets + cities]
    rng.shuffle(mix)
    mix = [f"{c[:5]}-{c[5:]}" if i % 2 else c for i, c in enumerate(mix)]
    return {"mix": mix, "spread": {label: f"{cep:08d}" for label, cep in spread.items()}}


def add_to_cart_load(port: int) -> Load:
    """POSTs adding a drink, answered by a redirect, rotated over ADD_SESSIONS anonymous sessions, each
    holding three lines and sending its own CSRF token. The redirect is not followed, so each POST's flash
    message stays in its session (about 60 bytes); spread over 32 sessions, a full run adds some 100
    messages to each, a few KB, and the drink's quantity reaches the cart's cap (then the POST answers
    the same redirect with an error message)."""
    cookies, bodies = [], []
    for _ in range(ADD_SESSIONS):
        visitor = Browser(port)
        visitor.fill_cart()
        body = urlencode({"item": "agua-mineral", "quantity": 1, "csrfmiddlewaretoken": visitor.token()})
        cookies.append(visitor.cookie)
        bodies.append(body)
    headers = {**PROXY, "Referer": f"https://127.0.0.1:{port}/"}
    return Load(
        ["/carrinho/adicionar/"], method="POST", headers=headers, cookies=cookies, bodies=bodies, status=302
    )


def history_growth(client: Client, project: Server, customers: dict, args) -> list[str]:
    """Order history's first page: the customer with 1,000 orders right after the one with 10, paired."""
    loads = []
    for count in (SMALL, LARGE):
        browser = Browser(project.port)
        browser.log_in(customers[count][0].email)
        load = Load(["/pedidos/"], headers={**PROXY, "Cookie": browser.cookie})
        check(project.port, load, customers[count][1][-1].code, f"order history, {count} orders")
        loads.append(load)
    say("\ngrowth: order history, first page (10 orders a page)")
    client.run(project, loads[0], 1.0)

    def show(number, small, large, note):
        say(f"  pair {number}: {SMALL} orders {fmt_run(small)} | {LARGE:,} orders {fmt_run(large)}{note}")

    # One yardstick for both sides: at ~400 req/s a neighbour halves whole runs, and a side whose every
    # run was disturbed would otherwise be its own best. If the large side really cost more, all its
    # runs would count as disturbed, the line would say NOISY, and the ratio would still show it.
    pairs, redone, noisy = calm_pairs(
        client, (project, loads[0], "history"), (project, loads[1], "history"), args, show
    )
    rate = [large.rate / small.rate for small, large in pairs]
    cpu = [large.cpu_per_request / small.cpu_per_request for small, large in pairs if small.cpu]
    return [
        f"order history, first page, {LARGE:,} orders vs {SMALL}: req/s × {median_range(rate)}, "
        f"CPU per request × {median_range(cpu)}   (about 1.00: keyset pages; the 10-order page "
        f"{statistics.median(s.rate for s, _ in pairs):.0f} req/s, "
        f"{statistics.median(s.cpu_per_request for s, _ in pairs) * 1e6:.0f} µs CPU)"
        + (f"; {redone} disturbed pair(s) left out" if redone else "")
        + ("; NOISY: too few calm pairs, all kept" if noisy else "")
    ]


def cep_growth(client: Client, project: Server, sample: dict, args) -> list[str]:
    """The CEP API on one CEP at a time, across the range; CEPS_ROUNDS rounds, CEPs alternated."""
    loads = {}
    for label, cep in sample["spread"].items():
        loads[label] = Load([f"/api/cep/{cep}/"], headers=PROXY)
        check(project.port, loads[label], cep[:5], f"CEP {cep}")
    say("\ngrowth: the CEP API, one CEP per run")
    client.run(project, Load([load.paths[0] for load in loads.values()], headers=PROXY), 1.0)  # warm-up
    runs: dict[str, list[Run]] = {label: [] for label in loads}
    for _ in range(CEP_ROUNDS):
        for label, load in loads.items():
            run = client.run(project, load, args.seconds)
            runs[label].append(run)
            say(f"  {sample['spread'][label]} {label:<28} {fmt_run(run)}")
    lines = []
    cpus = {}
    for label, found in runs.items():
        cpus[label] = statistics.median(r.cpu_per_request for r in found)
        rate = statistics.median(r.rate for r in found)
        lines.append(
            f"  CEP {sample['spread'][label]} ({label}): {rate:.0f} req/s, {cpus[label] * 1e6:.0f} µs CPU/req"
        )
    rates = [statistics.median(r.rate for r in found) for found in runs.values()]
    cpu_spread = max(cpus.values()) / min(cpus.values())
    head = (
        f"CEP API across the range: slowest/fastest CPU per request {cpu_spread:.2f}, "
        f"req/s fastest/slowest {max(rates) / min(rates):.2f}   (about 1.00: the cost does not depend on it)"
    )
    return [head, *lines]


def menu_growth(client: Client, base: tuple, project: Server, folder: Path, args) -> Result:
    """Load a menu of MENU_ITEMS items with load_menu (which empties the menu's cache), then the anonymous
    menu against the hello world again."""
    from django.core.management import call_command

    from menu.testing import menu_with_pizzas

    source = menu_with_pizzas(folder, MENU_ITEMS)
    with open(os.devnull, "w") as quiet:
        call_command("load_menu", "--source", str(source), stdout=quiet)
    load = Load(["/"], headers=PROXY)
    last = json.loads((source / "menu.json").read_text(encoding="utf-8"))["items"][-1]["name"]
    check(project.port, load, last, f"menu with {MENU_ITEMS} items")
    say(f"\ngrowth: the menu with {MENU_ITEMS} items")
    return paired(client, base, (project, load), f"menu, anonymous, {MENU_ITEMS} items", 0.50, args)


def redis_cleanup(prefix: str) -> None:
    """Delete this run's keys (cache, sessions, counters) from the benchmark's Redis database."""
    import redis

    try:
        connection = redis.Redis.from_url(REDIS_URL)
        keys = list(connection.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            connection.delete(*keys[start : start + 500])
        say(f"  deleted {len(keys)} Redis keys under {prefix}")
    except redis.RedisError as error:
        say(f"  !! could not delete the Redis keys under {prefix}: {error}")


if __name__ == "__main__":
    main()
