"""CEPs and place names as people write them, turned into one canonical form.

Pure functions, no Django or database: the builder uses them once per name at build time, so the
lookup itself never re-cases anything.
"""

from __future__ import annotations

import re
import unicodedata

from .exceptions import InvalidCEP

# "01310-100", "01310100", " 01310 100 ", "01.310-100" (the dotted form is still printed on old mail).
# re.ASCII: other scripts' digits ("０１３１０１００") are not CEPs.
_CEP = re.compile(r"\s*(\d{2})\.?(\d{3})[\s-]?(\d{3})\s*", re.ASCII)
# Longer input is rejected before the regex runs: nobody types a CEP in 40 characters.
_CEP_MAX_INPUT = 40


def cep_normalize(value: object) -> str:
    """The 8 digits of a CEP typed any usual way; raises InvalidCEP for anything else."""
    if not isinstance(value, str) or len(value) > _CEP_MAX_INPUT:
        raise InvalidCEP(value)
    match = _CEP.fullmatch(value)
    if match is None:
        raise InvalidCEP(value)
    return "".join(match.groups())


def cep_format(digits: str) -> str:
    """ "01310100" -> "01310-100", the way the Correios print it."""
    return f"{digits[:5]}-{digits[5:]}"


# Portuguese particles stay lower case inside a name ("Embu das Artes", "Abreu e Lima").
_PARTICLES = frozenset(
    {"de", "da", "do", "das", "dos", "e", "del", "di", "du", "na", "no", "nas", "nos", "em"}
)
# Roman numerals up to 39 ("Pedro II"); the only ones place names use.
_ROMAN = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")
_APOSTROPHES = str.maketrans({"’": "'", "´": "'", "`": "'"})
# Official spellings the rules above would get wrong.
_EXCEPTIONS = {"xangri-lá": "Xangri-lá"}


def _capitalize(part: str) -> str:
    # The first letter, not the first character: "(ribeirão" -> "(Ribeirão".
    for index, char in enumerate(part):
        if char.isalpha():
            return part[:index] + char.upper() + part[index + 1 :]
    return part


def _title_part(part: str, first: bool) -> str:
    if part.startswith("d'") and len(part) > 2:
        # "d'oeste" -> "d'Oeste" inside a name, "D'Oeste" if a name ever starts with it.
        return ("D'" if first else "d'") + _capitalize(part[2:])
    if not first and part in _PARTICLES:
        return part
    if _ROMAN.fullmatch(part):
        return part.upper()
    return _capitalize(part)


def name_title(text: str) -> str:
    """A place name cased the Brazilian way, whatever its input case.

    "são paulo" -> "São Paulo", "santa bárbara d'oeste" -> "Santa Bárbara d'Oeste",
    "embu das artes" -> "Embu das Artes", "não-me-toque" -> "Não-Me-Toque", "pedro ii" -> "Pedro II".
    """
    lowered = " ".join(text.translate(_APOSTROPHES).split()).lower()
    if lowered in _EXCEPTIONS:
        return _EXCEPTIONS[lowered]
    words = []
    for word_index, word in enumerate(lowered.split(" ")):
        parts = word.split("-")
        words.append("-".join(_title_part(part, word_index == 0 and i == 0) for i, part in enumerate(parts)))
    return " ".join(words)


_CAPITAL_PARTICLE = re.compile(r"(?<=\s)(Da|De|Do|Das|Dos)(?=\s)")
_CAPITAL_D_APOSTROPHE = re.compile(r"(?<=[\s-])D'(\w)")


def name_tidy(text: str) -> str:
    """Street and neighbourhood names: already cased by their source, only its slips are fixed.

    Unlike city names they carry acronyms that must survive ("SGAN 605", "Rodovia BR-101"), so this
    only lower-cases capitalised particles ("Rua Da Costa" -> "Rua da Costa"), writes "d'" the
    Portuguese way ("Caixa D'água" -> "Caixa d'Água"), and fully cases names typed all in lower case.
    "E" is left alone: "Rua E" is a street.
    """
    tidy = " ".join(text.translate(_APOSTROPHES).split())
    if not tidy:
        return tidy
    if tidy == tidy.lower():
        return name_title(tidy)
    if " D" in tidy or "-D" in tidy:
        tidy = _CAPITAL_PARTICLE.sub(lambda m: m.group(1).lower(), tidy)
        tidy = _CAPITAL_D_APOSTROPHE.sub(lambda m: "d'" + m.group(1).upper(), tidy)
    return _capitalize(tidy[0]) + tidy[1:]


# --- comparing what a customer typed with what the CEP database says -------------------------------------

# Abbreviations people type for street types and titles, each to the word the Correios' data spells out.
_ABBREVIATIONS = {
    "av": "avenida", "avda": "avenida", "r": "rua", "al": "alameda", "pca": "praca", "pc": "praca",
    "tv": "travessa", "trav": "travessa", "est": "estrada", "estr": "estrada", "rod": "rodovia",
    "lgo": "largo", "lg": "largo", "lad": "ladeira", "vl": "vila", "jd": "jardim", "pq": "parque",
    "dr": "doutor", "dra": "doutora", "prof": "professor", "profa": "professora", "eng": "engenheiro",
    "gen": "general", "cel": "coronel", "cap": "capitao", "ten": "tenente", "mal": "marechal",
    "brig": "brigadeiro", "sen": "senador", "dep": "deputado", "pres": "presidente", "gov": "governador",
    "min": "ministro", "des": "desembargador", "cons": "conselheiro", "sta": "santa", "sto": "santo",
    "pe": "padre", "fr": "frei",
}  # fmt: skip
# A street's type is dropped before comparing: "Paulista" is Avenida Paulista at its own CEP.
_STREET_TYPES = frozenset(
    {"rua", "avenida", "alameda", "praca", "travessa", "estrada", "rodovia", "largo", "ladeira", "viela",
     "beco", "via", "passagem", "servidao", "caminho", "acesso", "quadra", "vila", "parque", "jardim"}
)  # fmt: skip
_STREET_PARTICLES = frozenset({"de", "da", "do", "das", "dos"})
_NOT_WORD = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    # Accents off ("São" -> "sao"), case folded, punctuation as spaces ("D'água" -> "d agua").
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return _NOT_WORD.sub(" ", plain).split()


def place_key(text: str) -> str:
    """A city name reduced for comparison: "Santa Bárbara d'Oeste" and "santa barbara D oeste" agree."""
    return "".join(_words(text))


def street_key(text: str) -> str:
    """A street name reduced for comparison: accents, case, punctuation, abbreviations ("Av.", "Dr.")
    and the street's type ("Rua", "Avenida") do not count, so "av paulista" and "Avenida Paulista" agree.
    """
    words = [_ABBREVIATIONS.get(word, word) for word in _words(text)]
    if len(words) > 1 and words[0] in _STREET_TYPES:
        words = words[1:]
    return "".join(word for word in words if word not in _STREET_PARTICLES)
