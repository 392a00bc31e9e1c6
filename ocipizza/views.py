"""Health probes and the error pages."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from .middleware import UNAVAILABLE
from .nosql import store

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request):
    """The process is alive and answering; says nothing about the services behind it."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    """Ready to serve: the store and the cache (Redis) both answer, else 503 so the balancer skips us."""
    checks = {}
    for name, probe in (("store", store.ping), ("cache", _ping_cache)):
        try:
            probe()
            checks[name] = "ok"
        except UNAVAILABLE as e:
            logger.warning("readiness: %s unavailable: %s", name, e)
            checks[name] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


def perf_hello(request):
    """Hello world through the whole middleware stack; routed only when settings.PERF_HELLO_VIEW is on."""
    return HttpResponse(b"Hello, world", content_type="text/plain")


def _ping_cache():
    cache.get("readyz-probe")


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: whatever broke may be what a context processor needs.
    return render(None, "500.html", status=500)


@require_GET
def media(request, path):
    """Local photo files (STORAGE_BACKEND=local). Read MEDIA_ROOT per request so tests can move it."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    # Names carry a content hash, so a photo never changes under its URL.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def csrf_failure(request, reason=""):
    """A form sent without its security token (an old tab, blocked cookies): say what to do, in pt-BR."""
    return render(request, "403_csrf.html", status=403)
