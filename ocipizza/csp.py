"""django-csp's middleware with the policy built once per process instead of on every response.

``csp.middleware.CSPMiddleware`` rebuilds both headers (the policy and the report-only policy) from the
settings on every response: two ``dataclasses.asdict`` deep copies and a pass over every directive,
about a quarter of the CPU a request without a view costs here (profiled on ``/perf/hello``). Our policy
is the same for every response unless a view asks otherwise, so the common case reuses the string.

A response or request that changes the policy (``@csp_update``, ``@csp_replace``, ``@csp``, a nonce
asked for by a template) takes django-csp's own path, so every decorator and nonce keeps working. The
cache is dropped when a test changes the CSP settings.
"""

from __future__ import annotations

from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.core.signals import setting_changed
from django.dispatch import receiver

HEADER = "Content-Security-Policy"
HEADER_REPORT_ONLY = "Content-Security-Policy-Report-Only"

# What a response or request may carry to change the policy; any of them means "not the default".
_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)

_default_headers: list[tuple[str, str]] | None = None


def default_headers() -> list[tuple[str, str]]:
    """The headers of the settings' policy, with no decorator and no nonce, built on first use."""
    global _default_headers
    if _default_headers is None:
        from django.conf import settings

        headers = []
        policy = build_policy()
        if policy:
            headers.append((HEADER, policy))
        report_only = build_policy(report_only=True)
        if report_only:
            headers.append((HEADER_REPORT_ONLY, report_only))
        prefixes = [
            tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        ]
        if any(prefixes):
            headers = []  # excluded prefixes: leave it to django-csp's full path
        _default_headers = headers
    return _default_headers


@receiver(setting_changed)
def _forget_policy(setting, **kwargs):
    global _default_headers
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _default_headers = None


class CachedCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        headers = default_headers()
        if (
            not headers
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _OVERRIDES)
        ):
            return super().process_response(request, response)
        from django.conf import settings

        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for name, value in headers:
            if name not in response:
                response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a no-op.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
