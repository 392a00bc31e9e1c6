"""Finding customers by a part of their name, e-mail or phone without reading every customer.

Each customer has a handful of search tokens (rows of the ``user.search_token`` child table, written by
the repositories together with the customer's row): the words of the name folded to lower case without
accents (``w:joao``), the e-mail's unique key (``e:joao@example.com``) and the phone's digits with and
without the DDD (``p:11987654321``, ``p:987654321``). A search is a range on one token prefix, which
Oracle NoSQL answers from ``idx_user_search_token``; the rows carry what a result line shows, so a search
costs one query (a page or two more when one word is shared by many customers) and no row per customer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .entities import Customer
from .normalize import email_key

WORD = "w:"
EMAIL = "e:"
PHONE = "p:"

MAX_QUERY = 100  # characters a search may have
MIN_NAME = 2  # letters of a name part
MIN_PHONE = 4  # digits of a phone part
MAX_NAME_WORDS = 8  # words of a name that become tokens (write_many takes 50 operations)

_SEPARATORS = re.compile(r"[^\w]+")
_PHONE_QUERY = re.compile(r"\+?[\d\s().-]+")


class SearchQueryInvalid(ValueError):
    """A search that cannot be run; the message says what to type instead (pt-BR)."""

    @property
    def message(self) -> str:
        return str(self)


def fold(text: str) -> str:
    """Lower case without accents: "JOÃO Conceição" -> "joao conceicao" (so "joao" finds "João")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_words(name: str) -> list[str]:
    """The folded words of a name, in order, without repeats."""
    words: list[str] = []
    for word in _SEPARATORS.split(fold(name)):
        word = word.replace("_", "")
        if word and word not in words:
            words.append(word)
    return words


def phone_digits(e164: str) -> tuple[str, ...]:
    """The national number (DDD + number) and the number alone, as staff read them off a phone."""
    digits = re.sub(r"\D", "", e164 or "")
    if digits.startswith("55") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < MIN_PHONE:
        return ()
    return (digits, digits[2:]) if len(digits) == 11 else (digits,)


def search_tokens(customer: Customer) -> frozenset[str]:
    """Every token that should find ``customer``."""
    tokens = {WORD + word for word in name_words(customer.name)[:MAX_NAME_WORDS]}
    if customer.email:
        tokens.add(EMAIL + email_key(customer.email))
    tokens.update(PHONE + digits for digits in phone_digits(customer.telephone))
    return frozenset(tokens)


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: the token prefix to range over and, for names, every word that must match."""

    kind: str  # "name", "email" or "phone"
    prefix: str
    words: tuple[str, ...] = ()
    email: str = ""  # a whole address, looked up exactly through the e-mail claim first

    def upper_bound(self) -> str:
        """The smallest string above every string that starts with ``prefix``."""
        return self.prefix[:-1] + chr(ord(self.prefix[-1]) + 1)

    def matches_name(self, name: str) -> bool:
        """Every word typed starts some word of ``name`` ("mar sou" matches "Maria de Souza")."""
        own = name_words(name)
        return all(any(word.startswith(part) for word in own) for part in self.words)


def search_query_parse(text: str) -> SearchQuery:
    """What to look for, or ``SearchQueryInvalid`` saying why not.

    With "@" it is an e-mail (or its beginning); digits with the punctuation of phone numbers are a phone
    ("(11) 98765-4321", "11987654321", "+55 11 9876"); anything else is a name or part of one.
    """
    text = " ".join((text or "").split())
    if not text:
        raise SearchQueryInvalid(_("Digite um nome, e-mail ou telefone para buscar."))
    if len(text) > MAX_QUERY:
        raise SearchQueryInvalid(_("A busca pode ter até %(limit)d caracteres.") % {"limit": MAX_QUERY})
    if "@" in text:
        key = email_key(text.replace(" ", ""))
        local, _at, domain = key.rpartition("@")
        whole = key if local and "." in domain.strip(".") else ""
        return SearchQuery("email", EMAIL + key, email=whole)
    if _PHONE_QUERY.fullmatch(text) and any(c.isdigit() for c in text):
        digits = re.sub(r"\D", "", text)
        if text.startswith("+"):
            if not digits.startswith("55"):
                raise SearchQueryInvalid(_("Só temos clientes com celular do Brasil (+55)."))
            digits = digits[2:]
        elif digits.startswith("55") and len(digits) > 11:
            digits = digits[2:]
        digits = digits.lstrip("0")  # the trunk prefix: "011 98765-4321"; no DDD starts with 0
        if len(digits) < MIN_PHONE:
            raise SearchQueryInvalid(
                _("Digite pelo menos %(count)d dígitos do telefone.") % {"count": MIN_PHONE}
            )
        return SearchQuery("phone", PHONE + digits)
    words = tuple(name_words(text))
    if not words or max(len(word) for word in words) < MIN_NAME:
        raise SearchQueryInvalid(_("Digite pelo menos %(count)d letras do nome.") % {"count": MIN_NAME})
    # The longest word is the likeliest to be rare, so its range reads the fewest rows.
    longest = max(words, key=len)
    return SearchQuery("name", WORD + longest, words=words)
