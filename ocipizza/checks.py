"""System checks for settings a deployment gets wrong without noticing (``manage.py check --deploy``).

The store's own checks live in ``ocipizza/nosql/checks.py``.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Backends that never deliver: a customer would wait forever for a confirmation or reset link, and the
# console one would print those links, usable, into the logs.
UNDELIVERED_MAIL = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def check_proxy_count(app_configs=None, **kwargs):
    """Trusting X-Forwarded-Proto means a proxy is in front; then it also writes X-Forwarded-For."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.TRUSTED_PROXY_COUNT == 0:
        return [
            Warning(
                "SECURE_PROXY_SSL_HEADER says a proxy terminates HTTPS, but TRUSTED_PROXY_COUNT is 0: every "
                "client has the proxy's address, so each per-IP rate limit is shared by the whole site "
                "(30 wrong passwords from anyone lock everyone out of signing in).",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For "
                "(1 behind one load balancer or the nginx of deploy/nginx.conf).",
                id="ocipizza.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_mail_backend(app_configs=None, **kwargs):
    if settings.MAIL_DISPATCHER == "smtp" and settings.EMAIL_BACKEND in UNDELIVERED_MAIL:
        return [
            Error(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: e-mails (confirmation and password reset links) "
                "are never delivered, and the console backend writes usable links into the logs.",
                hint="Set EMAIL_URL to smtp://... or smtp+tls://..., or MAIL_DISPATCHER=oci_functions.",
                id="ocipizza.E001",
            )
        ]
    return []


@register(Tags.security)
def check_host_prefixed_cookies(app_configs=None, **kwargs):
    """Browsers drop a ``__Host-`` cookie that is not Secure, has a Domain or a Path other than /."""
    messages = []
    for kind in ("SESSION", "CSRF"):
        name = getattr(settings, f"{kind}_COOKIE_NAME")
        if not name.startswith("__Host-"):
            continue
        secure = getattr(settings, f"{kind}_COOKIE_SECURE")
        domain = getattr(settings, f"{kind}_COOKIE_DOMAIN")
        path = getattr(settings, f"{kind}_COOKIE_PATH")
        if not secure or domain or path != "/":
            messages.append(
                Error(
                    f"{kind}_COOKIE_NAME {name!r} needs {kind}_COOKIE_SECURE=True, no {kind}_COOKIE_DOMAIN "
                    f"and {kind}_COOKIE_PATH='/'; browsers refuse it otherwise.",
                    id="ocipizza.E002",
                )
            )
    return messages


@register(Tags.urls)
def check_no_language_prefixes(app_configs=None, **kwargs):
    """``ocipizza.locale.LocaleMiddleware`` skips the work for ``i18n_patterns``: keep it that way."""
    from django.urls import get_resolver
    from django.urls.resolvers import LocalePrefixPattern

    if "ocipizza.locale.LocaleMiddleware" not in settings.MIDDLEWARE:
        return []
    if any(isinstance(p.pattern, LocalePrefixPattern) for p in get_resolver().url_patterns):
        return [
            Error(
                "ocipizza.locale.LocaleMiddleware does not handle URLs under i18n_patterns",
                hint="Use django.middleware.locale.LocaleMiddleware in MIDDLEWARE instead.",
                id="ocipizza.E010",
            )
        ]
    return []
