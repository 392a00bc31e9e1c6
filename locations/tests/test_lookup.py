import dataclasses
import os
import sqlite3

import pytest
from django.utils import translation

from locations.database import cep_database
from locations.entities import Address
from locations.exceptions import CEPDatabaseUnavailable, CEPNotFound, InvalidCEP
from locations.selectors import cep_database_info, cep_lookup


@pytest.mark.parametrize("typed", ["01310-100", "01310100", " 01310 100 ", "01.310-100"])
def test_a_known_cep_gives_its_street_however_it_is_typed(cep_db, typed):
    assert cep_lookup(cep=typed) == Address(
        cep="01310-100",
        logradouro="Avenida Paulista",
        complemento="",
        bairro="Bela Vista",
        localidade="São Paulo",
        uf="SP",
        precisao="logradouro",
    )


def test_names_come_out_properly_cased(cep_db):
    assert cep_lookup(cep="13450-001").localidade == "Santa Bárbara d'Oeste"
    assert cep_lookup(cep="06631-200").logradouro == "Rua Quincas Berro d'Água"
    assert cep_lookup(cep="01012-010").logradouro == "Rua da Quitanda"
    assert cep_lookup(cep="13450-002").bairro == "Jardim das Flores"
    assert cep_lookup(cep="70040-010").logradouro == "Quadra SBN Quadra 1"


def test_a_cep_missing_from_the_street_data_falls_back_to_its_city(cep_db):
    address = cep_lookup(cep="06849-000")
    assert address == Address("06849-000", "", "", "", "Embu das Artes", "SP", "cidade")
    assert not address.is_street_level
    assert cep_lookup(cep="99470-500").localidade == "Não-Me-Toque"
    assert cep_lookup(cep="64255-100").localidade == "Pedro II"


def test_a_whole_towns_cep_in_the_street_data_says_it_is_city_level(cep_db):
    address = cep_lookup(cep="06550-000")
    assert (address.localidade, address.logradouro, address.precisao) == (
        "Pirapora do Bom Jesus",
        "",
        "cidade",
    )


def test_range_ends_are_inclusive_and_gaps_between_ranges_are_unknown(cep_db):
    assert cep_lookup(cep="01000-001").localidade == "São Paulo"
    assert cep_lookup(cep="05999-999").localidade == "São Paulo"
    for outside in ("01000-000", "06000-000", "06799-999", "99999-999", "00000-000"):
        with pytest.raises(CEPNotFound):
            cep_lookup(cep=outside)


def test_an_unknown_cep_says_so_in_portuguese_and_in_english(cep_db):
    with pytest.raises(CEPNotFound) as caught:
        cep_lookup(cep="69900000")
    assert caught.value.cep == "69900-000"
    assert caught.value.message == (
        "Não encontramos o CEP 69900-000. Confira os números ou preencha o endereço."
    )
    with translation.override("en"):
        assert (
            caught.value.message == "We could not find CEP 69900-000. Check the digits or type the address."
        )


def test_an_invalid_cep_is_rejected_before_the_database_is_read(no_cep_db):
    with pytest.raises(InvalidCEP):
        cep_lookup(cep="0131010")


def test_a_missing_database_tells_the_operator_what_to_run_and_creates_no_file(no_cep_db):
    with pytest.raises(CEPDatabaseUnavailable) as caught:
        cep_lookup(cep="01310-100")
    assert "python manage.py build_cep_db" in str(caught.value)
    assert caught.value.message == "A busca de CEP está indisponível agora. Preencha o endereço, por favor."
    assert not no_cep_db.exists()
    assert not no_cep_db.parent.exists()


def test_a_file_that_is_not_a_cep_database_is_unavailable_not_a_crash(settings, tmp_path):
    impostor = tmp_path / "cep.sqlite3"
    impostor.write_bytes(b"this is not a database" * 100)
    settings.CEP_DB_PATH = impostor
    with pytest.raises(CEPDatabaseUnavailable, match="build_cep_db"):
        cep_lookup(cep="01310-100")


def test_the_database_is_opened_read_only(cep_db):
    connection = cep_database().connection()
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        connection.execute("DELETE FROM ceps")
    assert cep_lookup(cep="01310-100").logradouro == "Avenida Paulista"


def test_the_build_is_described_for_operators(cep_db):
    info = cep_database_info()
    assert info["schema_version"] == "1"
    assert info["ceps"] == "9"
    assert info["ranges"] == "8"
    assert info["built_at"].startswith("20")


def test_an_address_as_a_dict_has_every_field_in_order(cep_db):
    address = cep_lookup(cep="01310-100")
    assert address.as_dict() == dataclasses.asdict(address)
    assert list(address.as_dict()) == [f.name for f in dataclasses.fields(Address)]


def test_a_forked_worker_opens_its_own_connection(cep_db):
    parent = cep_database().connection()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a gunicorn worker forked after the master looked a CEP up
        try:
            fresh = cep_database().connection() is not parent
            ok = fresh and cep_lookup(cep="01310-100").logradouro == "Avenida Paulista"
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"1"
    assert cep_database().connection() is parent
