"""Static files: whitenoise's compressed storage with content-hashed names, each URL worked out once.

Every page asks for its stylesheets, icons and scripts with ``{% static %}``. The manifest storage
answers each call by unquoting and parsing the name, looking it up in the manifest and joining the
result to STATIC_URL: some 20 µs a call, four to six calls a page. The manifest is read once, when the
storage is built, and does not change while the process runs, so neither do the answers. Django builds
a new storage (with an empty memo) when a test changes STATIC_URL or STORAGES.
"""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

URLS_REMEMBERED = 1024  # far more than the project has static files; names come from our templates


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        if settings.DEBUG and not force:
            return super().url(name, force)  # unhashed names: files come and go while developing
        key = (name, force)
        found = self._urls.get(key)
        if found is None:
            # A name missing from the manifest raises here, and nothing is remembered.
            found = super().url(name, force)
            if len(self._urls) < URLS_REMEMBERED:
                self._urls[key] = found
        return found
