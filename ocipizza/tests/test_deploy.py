"""What ships for production: the compose file, the image's build context, .env.example and the deploy
checks that the production settings pass with it."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
FAIL = ("--fail-level", "WARNING")


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def deploy_check(tmp_path, **overrides) -> subprocess.CompletedProcess:
    """`check --deploy` of the production settings with .env.example's values (plus a real secret, which
    the example leaves empty on purpose), as an operator would run it."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **env_example(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "NOSQL_BACKEND": "oracle",
        "OCIPIZZA_VAR_DIR": str(tmp_path / "var"),
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--settings=ocipizza.settings.production", *FAIL],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_the_example_values(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"TRUSTED_PROXY_COUNT": "0"}, "ocipizza.W001"),
        ({"EMAIL_URL": "consolemail://"}, "ocipizza.E001"),
    ],
)
def test_check_deploy_refuses_a_shared_client_address_and_the_console_mail(tmp_path, overrides, check_id):
    result = deploy_check(tmp_path, **overrides)
    assert result.returncode != 0 and check_id in result.stderr


def test_the_console_mail_passes_with_the_functions_dispatcher(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.MAIL_DISPATCHER = "oci_functions"
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "ocipizza.E001"]
    settings.MAIL_DISPATCHER = "smtp"
    assert [m.id for m in run_checks(include_deployment_checks=True) if m.id == "ocipizza.E001"] == [
        "ocipizza.E001"
    ]


def test_a_host_prefixed_cookie_must_be_secure_without_domain(settings):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.SESSION_COOKIE_SECURE = False
    assert "ocipizza.E002" in [m.id for m in run_checks()]
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_DOMAIN = ".ocipizza.com.br"
    assert "ocipizza.E002" in [m.id for m in run_checks()]
    settings.SESSION_COOKIE_DOMAIN = None
    assert "ocipizza.E002" not in [m.id for m in run_checks()]


def test_compose_pins_production_settings_and_the_balancer_as_one_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    balancer = compose["services"]["balancer"]
    assert "./deploy/nginx.conf:/etc/nginx/templates/default.conf.template:ro" in balancer["volumes"]
    # Every ${OCIPIZZA_...} of the template is given to the image that fills it in.
    assert set(re.findall(r"\$\{(OCIPIZZA_\w+)\}", nginx)) == set(balancer["environment"])
    for name in ("init", "web1", "web2", "mailer"):
        environment = compose["services"][name]["environment"]
        # `environment` wins over `env_file`: an .env with development settings cannot override these.
        assert environment["DJANGO_SETTINGS_MODULE"] == "ocipizza.settings.production", name
        assert environment["TRUSTED_PROXY_COUNT"] == "1", name
    # Long-running services come back after a crash (the mail sender too); the one-shot setup does not.
    for name, service in compose["services"].items():
        assert service["restart"] == ("no" if name == "init" else "unless-stopped"), name


def test_the_balancer_takes_an_instance_out_for_its_own_failures_only():
    """A 503 is the app's answer when a service every instance shares is down: counted as an instance
    failure, it took every instance out at once (issue 15, finding 2)."""
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    (next_upstream,) = re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", nginx, re.M)
    assert set(next_upstream.split()) == {"error", "timeout"}
    servers = re.findall(r"^[ \t]*server[ \t]+\S+([^;{]*);", nginx, re.M)
    assert len(servers) == 2 and all("max_fails=2" in s and "fail_timeout=5s" in s for s in servers)
    # The checkout's own page when no instance answered: press the button again.
    assert "/502-checkout.html;" in nginx


def test_compose_file_is_valid(tmp_path):
    compose = shutil.which("docker-compose")
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        command = [docker, "compose"]
    elif compose:
        command = [compose]
    else:
        pytest.skip("neither `docker compose` nor docker-compose is installed (scripts/test.sh installs it)")
    # In a copy of its own folder: the compose file reads .env, which a checkout does not have.
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [*command, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_env_example_is_safe_for_production():
    values = env_example()
    assert values["DJANGO_SETTINGS_MODULE"] == "ocipizza.settings.production"
    assert values["DJANGO_SECRET_KEY"] == ""  # no default secret production would accept
    assert values["DJANGO_DEBUG"] == "false"
    assert values["TRUSTED_PROXY_COUNT"] == "1"
    assert not values["EMAIL_URL"].startswith(("consolemail", "dummymail"))


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, enough for these patterns: the last matching line wins, ``!`` re-includes, and a
    pattern that matches a folder excludes everything in it."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_the_image_leaves_out_secrets_local_data_and_environments():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (
        ".git/HEAD",
        ".env",
        ".env.production",
        "var/db.sqlite3",
        "var/media/menu/x.jpg",
        ".venv/bin/python",
        "test-artifacts/menu.png",
        "staticfiles/css/site.css",
        "accounts/__pycache__/views.cpython-311.pyc",
        ".pytest_cache/v/cache",
        ".hypothesis/examples/x",
        "nosql.sqlite3",
    ):
        assert _dockerignored(path, patterns), path
    for path in (
        "manage.py",
        "requirements.txt",
        "gunicorn.conf.py",
        ".env.example",
        "ocipizza/db/sqlite3/base.py",
    ):
        assert not _dockerignored(path, patterns), path
    for path in ("static/css/site.css", "data/menu/menu.json", "locale/en/LC_MESSAGES/django.po"):
        assert not _dockerignored(path, patterns), path
