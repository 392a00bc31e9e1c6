"""Django's LocaleMiddleware without the work for language-prefixed URLs, which this project has none of.

``django.middleware.locale.LocaleMiddleware`` looks for a language code at the start of the path twice
per request (a regex and a lookup each time) and asks twice whether the URLconf uses ``i18n_patterns``;
with no prefixed URLs the answer is always the same, and the language comes from the
``django_language`` cookie or Accept-Language alone. A system check keeps that promise true: a
URLconf that starts using ``i18n_patterns`` must go back to Django's middleware (``ocipizza.E010`` in
``ocipizza/checks.py``).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
