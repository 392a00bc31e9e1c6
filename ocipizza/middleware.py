"""Turn an unreachable store or Redis into a friendly 503 page instead of a 500."""

import logging

from django.http import HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import RedisError

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
        logger.warning("answering 503, a backing service is down: %s", error)
        # Rendered without context processors: they may need the very service that is down.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
