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
    session = client.session
    session["kept"] = "yes"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    redis_server.stop()
    response = client.get("/carrinho/")  # the cart lives in the session, in Redis
    assert response.status_code == 503
    assert "Nada do seu carrinho foi perdido" in response.content.decode()
    assert client.get("/readyz").json()["cache"] == "unavailable"
    # A visitor without a session gets the menu this process has shown, from its own copy
    # (ocipizza/localcopy.py); with a session, the page needs it, so that visitor got the 503.
    assert Client().get("/").status_code == 200
    assert client.get("/").status_code == 503
    redis_server.start()
    assert client.get("/carrinho/").status_code == 200


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


@pytest.fixture
def redis_sessions(settings, redis_server):
    """Sessions and cache on a private Redis the test can stop."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    assert settings.SESSION_ENGINE == "ocipizza.sessions"
    return redis_server


@pytest.mark.parametrize("url", ["/privacidade/", "/cep/", "/conta/entrar/", "/carrinho/"])
def test_redis_down_never_deletes_the_session_cookie(client, redis_sessions, menu_loaded, settings, url):
    session = client.session
    session["kept"] = "yes"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    redis_sessions.stop()
    response = client.get(url)
    assert response.status_code == 503
    assert "Nada do seu carrinho foi perdido" in response.content.decode()
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # neither deleted nor replaced
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session.session_key


def test_a_checkout_that_meets_redis_down_offers_the_same_form_again(client, redis_sessions, settings):
    session = client.session
    session["kept"] = "yes"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    redis_sessions.stop()
    response = client.post("/pedido/finalizar/", {"key": "k" * 22, "payment": "pix"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "você não será cobrado duas vezes" in html
    assert 'action="/pedido/finalizar/"' in html
    assert 'name="key" value="' + "k" * 22 + '"' in html and 'name="payment" value="pix"' in html


def test_an_outage_raised_outside_a_view_is_the_503_page_not_the_500(rf):
    """A middleware reading the session, or the session saved on the way out, raise where no
    process_exception sees them: Django then calls handler500, which still answers the 503 page."""
    from ocipizza.nosql import StoreUnavailable
    from ocipizza.views import server_error

    request = rf.get("/pedidos/")
    try:
        raise StoreUnavailable("the store did not answer")
    except StoreUnavailable:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "Voltamos já" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500
