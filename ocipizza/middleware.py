"""A friendly 503 page instead of a 500 when the store or Redis is unreachable, the CSRF token
written into cached HTML, the Permissions-Policy header, and a warning about an uncounted proxy."""

import logging

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from redis.exceptions import RedisError

from .fragments import csrf_hole
from .nosql import StoreUnavailable

logger = logging.getLogger(__name__)

try:  # django-redis wraps connection failures in its own exception
    from django_redis.exceptions import ConnectionInterrupted
except ImportError:  # pragma: no cover
    ConnectionInterrupted = RedisError

UNAVAILABLE = (StoreUnavailable, RedisError, ConnectionInterrupted)


class ServiceUnavailableMiddleware:
    """Placed early so it also catches session saves (Redis) that happen in the response phase."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except UNAVAILABLE as e:
            return self.unavailable(request, e)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return self.unavailable(request, exception)
        return None

    def unavailable(self, request, error):
        return unavailable_response(request, error)


def unavailable_response(request, error) -> HttpResponse:
    """The 503 page; for a checkout POST it carries the same form back, key included, so pressing its
    button again places the order at most once (the key makes the order id)."""
    logger.warning("answering 503, a backing service is down: %s", error)
    context = {}
    if request is not None and request.method == "POST" and _is_checkout(request):
        try:
            fields = [(name, value) for name, values in request.POST.lists() for value in values]
            context["retry_fields"] = fields
        except Exception:  # an unreadable body: the page still says what to do
            context["retry_fields"] = []
        context["retry_url"] = request.path
    # Rendered without context processors: they may need the very service that is down.
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = "30"
    return response


def _is_checkout(request) -> bool:
    try:
        return request.path == reverse("orders:checkout")
    except NoReverseMatch:
        return False


class CsrfHoleMiddleware:
    """Write the visitor's CSRF token into the holes that cached HTML keeps for it (``ocipizza.fragments``).

    Sits after CsrfViewMiddleware in MIDDLEWARE, so asking for the token here still lets that middleware
    set the CSRF cookie on the way out. Every copy of the marker is replaced: the marker is built so that
    no value a visitor sends can appear as it in the page (see ``ocipizza.fragments``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            hole = csrf_hole().encode()
            if hole in response.content:
                # The token is letters and digits only: it cannot break out of the attribute it fills.
                response.content = response.content.replace(hole, get_token(request).encode())
        return response


def permissions_policy_header(policy: dict[str, tuple[str, ...]]) -> str:
    """``{"camera": (), "clipboard-write": ("self",)}`` as ``camera=(), clipboard-write=(self)``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response (``settings.PERMISSIONS_POLICY``), which neither Django's
    SecurityMiddleware nor django-csp sends: a script that slipped in still cannot reach the camera."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class ProxyCountMiddleware:
    """Warn once per process when ``TRUSTED_PROXY_COUNT`` is 0 but requests carry X-Forwarded-For.

    Then a balancer sits in front that nobody told us about: every client has the balancer's address,
    so each per-IP rate limit is shared by the whole site. Unused once a proxy count is set.
    """

    warned = False

    def __init__(self, get_response):
        if settings.TRUSTED_PROXY_COUNT > 0:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if not ProxyCountMiddleware.warned and "HTTP_X_FORWARDED_FOR" in request.META:
            ProxyCountMiddleware.warned = True
            logger.warning(
                "Requests arrive with X-Forwarded-For but TRUSTED_PROXY_COUNT is 0: every client counts "
                "as %s in the per-IP rate limits. Set TRUSTED_PROXY_COUNT to the number of proxies in "
                "front of the app (1 behind one balancer).",
                request.META.get("REMOTE_ADDR"),
            )
        return self.get_response(request)
