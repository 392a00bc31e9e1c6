"""Every text a customer or a manager reads has its English translation, and pages switch language."""

import contextlib
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.translation import trans_real

from ocipizza.fragments import FRAGMENTS_CACHE

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def json_string(quoted: str) -> str:
    return quoted.strip()[1:-1].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def test_every_message_has_an_english_translation():
    compiled = gettext.GNUTranslations((CATALOGUE / "django.mo").open("rb"))
    untranslated = [
        m
        for m in po_entries(CATALOGUE / "django.po")
        if m not in compiled._catalog and (m, 0) not in compiled._catalog
    ]
    assert untranslated == []


def test_pages_switch_to_english(shop):
    client = Client(headers={"accept-language": "en"})
    html = client.get("/").content.decode()
    assert "Our menu" in html and "Sold out" not in html and "Add" in html
    html = client.get("/carrinho/").content.decode()
    assert "Your cart is empty." in html
    html = client.get("/conta/entrar/").content.decode()
    assert '<html lang="en">' in html and re.search(r"<h1[^>]*>\s*Log in\s*</h1>", html)
    assert "Entrar" not in html and "Criar conta" not in html


# What makemessages reads: the project's code and templates, as the catalogue was made.
SOURCES = (
    *("manage.py", "ocipizza", "accounts", "menu", "orders", "backoffice", "locations"),
    *("templates", "locale"),
)
IGNORED = ("*/tests/*", "tests/*", "emulators/*", "functions/*", "perf/*", ".venv/*")


