"""Small request helpers shared by the apps' views."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, fallback: str) -> str:
    """The ``next`` parameter (POST, else GET) if it leads back into this site, else ``fallback``.

    Anything else (another host, a scheme-relative ``//evil.example``, http from an https page) is an
    open redirect and is ignored.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
