"""Django's LocaleMiddleware without the work for language-prefixed URLs, which this project has none of.

``django.middleware.locale.LocaleMiddleware`` looks for a language code at the start of the path twice
per request (a regex and a lookup each time) and asks twice whether the URLconf uses ``i18n_patterns``;
with no prefixed URLs the answer is always the same, and the language comes from the
``django_language`` cookie or Accept-Language alone. A system check keeps that promise true: a
URLconf that starts using ``i18n_patterns`` must go back to Django's middleware (``ocipizza.E010`` in
``ocipizza/checks.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware:
    # The language follows from two strings a browser sends the same on every request, so each pair is
    # worked out once per process. Bounded: emptied when full, and long values (only a client making
    # them up sends those) are never kept.
    CACHE_SIZE = 512
    LONGEST_KEPT = 200

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages: dict[tuple[str | None, str | None], str] = {}
        setting_changed.connect(self.forget)  # weakly: test clients build many middleware chains

    def forget(self, **kwargs) -> None:
        self.languages = {}

    def __call__(self, request):
        asked = (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME), request.META.get("HTTP_ACCEPT_LANGUAGE"))
        language = self.languages.get(asked)
        if language is None:
            language = translation.get_language_from_request(request, check_path=False)
            if sum(len(part or "") for part in asked) <= self.LONGEST_KEPT:
                if len(self.languages) >= self.CACHE_SIZE:
                    self.languages = {}
                self.languages[asked] = language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
