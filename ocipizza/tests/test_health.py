"""Health probes and the friendly pages when a backing service is down."""

import pytest
from django.test import Client

from ocipizza.nosql import stores


@pytest.fixture
def client():
    return Client()


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ok_when_store_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "ok", "cache": "ok"}


def test_readyz_and_pages_answer_503_when_the_store_is_unreachable(client, settings, tmp_path):
    # A directory where the database file should be: SQLite cannot open it.
    (tmp_path / "blocked").mkdir()
    settings.NOSQL_STORES = {
        "default": {
            "BACKEND": "ocipizza.nosql.backends.sqlite.SQLiteStore",
            "OPTIONS": {"PATH": str(tmp_path / "blocked")},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["store"] == "unavailable"
    page = client.get("/")
    assert page.status_code == 503
    assert "Voltamos já" in page.content.decode()
    assert page["Retry-After"] == "30"
    stores.reset()


def test_redis_down_gives_a_friendly_503_not_a_500(client, settings, redis_server, menu_loaded):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    assert client.get("/").status_code == 200
    redis_server.stop()
    response = client.get("/")
    assert response.status_code == 503
    assert "Nada do seu carrinho foi perdido" in response.content.decode()
    assert client.get("/readyz").json()["cache"] == "unavailable"
    redis_server.start()
    assert client.get("/").status_code == 200


def test_unknown_pages_get_the_branded_404(client):
    response = client.get("/nao-existe/")
    assert response.status_code == 404
    assert "Página não encontrada" in response.content.decode()


def test_a_post_without_csrf_token_gets_the_branded_403():
    response = Client(enforce_csrf_checks=True).post("/carrinho/adicionar/", {"item": "calabresa"})
    assert response.status_code == 403
    assert "Formulário expirado" in response.content.decode()


def test_footer_links_to_privacy_and_cep_pages(client):
    html = client.get("/").content.decode()
    assert 'href="/privacidade/"' in html and 'href="/cep/"' in html
