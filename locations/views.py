"""The CEP API, its OpenAPI document and docs page, and the customers' "Consultar CEP" page."""

import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import conditional_page, require_http_methods, require_safe

from ocipizza.ratelimit import client_ip, rate_limit_hit_shared

from .exceptions import CEPDatabaseUnavailable, CEPError, CEPNotFound, InvalidCEP
from .forms import CEPConsultForm
from .openapi import RATE_LIMITED, openapi_document
from .selectors import cep_lookup

logger = logging.getLogger(__name__)

# Unknown CEPs may appear in the next rebuild: cache that answer for less time than a hit.
NOT_FOUND_MAX_AGE = 60 * 60
UNAVAILABLE_RETRY_AFTER = 30


def _json(data: dict, *, status: int = 200) -> JsonResponse:
    # ensure_ascii=False: "São Paulo" as UTF-8, the encoding JSON mandates, not as "S\u00e3o Paulo".
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(
    error: CEPError | None, *, status: int, code: str = "", message: str = "", **extra
) -> JsonResponse:
    body = {"erro": error.code if error else code, "mensagem": error.message if error else message, **extra}
    return _json(body, status=status)


# No CSRF check: the view never changes anything, and with it a POST would get a 403 instead of the 405
# that says which methods exist.
@csrf_exempt
@require_safe
@conditional_page  # an ETag from the body; If-None-Match answers 304 without sending it again
def cep_api(request, cep: str):
    """GET /api/cep/<cep>/: the address of a CEP as JSON (fields named like ViaCEP's)."""
    # Fails open: the lookup works without Redis, and its users should not lose it when Redis is down.
    # Shared: most lookups are granted from this process's share, without a Redis round trip.
    limit = rate_limit_hit_shared(scope="cep_api", key=client_ip(request), fail_open=True)
    if not limit.allowed:
        response = _error(
            None,
            status=429,
            code=RATE_LIMITED,
            message=ngettext(
                "Muitas consultas de CEP. Tente de novo em %(seconds)d segundo.",
                "Muitas consultas de CEP. Tente de novo em %(seconds)d segundos.",
                limit.retry_after,
            )
            % {"seconds": limit.retry_after},
        )
        response["Retry-After"] = str(limit.retry_after)
        patch_cache_control(response, no_store=True)
        return response
    try:
        address = cep_lookup(cep=cep)
    except CEPNotFound as e:
        response = _error(e, status=404, cep=e.cep)
        patch_cache_control(response, public=True, max_age=min(NOT_FOUND_MAX_AGE, settings.CEP_API_MAX_AGE))
        return response
    except CEPDatabaseUnavailable as e:
        logger.error("CEP API answering 503: %s", e)
        response = _error(e, status=503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        patch_cache_control(response, no_store=True)
        return response
    except CEPError as e:  # InvalidCEP
        response = _error(e, status=400)
        patch_cache_control(response, no_store=True)
        return response
    response = _json(address.as_dict())
    patch_cache_control(response, public=True, max_age=settings.CEP_API_MAX_AGE)
    return response


def _cep_path_template() -> str:
    # The route as OpenAPI writes it, derived from the URLconf so the two cannot drift apart.
    placeholder = "00000000"
    return reverse("locations:cep_api", kwargs={"cep": placeholder}).replace(placeholder, "{cep}")


@require_safe
def openapi_json(request):
    """The OpenAPI 3 document of the CEP API."""
    response = _json(openapi_document(cep_path=_cep_path_template()))
    patch_cache_control(response, public=True, max_age=60 * 60)
    return response


@require_safe
def api_docs(request):
    """The API described for people, from the same document the machines read; no JavaScript."""
    document = openapi_document(cep_path=_cep_path_template())
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "operation": operation,
                    "responses": sorted(operation["responses"].items()),
                }
            )
    return render(
        request,
        "locations/api_docs.html",
        {
            "document": document,
            "operations": operations,
            "example_path": reverse("locations:cep_api", kwargs={"cep": "01310-100"}),
            "invalid_path": reverse("locations:cep_api", kwargs={"cep": "1234"}),
            "invalid_body": json.dumps(
                {"erro": InvalidCEP.code, "mensagem": InvalidCEP().message}, ensure_ascii=False
            ),
            "rate_limit": settings.RATE_LIMITS["cep_api"][0],
            "rate_window": settings.RATE_LIMITS["cep_api"][1],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def cep_page(request):
    """ "Consultar CEP": the address form with autofill; without JavaScript "Buscar CEP" posts the form."""
    data = request.POST if request.method == "POST" else None
    form = CEPConsultForm(data, cep_limit_key=client_ip(request))
    # Never valid on its own: the only button is "Buscar CEP", which fills the form in (see AddressFormMixin).
    form.is_valid()
    status = 429 if form.cep_retry_after else 200
    response = render(request, "locations/cep.html", {"form": form}, status=status)
    if form.cep_retry_after:
        response["Retry-After"] = str(form.cep_retry_after)
    return response
