import pytest
from django.utils import translation

from locations.exceptions import InvalidCEP
from locations.text import cep_format, cep_normalize, name_tidy, name_title


@pytest.mark.parametrize(
    "typed",
    [
        "01310-100",
        "01310100",
        " 01310 100 ",
        "01.310-100",
        "\t01310-100\n",
        "01310 - 100".replace(" - ", "-"),
    ],
)
def test_the_usual_ways_of_typing_a_cep_give_its_8_digits(typed):
    assert cep_normalize(typed) == "01310100"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "1310100",  # 7 digits: the leading zero lost by a spreadsheet
        "013101000",
        "01310-10",
        "0131-0100",
        "01310--100",
        "01310_100",
        "abcde-fgh",
        "01310-10O",  # letter O
        "０１３１０１００",  # full-width digits
        "٠١٣١٠١٠٠",  # Arabic-Indic digits
        "01310100" + " " * 40,
        "01310-100; DROP TABLE ceps",
        "1e7",
        None,
        1310100,
    ],
)
def test_anything_but_8_digits_is_rejected_with_a_message_in_portuguese(typed):
    with pytest.raises(InvalidCEP) as caught:
        cep_normalize(typed)
    assert caught.value.code == "cep_invalido"
    assert caught.value.message == "CEP inválido: informe os 8 dígitos, como 01310-100."


def test_the_invalid_cep_message_is_translated_for_english_speakers():
    with pytest.raises(InvalidCEP) as caught:
        cep_normalize("123")
    with translation.override("en"):
        assert caught.value.message == "Invalid CEP: type its 8 digits, like 01310-100."


def test_a_cep_is_formatted_like_the_correios_print_it():
    assert cep_format("01310100") == "01310-100"


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("são paulo", "São Paulo"),
        ("santa bárbara d'oeste", "Santa Bárbara d'Oeste"),
        ("embu das artes", "Embu das Artes"),
        ("abreu e lima", "Abreu e Lima"),
        ("são joão del rei", "São João del Rei"),
        ("morro cabeça no tempo", "Morro Cabeça no Tempo"),
        ("não-me-toque", "Não-Me-Toque"),
        ("pingo-d'água", "Pingo-d'Água"),
        ("dias d'ávila", "Dias d'Ávila"),
        ("pedro ii", "Pedro II"),
        ("xangri-lá", "Xangri-lá"),
        ("governador dix-sept rosado", "Governador Dix-Sept Rosado"),
        ("Santa Bárbara D'Oeste", "Santa Bárbara d'Oeste"),  # the street data's casing
        ("olho d’água das flores", "Olho d'Água das Flores"),  # typographic apostrophe
        ("  rio   de janeiro ", "Rio de Janeiro"),
        ("bonfim paulista (ribeirão preto)", "Bonfim Paulista (Ribeirão Preto)"),
        ("d'oeste", "D'Oeste"),
    ],
)
def test_city_names_are_cased_the_brazilian_way(published, shown):
    assert name_title(published) == shown


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Avenida Paulista", "Avenida Paulista"),
        ("Rua Da Quitanda", "Rua da Quitanda"),
        ("Avenida Leonardo Da Vinci", "Avenida Leonardo da Vinci"),
        ("Rua Quincas Berro D'água", "Rua Quincas Berro d'Água"),
        ("Olho-D'Água da Bica", "Olho-d'Água da Bica"),
        ("SGAN 605", "SGAN 605"),  # Brasília's acronyms survive
        ("Quadra SBN Quadra 1", "Quadra SBN Quadra 1"),
        ("Rua E", "Rua E"),  # a street named E, not the particle
        ("Caminho E - XIX", "Caminho E - XIX"),
        ("jardim das flores", "Jardim das Flores"),
        ("dois de Julho", "Dois de Julho"),
        ("", ""),
        ("  Rua   Augusta ", "Rua Augusta"),
    ],
)
def test_street_names_keep_their_casing_but_lose_the_sources_slips(source, shown):
    assert name_tidy(source) == shown
