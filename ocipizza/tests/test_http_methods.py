"""Every page answers only the methods it serves: anything else is a 405 with an Allow header.

Walks the project's whole URLconf, so a view added later without ``require_http_methods`` (or
``require_GET``/``require_POST``/``require_safe``) fails here. Clients skip the CSRF check: a CSRF 403
would hide what the view itself does with a PUT.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from backoffice import roles
from backoffice.tests.conftest import make_staff, staff_login  # noqa: F401 (fixtures)
from conftest import client_login

METHODS = ("trace", "put", "delete", "patch")
# A plausible value per path converter or named group (the check must come before any lookup anyway).
SAMPLES = {"cep": "01001000", "path": "foto.jpg", "slug": "margherita", "int": "1"}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _url(route: str) -> str:
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES.get(m[1], "abc"), route)
    route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLES.get(m[1] or "", SAMPLES.get(m[2], "abc")), route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\", "")


URLS = sorted({_url(route) for route in _routes(get_resolver().url_patterns)})


# Pages behind a sign-in send a visitor there first, whatever the method; signed in, the method decides.
LOGINS = ("/conta/entrar/", "/gestao/entrar/")


def _refusals(client: Client, *, logins: tuple[str, ...]) -> list[str]:
    wrong = []
    for url in URLS:
        for method in METHODS:
            response = getattr(client, method)(url)
            if response.status_code == 405 and "Allow" in response:
                continue
            if response.status_code == 302 and response["Location"].startswith(logins):
                continue
            wrong.append(f"{method.upper()} {url}: {response.status_code}")
    return wrong


def test_the_walk_covers_the_project():
    assert {"/", "/conta/entrar/", "/gestao/pedidos/", "/api/cep/01001000/"} <= set(URLS)


@pytest.mark.django_db
def test_a_visitor_gets_405_for_methods_no_page_serves(shop):
    assert _refusals(Client(), logins=LOGINS) == []


@pytest.mark.django_db
def test_a_signed_in_customer_gets_405_too(shop, confirmed_customer):
    client = Client()
    client_login(client, confirmed_customer.id)
    # Only the back office may still send a customer (who is no staff) to its own sign-in.
    assert _refusals(client, logins=("/gestao/entrar/",)) == []


@pytest.mark.django_db
def test_a_signed_in_manager_gets_405_too(shop, staff_login):  # noqa: F811
    client = staff_login(roles.MANAGER)
    client.handler.enforce_csrf_checks = False
    assert _refusals(client, logins=()) == []
