"""Every text a customer or a manager reads has its English translation, and pages switch language."""

import gettext
import re
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