def test_every_translatable_string_is_in_the_english_catalogue(tmp_path):
    """makemessages on a copy of the code finds no msgid the catalogue lacks, and none untranslated:
    a new pt-BR text without its English twin fails here, not on an English page."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    command = [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"]
    for pattern in IGNORED:
        command += ["-i", pattern]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ocipizza.settings.test"}
    result = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    extracted = po_entries(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    missing = sorted(m for m, entry in extracted.items() if not entry.translated)
    assert missing == [], "run makemessages -l en and translate these in locale/en/LC_MESSAGES/django.po"


# The pt-BR catalogues of the project's own strings, each msgstr its msgid: lookups hit the merged
# catalogue instead of walking Django's 'pt' fallbacks (management command sync_source_catalogue).
SYNC = "run python manage.py sync_source_catalogue"
LOCALE_DIRS = (Path(settings.BASE_DIR) / "locale", Path(settings.BASE_DIR) / "locations" / "locale")


@dataclass(frozen=True)
class PoEntry:
    plural: str | None  # msgid_plural; None for a singular entry
    translated: bool  # every msgstr filled, and not fuzzy


def po_entries(po: Path) -> dict[str, PoEntry]:
    """msgid -> its entry, active entries only (a small reader: strings may continue over several
    quoted lines; comments, blank lines and the next msgid end an entry)."""
    entries, current, state, fuzzy = {}, {}, None, False
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith(("msgid ", "msgid_plural ", "msgstr")):
            state = line.split(" ", 1)[0]
            current.setdefault(state, []).append(line.split(" ", 1)[1])
        elif line.startswith('"') and state:
            current[state].append(line)
        elif not line.strip() or line.startswith("#"):
            if current.get("msgid"):
                msgid, plural = (
                    "".join(json_string(part) for part in current[key]) if key in current else None
                    for key in ("msgid", "msgid_plural")
                )
                strings = [
                    "".join(json_string(part) for part in parts)
                    for key, parts in current.items()
                    if key.startswith("msgstr")
                ]
                if msgid:
                    entries[msgid] = PoEntry(plural, not fuzzy and all(strings))
                current, state, fuzzy = {}, None, False
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
    return entries


def po_pairs(po: Path) -> dict[str, str | None]:
    """msgid -> msgid_plural (None for a singular entry), active entries only."""
    return {msgid: entry.plural for msgid, entry in po_entries(po).items()}


def test_pt_br_catalogues_translate_every_project_string_to_itself():
    for folder in LOCALE_DIRS:
        english = po_pairs(folder / "en" / "LC_MESSAGES" / "django.po")
        source = folder / "pt_BR" / "LC_MESSAGES"
        assert (source / "django.po").is_file() and (source / "django.mo").is_file(), SYNC
        assert po_pairs(source / "django.po") == english, SYNC
        compiled = gettext.GNUTranslations((source / "django.mo").open("rb"))
        expected = {}
        for msgid, plural in english.items():
            if plural is None:
                expected[msgid] = msgid
            else:
                expected[(msgid, 0)], expected[(msgid, 1)] = msgid, plural
        assert {k: v for k, v in compiled._catalog.items() if k != ""} == expected, SYNC
        # n=0 is plural in pt-BR text as gettext picks it for an unknown string (Django's own pt_BR
        # catalogue says otherwise: its rule would turn "0 pedidos" into "0 pedido").
        assert compiled.plural(0) == 1 and compiled.plural(1) == 0 and compiled.plural(2) == 1


@contextlib.contextmanager
def without_project_pt_br():
    """pt-BR as it was before the project had pt_BR catalogues: Django's and its apps' only."""
    ours = {str(folder) for folder in LOCALE_DIRS}
    original = trans_real.DjangoTranslation._new_gnu_trans

    def skip_ours(self, localedir, use_null_fallback=True):
        if str(localedir) in ours and self._DjangoTranslation__locale == "pt_BR":
            return gettext.NullTranslations()
        return original(self, localedir, use_null_fallback)

    trans_real._translations.clear()
    trans_real.DjangoTranslation._new_gnu_trans = skip_ours
    try:
        yield
    finally:
        trans_real.DjangoTranslation._new_gnu_trans = original
        trans_real._translations.clear()


def test_every_project_string_reads_as_before_and_hits_the_catalogue():
    strings = {}
    for folder in LOCALE_DIRS:
        strings.update(po_pairs(folder / "en" / "LC_MESSAGES" / "django.po"))

    def read(translation):
        return {
            msgid: translation.gettext(msgid)
            if plural is None
            else tuple(translation.ngettext(msgid, plural, n) for n in (0, 1, 2))
            for msgid, plural in strings.items()
        }

    with without_project_pt_br():
        before = trans_real.DjangoTranslation("pt-br")
    after = trans_real.DjangoTranslation("pt-br")
    assert not any(m in before._catalog or (m, 0) in before._catalog for m in strings)
    assert read(after) == read(before)
    for msgid, plural in strings.items():
        if plural is not None:
            assert read(after)[msgid] == (plural, msgid, plural)
    missed = [m for m, plural in strings.items() if (m if plural is None else (m, 0)) not in after._catalog]
    assert missed == [], SYNC


PAGES = ("/", "/carrinho/", "/conta/entrar/", "/conta/cadastro/")


def rendered(language: str) -> dict[str, str]:
    caches[FRAGMENTS_CACHE].clear()  # pieces rendered by the other run would hide a difference
    client = Client(headers={"accept-language": language})
    pages = {}
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        # Per-request values (CSRF tokens, CSP nonces) differ between any two responses.
        html = re.sub(r'(csrfmiddlewaretoken" value=|nonce=)"[^"]*"', r"\1", response.content.decode())
        pages[url] = html
    return pages


def test_pages_read_the_same_with_the_pt_br_catalogues(shop):
    pages = {}
    for language in ("pt-br", "en"):
        with without_project_pt_br():
            before = rendered(language)
        pages[language] = rendered(language)
        assert pages[language] == before, language
    assert '<html lang="pt-br">' in pages["pt-br"]["/"] and "Nosso cardápio" in pages["pt-br"]["/"]
    assert "Our menu" in pages["en"]["/"] and "Nosso cardápio" not in pages["en"]["/"]


def test_the_pt_br_catalogues_are_what_the_command_writes(tmp_path):
    """Generated, not edited: the command run on a copy of the code rewrites them byte for byte."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "pt_BR"))
        else:
            shutil.copy2(source, tmp_path / name)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ocipizza.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "sync_source_catalogue"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "[1/2] locale/en/LC_MESSAGES/django.po" in result.stdout
    for folder in LOCALE_DIRS:
        for name in ("django.po", "django.mo"):
            written = tmp_path / folder.relative_to(root) / "pt_BR" / "LC_MESSAGES" / name
            assert written.read_bytes() == (folder / "pt_BR" / "LC_MESSAGES" / name).read_bytes(), SYNC


def test_the_command_says_what_to_install_without_msgfmt(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match=r"msgfmt not found: install GNU gettext \(apt-get"):
        call_command("sync_source_catalogue")


def test_the_source_catalogue_command_touches_only_the_projects_catalogues():
    """The virtualenv lives inside the checkout (.venv/): Django's own catalogues there are not ours."""
    import sys

    from ocipizza.management.commands.sync_source_catalogue import locale_folders

    root = Path(settings.BASE_DIR).resolve()
    folders = {folder.resolve() for folder in locale_folders()}
    assert folders == {root / "locale", root / "locations" / "locale"}
    assert not any(folder.is_relative_to(Path(sys.prefix).resolve()) for folder in folders)
