"""Menu search as customers type it: without accents, in any case, with the usual spellings.

Both the query and each item's name and description go through ``normalize``: folded (lower case, no
accents), split into words, each word mapped to one spelling by ``SPELLINGS``. An item matches when
every word of the query is found in its text, so "pizza de calabreza" finds the Calabresa and "coca"
finds the drinks whose description says "Cola".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .entities import MenuItem

# Other spellings -> the menu's own. Keys and values are folded (no accents, lower case).
SPELLINGS: dict[str, str] = {
    # cheese
    "mucarela": "mussarela",
    "muzarela": "mussarela",
    "mussarella": "mussarela",
    "mozarela": "mussarela",
    "mozzarela": "mussarela",
    "mozarella": "mussarela",
    "mozzarella": "mussarela",
    "muzzarela": "mussarela",
    "muzzarella": "mussarela",
    "catupiri": "catupiry",
    "requeijao": "catupiry",
    # pizzas
    "calabreza": "calabresa",
    "calabrese": "calabresa",
    "margherita": "marguerita",
    "margarita": "marguerita",
    "margueritta": "marguerita",
    "pepperoni": "peperone",
    "peperoni": "peperone",
    "pepperone": "peperone",
    "pepironi": "peperone",
    "portugueza": "portuguesa",
    "lombo": "lombinho",
    "abobrinhas": "abobrinha",
    # drinks
    "coca": "cola",
    "refri": "refrigerante",
    "refris": "refrigerante",
    "refrigerantes": "refrigerante",
    "sucos": "suco",
    "aguas": "agua",
    "latinha": "lata",
}
# Names of more than one word, joined before the words are split ("coca-cola", "coca cola").
PHRASES: dict[str, str] = {
    r"coca[\s-]*cola": "cola",
    r"hot[\s-]*dog": "hotdog",
    r"cachorro[\s-]*quente": "hotdog",
}
# Words that only make a query longer: "pizza de calabresa" means "calabresa".
FILLER = frozenset({"pizza", "pizzas", "de", "da", "do", "das", "dos", "com", "e", "a", "o", "sabor"})

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: "Água" and "agua" are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> list[str]:
    """The words of ``text``, folded and in the menu's spelling ("Coca-Cola" -> ["cola"])."""
    folded = fold(text)
    for pattern, word in PHRASES.items():
        folded = re.sub(pattern, word, folded)
    return [SPELLINGS.get(word, word) for word in _WORD.findall(folded)]


def query_words(query: str) -> list[str]:
    """The words a query asks for; fillers dropped unless they are all it has."""
    words = normalize(query)
    meaningful = [word for word in words if word not in FILLER]
    return meaningful or words


def item_text(item: MenuItem) -> str:
    return " ".join(normalize(f"{item.name} {item.description}"))


def matches(item: MenuItem, words: Iterable[str]) -> bool:
    text = item_text(item)
    return all(word in text for word in words)
