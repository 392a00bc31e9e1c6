"""The load scenario (issue 13, item 3): shoppers and signed-in customers against nginx and two instances.

Run by perf/load.sh, which starts the stack, seeds the store (perf/load_store.py) and passes:

- ``LOAD_DATA``: the seed's JSON (customers with their passwords and ids, CEPs the database knows,
  delivery addresses with the street names of their CEP, the menu's categories);
- ``LOAD_CHECKOUTS``: a JSON-lines file this scenario appends one line to for each checkout answered
  with the redirect to ``/pedidos/<id>/`` (customer, checkout key, order id), which load_store.py
  checks against the store after the run;
- ``LOAD_SUMMARY``: where the run's figures go at the end (requests, failures, 5xx, GET p95 and the
  checkout POSTs' p95), for load.sh's one-line summary.

Two windows. The **ramp** lasts until every user has started and every customer has signed in: at
the spawn rate load.sh sets that is some forty Argon2 sign-ins in a few seconds, which hold both cores
and queue everything else behind them (a burst a real evening spreads over hours, as customers stay
signed in for weeks). Its figures are kept apart (``ramp`` in the summary); then locust's statistics
are reset, and the goals are judged on the **steady state**, the rest of the run, as load tests usually
are. Server errors count over the whole run. A run too short to finish the ramp has no steady state,
and says so: its figures are the whole run's.

Two kinds of users, 1:2. ``Shopper`` is anonymous: menu, categories, search, CEP lookups and cart
changes. ``Customer`` signs in first (one seeded, confirmed customer per user) and adds checkouts:
pickup or delivery (to the saved address, or to a new one, which the shop prices first and the
customer confirms in a second POST, as in a browser), paid by PIX or cash. Every POST goes through the
page's real form: its CSRF token and hidden fields are read from the HTML, and the request carries the
Origin and Referer a browser sends. Each user has an address of its own in X-Forwarded-For (nginx
appends the real one; the app trusts two proxies in this scenario), so the per-IP rate limits count
per user, as they would for real customers.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import urllib3
from locust import HttpUser, between, events, task

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the run's own self-signed cert

DATA = json.loads(Path(os.environ["LOAD_DATA"]).read_text()) if os.environ.get("LOAD_DATA") else {}
CHECKOUTS = Path(os.environ.get("LOAD_CHECKOUTS", "checkouts.jsonl"))
SUMMARY = os.environ.get("LOAD_SUMMARY")
WAIT = tuple(float(part) for part in os.environ.get("LOAD_WAIT", "0.5,2.5").split(","))
SEARCHES = ("calabresa", "frango", "mussarela", "portuguesa", "suco", "bacon", "pizza doce", "xyz")
ORDER_PATH = re.compile(r"^/pedidos/([0-9a-z]+)/$")
TOTAL = re.compile(r'data-testid="checkout-total">R\$\s*([\d.,]+)<')
ERROR_BANNER = re.compile(r'role="alert"[^>]*>(.*?)</', re.S)

_customers = itertools.count()
_addresses = itertools.count(1)
server_errors = 0
_ready = 0  # users whose on_start has finished (customers: signed in)
_ramp: dict | None = None  # the ramp's figures, kept when the steady state begins
_steady_since: float | None = None
_run_started = time.time()


class Forms(HTMLParser):
    """The forms of a page: action, the value each field would submit, and the choices of radios."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}, "choices": {}})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio":
                if "disabled" not in a:
                    form["choices"].setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    form["fields"][name] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    form["fields"][name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                form["fields"][name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            form["choices"][name] = []
        elif tag == "option" and self._select:
            form["choices"][self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in form["fields"]:
                form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            form["fields"][name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(html: str, action_part: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return [form for form in parser.forms if action_part in form["action"]]


def percentile(times: dict[int, int], fraction: float) -> float:
    """The response time ``fraction`` of the requests stayed within, from locust's rounded buckets."""
    total = sum(times.values())
    if not total:
        return 0.0
    needed, seen = total * fraction, 0
    for value in sorted(times):
        seen += times[value]
        if seen >= needed:
            return float(value)
    return float(max(times))


@events.request.add_listener
def count_server_errors(response=None, **_kwargs):
    global server_errors
    if response is not None and getattr(response, "status_code", 0) >= 500:
        server_errors += 1


def figures(stats, seconds: float) -> dict:
    """What the summary says of one window of the run, from locust's statistics."""
    gets: dict[int, int] = {}
    checkout: dict[int, int] = {}
    for (name, method), entry in stats.entries.items():
        target = gets if method == "GET" else checkout if name == "/pedido/finalizar/" else None
        if target is not None:
            for value, count in entry.response_times.items():
                target[value] = target.get(value, 0) + count
    total = stats.total
    return {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "get_requests": sum(gets.values()),
        "get_p95_ms": percentile(gets, 0.95),
        "checkout_posts": sum(checkout.values()),
        "checkout_p95_ms": percentile(checkout, 0.95),
        "seconds": round(seconds, 1),
        "rps": round(total.num_requests / seconds, 1) if seconds > 0 else 0.0,
    }


def user_ready(environment) -> None:
    """One more user is past its start; with the last one the ramp ends and the steady state begins."""
    global _ready, _ramp, _steady_since
    _ready += 1
    runner = environment.runner
    if _ramp is not None or runner is None or _ready < runner.target_user_count:
        return
    now = time.time()
    _ramp = figures(environment.stats, now - _run_started)
    _steady_since = now
    environment.stats.reset_all()


@events.test_start.add_listener
def run_started(**_kwargs):
    global _run_started
    _run_started = time.time()


@events.quitting.add_listener
def write_summary(environment, **_kwargs):
    if not SUMMARY:
        return
    now = time.time()
    started = _steady_since if _steady_since is not None else _run_started
    summary = figures(environment.stats, now - started)
    summary.update(
        server_errors=server_errors,
        steady=_steady_since is not None,
        ramp=_ramp,
    )
    Path(SUMMARY).write_text(json.dumps(summary))


class Shopper(HttpUser):
    """An anonymous visitor: the menu, categories, search, CEP lookups and the cart."""

    weight = 1
    wait_time = between(*WAIT)

    def on_start(self):
        self.prepare()
        user_ready(self.environment)

    def prepare(self):
        self.client.verify = False
        number = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.77.{number // 250}.{number % 250 + 1}"
        self.client.headers["User-Agent"] = "ocipizza-load (locust)"
        self.cart_lines = 0

    def post_form(self, page_url: str, form: dict, data: dict, name: str, **kwargs):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.host))
        return self.client.post(
            urljoin(page_url, form["action"]) if form["action"] else page_url,
            data=data,
            headers={"Origin": origin, "Referer": urljoin(self.host, page_url)},
            allow_redirects=False,
            name=name,
            **kwargs,
        )

    def follow(self, response, name: str | None = None):
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302, 303) and location:
            path = urlsplit(location).path
            query = urlsplit(location).query
            return self.client.get(path + (f"?{query}" if query else ""), name=name or path)
        return response

    @task(6)
    def menu(self):
        self.client.get("/", name="/")

    @task(3)
    def category(self):
        self.client.get(f"/?categoria={random.choice(DATA['categories'])}", name="/?categoria=[slug]")

    @task(2)
    def search(self):
        self.client.get("/", params={"q": random.choice(SEARCHES)}, name="/?q=[words]")

    @task(3)
    def cep(self):
        cep = random.choice(DATA["ceps"])
        with self.client.get(f"/api/cep/{cep}/", name="/api/cep/[cep]/", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"CEP {cep} the database knows answered {response.status_code}")

    @task(3)
    def cart_change(self):
        if self.cart_lines < 2 or random.random() < 0.3:
            self.cart_add()
            return
        page = self.client.get("/carrinho/", name="/carrinho/")
        updates = forms_of(page.text, "/atualizar/")
        removes = forms_of(page.text, "/remover/")
        self.cart_lines = len(updates)
        if removes and random.random() < 0.5:
            form = random.choice(removes)
            response = self.post_form("/carrinho/", form, form["fields"], "/carrinho/[line]/remover/")
            self.cart_lines -= 1
        elif updates:
            form = random.choice(updates)
            data = dict(form["fields"], quantity=str(random.randint(1, 2)))
            response = self.post_form("/carrinho/", form, data, "/carrinho/[line]/atualizar/")
        else:
            return
        self.follow(response, "/carrinho/")

    def cart_add(self, *, pizza: bool = False):
        page = self.client.get("/", name="/")
        forms = forms_of(page.text, "/carrinho/adicionar/")
        if pizza:
            forms = [form for form in forms if "size" in form["choices"]] or forms
        if not forms:
            return
        form = random.choice(forms)
        data = dict(form["fields"])
        if pizza:  # the default size, two of them: above the profile's minimum order (R$ 30)
            data["quantity"] = "2"
        elif form["choices"].get("size"):
            data["size"] = random.choice(form["choices"]["size"])
        if form["choices"].get("half") and random.random() < 0.3:
            data["half"] = random.choice(form["choices"]["half"])
        response = self.post_form("/", form, data, "/carrinho/adicionar/")
        if response.status_code == 302:
            self.cart_lines += 1
        self.follow(response, "/")


class Customer(Shopper):
    """A confirmed customer, signed in: everything a shopper does, and checkouts."""

    weight = 2

    def prepare(self):
        super().prepare()
        users = DATA["users"]
        self.user = users[next(_customers) % len(users)]
        page = self.client.get("/conta/entrar/", name="/conta/entrar/")
        form = forms_of(page.text, "")[-1]  # the page's own form (the header's are GET or language)
        for candidate in forms_of(page.text, ""):
            if "password" in candidate["fields"]:
                form = candidate
        data = dict(form["fields"], email=self.user["email"], password=self.user["password"])
        with self.post_form("/conta/entrar/", form, data, "/conta/entrar/", catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {self.user['email']} answered {response.status_code}")

    @task(2)
    def checkout(self):
        self.cart_add(pizza=True)
        page = self.client.get("/pedido/finalizar/", name="/pedido/finalizar/", allow_redirects=False)
        forms = forms_of(page.text, "/pedido/finalizar/") if page.status_code == 200 else []
        if not forms:
            return  # an empty cart (the add above failed): nothing to order
        form = forms[0]
        delivery = random.random() < 0.6
        # Cash only up to the profile's pix_only_above (R$ 300): a dearer cart pays by PIX.
        total = TOTAL.search(page.text)
        dear = total is None or float(total.group(1).replace(".", "").replace(",", ".")) > 280
        data = dict(form["fields"], payment="PIX" if dear else random.choice(("PIX", "CASH")))
        data["fulfilment"] = "DELIVERY" if delivery else "PICKUP"
        if delivery and random.random() < 0.3:  # a new address, priced on the first submit
            place = random.choice(DATA["delivery_addresses"])
            data.update(place, saved_address="new", numero=str(random.randint(1, 2000)), complemento="")
            data.pop("quoted_fee", None)
        started = time.time()
        response = self.post_form("/pedido/finalizar/", form, data, "/pedido/finalizar/")
        if response.status_code == 200:  # the fee shown for confirmation: submit the form it returned
            again = forms_of(response.text, "/pedido/finalizar/")
            if again and "quoted_fee" in again[0]["fields"]:
                data = dict(data, **again[0]["fields"])
                data["csrfmiddlewaretoken"] = again[0]["fields"].get("csrfmiddlewaretoken", "")
                response = self.post_form("/pedido/finalizar/", again[0], data, "/pedido/finalizar/")
        match = ORDER_PATH.match(urlsplit(response.headers.get("Location", "")).path)
        if response.status_code == 302 and match:
            with CHECKOUTS.open("a") as answers:
                answers.write(
                    json.dumps(
                        {
                            "customer_id": self.user["customer_id"],
                            "key": data["key"],
                            "order_id": match.group(1),
                            "fulfilment": data["fulfilment"],
                            "payment": data["payment"],
                            "seconds": round(time.time() - started, 3),
                        }
                    )
                    + "\n"
                )
            self.cart_lines = 0
            self.follow(response, "/pedidos/[id]/")
            return
        found = ERROR_BANNER.search(response.text or "")
        reason = " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""
        events.request.fire(
            request_type="CHECKOUT",
            name="order placed",
            response_time=0,
            response_length=0,
            exception=RuntimeError(f"no order: {response.status_code} {reason[:120]}"),
            context={},
        )
