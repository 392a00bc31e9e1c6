"""Permissions-Policy on every response, and the warning about a balancer nobody counted."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from ocipizza.middleware import ProxyCountMiddleware

PAGES = ("/", "/conta/entrar/", "/healthz", "/api/cep/01001000/", "/nao-existe/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_every_response_denies_the_browser_features_the_site_does_not_use(client, shop, url):
    policy = client.get(url)["Permissions-Policy"]
    features = dict(item.split("=") for item in policy.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature
    assert features["clipboard-write"] == "(self)"  # the PIX "Copiar código" button


def test_a_refused_method_carries_the_policy_too(client):
    response = client.generic("TRACE", "/")
    assert response.status_code == 405 and "camera=()" in response["Permissions-Policy"]


@pytest.fixture
def proxy_warning(monkeypatch):
    monkeypatch.setattr(ProxyCountMiddleware, "warned", False)


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "TRUSTED_PROXY_COUNT" in r.getMessage()]


def test_forwarded_requests_without_a_proxy_count_are_logged_once(settings, caplog, proxy_warning):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    with caplog.at_level(logging.WARNING, logger="ocipizza.middleware"):
        client.get("/healthz")  # no X-Forwarded-For: nothing to say
        assert _warnings(caplog) == []
        client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.2")
        client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.8", REMOTE_ADDR="10.0.0.2")
    [warning] = _warnings(caplog)
    assert "10.0.0.2" in warning


def test_no_warning_once_the_proxy_is_counted(settings, caplog, proxy_warning):
    settings.TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.WARNING, logger="ocipizza.middleware"):
        Client().get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert _warnings(caplog) == []
