"""Health probes and the error pages."""

import logging
import sys
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from .middleware import UNAVAILABLE, unavailable_response
from .nosql import StoreUnavailable, store

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request):
    """The process is alive and answering; says nothing about the services behind it."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    """Ready to serve: the store can serve (every table there, writes possible) and the cache (Redis)
    answers; else 503 with what is wrong. For an orchestrator deciding whether to send traffic to a new
    instance and for monitoring; a balancer's health check belongs on /healthz, since a shared service
    down would make every instance unready at once (see the README's production section)."""
    checks = {}
    for name, probe in (("store", _store_ready), ("cache", _ping_cache)):
        try:
            probe()
            checks[name] = "ok"
        except UNAVAILABLE as e:
            logger.warning("readiness: %s unavailable: %s", name, e)
            checks[name] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


class _StoreReadiness:
    """The store's readiness, checked at most once per ``READYZ_STORE_CACHE_SECONDS`` per process: the
    full check lists tables (rate-limited on the cloud service) and takes the write lock of an embedded
    file, too much for every probe of every balancer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = None
        self.error = None

    def __call__(self):
        ttl = settings.READYZ_STORE_CACHE_SECONDS
        with self.lock:
            now = time.monotonic()
            if self.checked_at is None or now - self.checked_at >= ttl:
                try:
                    store.ready()
                    self.error = None
                except UNAVAILABLE as e:
                    self.error = e
                self.checked_at = now
            if self.error is not None:
                raise StoreUnavailable(str(self.error))


_store_ready = _StoreReadiness()


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
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        # Raised where no process_exception sees it (a middleware reading the session, a session save
        # on the way out): still the service's outage, not a bug.
        return unavailable_response(request, error)
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
