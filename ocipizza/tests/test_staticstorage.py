"""The static files storage: the hashed names whitenoise's storage gives, each worked out once."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from ocipizza.staticstorage import StaticFilesStorage


@pytest.fixture
def collected(tmp_path):
    source, root = tmp_path / "source", tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text("body { color: #222; }\n")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "ocipizza.staticstorage.StaticFilesStorage"},
    }
    with override_settings(
        STATICFILES_DIRS=[source], STATIC_ROOT=root, STATIC_URL="/static/", STORAGES=storages, DEBUG=False
    ):
        call_command("collectstatic", "--no-input", verbosity=0)
        yield root


def test_gives_the_hashed_url_once_per_name(collected, monkeypatch):
    storage = StaticFilesStorage()
    looked_up = []
    lookup = storage.stored_name
    monkeypatch.setattr(storage, "stored_name", lambda name: looked_up.append(name) or lookup(name))

    first = storage.url("css/site.css")
    again = storage.url("css/site.css")

    hashed = [p.name for p in (collected / "css").iterdir() if p.suffix == ".css" and p.stem != "site"]
    assert first == again == f"/static/css/{hashed[0]}"
    assert looked_up == ["css/site.css"]  # the manifest was asked once


def test_a_name_missing_from_the_manifest_fails_every_time(collected):
    storage = StaticFilesStorage()
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_debug_serves_the_plain_name(collected):
    storage = StaticFilesStorage()
    with override_settings(DEBUG=True):
        assert storage.url("css/site.css") == "/static/css/site.css"
    assert storage.url("css/site.css") != "/static/css/site.css"  # and remembers nothing of it
