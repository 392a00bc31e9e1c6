"""The project's cheaper CSP and locale middleware answer exactly as django-csp's and Django's would."""

import pytest
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.utils import translation


@csp_update({"img-src": "https://photos.example.com"})
def updated(request):
    return HttpResponse("updated")


@csp_exempt()
def exempt(request):
    return HttpResponse("exempt")


def with_nonce(request):
    template = engines["django"].from_string("<script nonce='{{ request.csp_nonce }}'></script>")
    return HttpResponse(template.render({"request": request}))


def language(request):
    return HttpResponse(translation.get_language())


urlpatterns = [
    path("updated", updated),
    path("exempt", exempt),
    path("nonce", with_nonce),
    path("language", language),
]


@pytest.fixture
def local_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_every_page_gets_the_policy_django_csp_builds(client):
    response = client.get("/healthz")
    assert response["Content-Security-Policy"] == build_policy()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_changed_setting_changes_the_header(client, settings):
    client.get("/healthz")  # builds and keeps the policy
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/healthz")["Content-Security-Policy"] == "default-src 'none'"


def test_decorated_views_still_change_the_policy(client, local_urls):
    img_src = client.get("/updated")["Content-Security-Policy"].split("img-src ")[1].split(";")[0]
    assert "https://photos.example.com" in img_src.split()
    assert "Content-Security-Policy" not in client.get("/exempt")
    assert client.get("/language")["Content-Security-Policy"] == build_policy()


def test_a_nonce_a_template_asks_for_is_in_the_header(client, local_urls, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    page = client.get("/nonce")
    nonce = page.content.decode().split("nonce='")[1].split("'")[0]
    assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "pt-br"),
        ({"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "fr-FR"}, "pt-br"),
    ],
)
def test_language_from_accept_language(client, local_urls, headers, expected):
    response = client.get("/language", **headers)
    assert response.content.decode() == expected
    assert response["Content-Language"] == expected
    assert "Accept-Language" in response["Vary"]


def test_the_language_cookie_wins_over_the_header(client, local_urls, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/language", HTTP_ACCEPT_LANGUAGE="pt-BR").content == b"en"


def test_the_language_follows_each_request_not_the_last_answer(client, local_urls, settings):
    """The middleware remembers answers per (cookie, Accept-Language): a change of either is a new one."""
    for cookie, header, expected in [
        (None, "en", "en"),
        ("pt-br", "en", "pt-br"),
        (None, "en", "en"),
        (None, "pt-BR", "pt-br"),
        ("en", "pt-BR", "en"),
        (None, "en;q=0.1," * 40 + "pt-BR", "pt-br"),  # long: worked out, not kept
    ]:
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        if cookie:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
        assert client.get("/language", HTTP_ACCEPT_LANGUAGE=header).content.decode() == expected
