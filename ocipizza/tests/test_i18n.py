"""Every text a customer or a manager reads has its English translation, and pages switch language."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def msgids(po: Path) -> list[str]:
    """The msgids of a .po file (a small reader: strings may continue over several quoted lines)."""
    ids, current, reading = [], [], False
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current, reading = [line[6:]], True
        elif reading and line.startswith('"'):
            current.append(line)
        else:
            if reading:
                ids.append("".join(json_string(part) for part in current))
            reading = False
    return [i for i in ids if i]


def json_string(quoted: str) -> str:
    return quoted.strip()[1:-1].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def test_every_message_has_an_english_translation():
    compiled = gettext.GNUTranslations((CATALOGUE / "django.mo").open("rb"))
    untranslated = [
        m
        for m in msgids(CATALOGUE / "django.po")
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
    extracted = polib_entries(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    missing = sorted(m for m, translated in extracted.items() if not translated)
    assert missing == [], "run makemessages -l en and translate these in locale/en/LC_MESSAGES/django.po"


def polib_entries(po: Path) -> dict[str, bool]:
    """msgid -> whether it has a translation that is not fuzzy (the catalogue merged with the code)."""
    entries, current, state = {}, {}, None
    fuzzy = False
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgid_plural ", "msgstr")):
            state = line.split(" ", 1)[0]
            current.setdefault(state, []).append(line.split(" ", 1)[1])
        elif line.startswith('"') and state:
            current[state].append(line)
        elif not line.strip():
            if current.get("msgid"):
                msgid = "".join(json_string(part) for part in current["msgid"])
                strings = [
                    "".join(json_string(part) for part in parts)
                    for key, parts in current.items()
                    if key.startswith("msgstr")
                ]
                if msgid:
                    entries[msgid] = not fuzzy and all(strings)
            current, state, fuzzy = {}, None, False
    return entries
