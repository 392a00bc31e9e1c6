"""Cookies: flash messages live in the session (no cookie of their own), and production names the session
and CSRF cookies with the __Host- prefix (Secure, Path=/, no Domain)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import post

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_flash_message_sets_no_cookie_and_still_reaches_the_cached_menu(shop, logged_in_client, client):
    client.get("/")  # a plain visitor warms the whole-page cache of the menu
    response = post(logged_in_client, "/conta/sair/")
    assert response.status_code == 302
    assert "messages" not in response.cookies
    page = logged_in_client.get("/")
    assert "Você saiu da sua conta." in page.content.decode()
    assert "Você saiu da sua conta." not in logged_in_client.get("/").content.decode()  # shown once


def test_production_cookies_carry_the_host_prefix(tmp_path):
    script = textwrap.dedent(
        """
        import io
        import django
        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        # The embedded store is created by nosql_migrate only, never by a request.
        call_command("nosql_migrate", stdout=io.StringIO())
        # A fresh checkout has run no collectstatic: plain static URLs, so the page renders without
        # the manifest (the cookies are what this checks).
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        from django.test import Client
        response = Client().get("/conta/entrar/", secure=True)
        cookie = response.cookies["__Host-csrftoken"]
        print(response.status_code, cookie["secure"], cookie["path"], repr(cookie["domain"]))
        from django.conf import settings
        print(settings.SESSION_COOKIE_NAME)
        """
    )
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ocipizza.settings.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "production-like-secret-key-0123456789",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "OCIPIZZA_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_URL": "smtp://localhost:25",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["200 True / ''", "__Host-sessionid"]
