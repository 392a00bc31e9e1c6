"""Reading the CEP database: the lookup every form, the API and the ``cep`` command go through."""

from __future__ import annotations

import sqlite3

from .database import RANGE_QUERY, STREET_QUERY, cep_database
from .entities import CITY, STREET, Address
from .exceptions import CEPDatabaseUnavailable, CEPNotFound
from .text import cep_format, cep_normalize


def cep_lookup(*, cep: str) -> Address:
    """The address of ``cep``, typed any usual way ("01310-100", "01310100", " 01310 100 ").

    Street level when the street data knows the CEP, otherwise city level from the municipality
    ranges (``precisao`` says which). Names come out cased for display.

    Raises InvalidCEP (not 8 digits), CEPNotFound (no street and no municipality has it) or
    CEPDatabaseUnavailable (the database was never built or cannot be read).
    """
    digits = cep_normalize(cep)
    number = int(digits)
    connection = cep_database().connection()
    try:
        row = connection.execute(STREET_QUERY, (number,)).fetchone()
        if row is not None:
            uf, city, neighborhood, street = row
            # A CEP for a whole town (small towns have one) names no street: say so honestly.
            precision = STREET if street else CITY
            return Address(cep_format(digits), street, "", neighborhood, city, uf, precision)
        found = connection.execute(RANGE_QUERY, (number,)).fetchone()
    except sqlite3.Error as e:
        raise CEPDatabaseUnavailable(f"the CEP database cannot be read: {e}") from e
    if found is None or found[0] < number:
        raise CEPNotFound(cep_format(digits))
    _, uf, city = found
    return Address(cep_format(digits), "", "", "", city, uf, CITY)


def cep_database_info() -> dict[str, str]:
    """What the current database was built from and when (for operators and the API docs page)."""
    return cep_database().meta()
