import hashlib
import re

import pytest
from django.urls import reverse

from locations.openapi import openapi_document

PAULISTA = {
    "cep": "01310-100",
    "logradouro": "Avenida Paulista",
    "complemento": "",
    "bairro": "Bela Vista",
    "localidade": "São Paulo",
    "uf": "SP",
    "precisao": "logradouro",
}


def api(client, cep, **headers):
    return client.get(f"/api/cep/{cep}/", **headers)


def test_a_known_cep_answers_its_address_as_cacheable_json(client, cep_db):
    response = api(client, "01310-100")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == PAULISTA
    assert "São Paulo".encode() in response.content  # UTF-8, not \u escapes
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert response["ETag"]


def test_the_url_is_the_one_reverse_gives(cep_db):
    assert reverse("locations:cep_api", kwargs={"cep": "01310100"}) == "/api/cep/01310100/"


def test_an_unchanged_answer_is_not_sent_again(client, cep_db):
    etag = api(client, "01310100")["ETag"]
    response = api(client, "01310100", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_a_city_level_answer_says_so(client, cep_db):
    response = api(client, "06849000")
    assert response.status_code == 200
    assert response.json() == {
        "cep": "06849-000",
        "logradouro": "",
        "complemento": "",
        "bairro": "",
        "localidade": "Embu das Artes",
        "uf": "SP",
        "precisao": "cidade",
    }


@pytest.mark.parametrize(
    "cep",
    [
        "123",
        "abcdefgh",
        "01310-1000",
        "0131O100",
        "01310%20100x",
        "a/b",
        "%00",
        "%0A",
        "%FF%FE",
        "ç" * 30,
        "-" * 500,
    ],
)
def test_anything_but_a_cep_gets_400_with_a_message_in_portuguese(client, cep_db, cep):
    response = api(client, cep)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "erro": "cep_invalido",
        "mensagem": "CEP inválido: informe os 8 dígitos, como 01310-100.",
    }
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_cep_gets_404_with_a_message(client, cep_db):
    response = api(client, "69900-000")
    assert response.status_code == 404
    assert response.json() == {
        "erro": "cep_nao_encontrado",
        "mensagem": "Não encontramos o CEP 69900-000. Confira os números ou preencha o endereço.",
        "cep": "69900-000",
    }
    assert "max-age=3600" in response["Cache-Control"]


def test_messages_follow_the_browsers_language(client, cep_db):
    response = api(client, "69900-000", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        response.json()["mensagem"]
        == "We could not find CEP 69900-000. Check the digits or type the address."
    )


def test_without_a_database_the_api_answers_503_in_json_not_500(client, no_cep_db):
    response = api(client, "01310-100")
    assert response.status_code == 503
    assert response.json()["erro"] == "servico_indisponivel"
    assert response["Retry-After"] == "30"


def test_only_reads_are_allowed(client, cep_db):
    response = client.post("/api/cep/01310100/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head("/api/cep/01310100/").status_code == 200


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(client, cep_db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (3, settings.RATE_LIMITS["cep_api"][1])}
    statuses = [api(client, "01310-100").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = api(client, "01310-100")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.RATE_LIMITS["cep_api"][1]
    assert refused.json()["erro"] == "limite_excedido"
    assert refused.json()["mensagem"].startswith("Muitas consultas de CEP. Tente de novo em ")
    assert "no-store" in refused["Cache-Control"]
    # Invalid and unknown CEPs count too: scraping by guessing is what the limit is for.
    assert api(client, "123").status_code == 429
    # Another client is not punished for this one.
    assert api(client, "01310-100", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_limit_counts_in_the_shared_cache_so_every_app_instance_sees_it(
    client, cep_db, settings, fresh_cache
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (2, settings.RATE_LIMITS["cep_api"][1])}
    api(client, "01310-100")
    keys = [key for key in fresh_cache.keys("ratelimit:cep_api:*")]
    # The client's own counter, keyed on a hash of its address: no IP in clear in Redis.
    client_hash = hashlib.sha256(b"cep_api\x00127.0.0.1").hexdigest()[:32]
    assert len(keys) == 1 and client_hash in keys[0] and "127.0.0.1" not in keys[0]
    assert fresh_cache.get(keys[0]) == 1
    assert 0 < fresh_cache.ttl(keys[0]) <= settings.RATE_LIMITS["cep_api"][1] + 1


def test_a_forged_forwarded_for_does_not_escape_the_limit(client, cep_db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (1, settings.RATE_LIMITS["cep_api"][1])}
    settings.TRUSTED_PROXY_COUNT = 1  # one load balancer, which appends the address it saw
    assert api(client, "01310100", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.7").status_code == 200
    # Same real client (the balancer's last entry), a different forged first entry: still limited.
    assert api(client, "01310100", HTTP_X_FORWARDED_FOR="10.0.0.2, 198.51.100.7").status_code == 429
    assert api(client, "01310100", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_the_api_keeps_answering_when_redis_is_down(client, cep_db, settings):
    caches = dict(settings.CACHES)
    # A port nothing listens on, with short timeouts: the rate limit fails open, the lookup still works.
    caches["default"] = {**caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = caches
    response = api(client, "01310-100")
    assert response.status_code == 200
    assert response.json()["logradouro"] == "Avenida Paulista"


# --- the OpenAPI document and the docs page -------------------------------------------------------------


def test_the_openapi_document_describes_the_route_the_app_serves(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert list(document["paths"]) == ["/api/cep/{cep}/"]
    operation = document["paths"]["/api/cep/{cep}/"]["get"]
    assert set(operation["responses"]) == {"200", "304", "400", "404", "429", "503"}
    assert document == openapi_document()


def test_the_docs_page_explains_the_api_and_credits_the_data(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/cep/{cep}/" in html and "/api/openapi.json" in html
    assert "Limite: 60 consultas por endereço IP a cada 60 segundos." in html
    assert "CEP Aberto" in html and "Open Database License (ODbL) 1.0" in html
    assert "OCI PIZZA, Daniel Armbrust" in html and "CC BY 4.0" in html


def test_pages_obey_the_strict_content_security_policy(client, cep_db):
    for url in ("/api/docs/", "/cep/"):
        response = client.get(url)
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert " style=" not in html and "<style" not in html
        # Every script is a file of ours loaded by src, never inline code.
        for tag in re.findall(r"<script[^>]*>", html):
            assert re.search(r'src="/static/[^"]+\.js"', tag), tag
        for tag in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S):
            assert tag.strip() == ""
