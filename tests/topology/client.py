"""A customer's browser, as far as the topology tests need one: cookies, the pages' real forms (CSRF
token and hidden fields read from the HTML), the Origin and Referer a browser sends."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import requests
import urllib3

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the topology's self-signed cert

SESSION_COOKIE = "__Host-sessionid"  # production's name
ORDER_PATH = re.compile(r"^/pedidos/([0-9a-z]+)/$")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}, "choices": {}})
        elif self.forms and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                self.forms[-1]["choices"].setdefault(a["name"], []).append(a.get("value", ""))
                if "checked" in a:
                    self.forms[-1]["fields"][a["name"]] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    self.forms[-1]["fields"][a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def forms_of(html: str, action_part: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if action_part in form["action"]]


class Browser:
    """One visitor with a cookie jar, talking to ``base`` (the balancer) unless told otherwise."""

    def __init__(self, base: str, *, timeout: float = 15.0):
        self.base = base
        self.timeout = timeout
        self.http = requests.Session()
        self.http.verify = False
        # No proxy or CA bundle from the environment: REQUESTS_CA_BUNDLE would override verify=False.
        self.http.trust_env = False

    @property
    def session_id(self) -> str | None:
        return self.http.cookies.get(SESSION_COOKIE)

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.http.get(self.base + path, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict, *, base: str | None = None, **kwargs) -> requests.Response:
        """A form POST as a browser sends it; ``base`` posts to one instance directly (with the headers
        the balancer would add), for tests that must know which instance serves it."""
        kwargs.setdefault("timeout", self.timeout)
        headers = {"Origin": self.base, "Referer": self.base + path}
        if base is None:
            return self.http.post(
                self.base + path, data=data, headers=headers, allow_redirects=False, **kwargs
            )
        headers.update(
            {
                "Host": urlsplit(self.base).netloc,
                "X-Forwarded-For": "127.0.0.1",
                "X-Forwarded-Proto": "https",
                "Cookie": "; ".join(f"{c.name}={c.value}" for c in self.http.cookies),
            }
        )
        return requests.post(base + path, data=data, headers=headers, allow_redirects=False, **kwargs)

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/conta/entrar/")
        form = next(f for f in forms_of(page.text, "") if "password" in f["fields"])
        response = self.post("/conta/entrar/", dict(form["fields"], email=email, password=password))
        assert response.status_code == 302, f"signing in {email} answered {response.status_code}"

    def sign_in_staff(self, email: str, password: str, *, secret: str | None = None) -> str:
        """A manager's sign-in to the back office, TOTP step included: the first time the authenticator
        is enrolled with the key the setup page shows (returned, for the next sign-ins' codes)."""
        import base64

        from django_otp.oath import totp

        page = self.get("/gestao/entrar/")
        form = next(f for f in forms_of(page.text, "") if "password" in f["fields"])
        response = self.post("/gestao/entrar/", dict(form["fields"], email=email, password=password))
        assert response.status_code == 302, f"the staff sign-in answered {response.status_code}"
        location = response.headers["Location"]
        for _ in range(3):  # the code page, or on to the enrolment page for a new manager
            step = urlsplit(location)
            path = step.path + (f"?{step.query}" if step.query else "")
            page = self.get(path)
            if page.status_code != 302:
                break
            location = page.headers["Location"]
        if "/configurar/" in step.path:
            secret = re.search(r'data-testid="totp-secret">([^<]+)<', page.text).group(1).replace(" ", "")
        assert secret, f"{path} asks for a code, but no authenticator key is known"
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        form = next(f for f in forms_of(page.text, "") if "token" in f["fields"])
        response = self.post(path, dict(form["fields"], token=f"{totp(key):06d}"))
        assert response.status_code == 302, f"the TOTP step answered {response.status_code}"
        return secret

    def add_pizza(self) -> None:
        """Two of the menu's first pizza in the default size: above the profile's minimum order."""
        page = self.get("/")
        form = next(f for f in forms_of(page.text, "/carrinho/adicionar/") if "size" in f["choices"])
        response = self.post(form["action"], dict(form["fields"], quantity="2"))
        assert response.status_code == 302, f"adding to the cart answered {response.status_code}"

    def cart_lines(self) -> int:
        page = self.get("/carrinho/")
        assert page.status_code == 200, page.status_code
        return len(forms_of(page.text, "/remover/"))

    def checkout_data(self) -> dict:
        """The checkout form as the page gives it (its idempotency key included), for a pickup paid by PIX."""
        page = self.get("/pedido/finalizar/")
        assert page.status_code == 200, f"the checkout page answered {page.status_code}"
        form = forms_of(page.text, "/pedido/finalizar/")[0]
        return dict(form["fields"], payment="PIX", fulfilment="PICKUP")

    def checkout(self, data: dict, **kwargs) -> requests.Response:
        return self.post("/pedido/finalizar/", data, **kwargs)


def order_id_of(response: requests.Response) -> str | None:
    """The order a checkout answer names (its redirect to /pedidos/<id>/), else None."""
    if response.status_code != 302:
        return None
    match = ORDER_PATH.match(urlsplit(response.headers.get("Location", "")).path)
    return match.group(1) if match else None
