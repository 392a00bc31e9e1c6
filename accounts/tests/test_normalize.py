"""Brazilian mobile numbers and e-mail addresses as people type them."""

import pytest
from django.core.exceptions import ValidationError

from accounts.normalize import email_key, email_normalize, phone_format, phone_normalize


@pytest.mark.parametrize(
    "typed",
    [
        "(11) 98765-4321",
        "11987654321",
        "+55 11 98765-4321",
        "+55 (11) 98765-4321",
        "5511987654321",
        "011 98765-4321",
        " 11 9 8765 4321 ",
        "11.98765.4321",
    ],
)
def test_every_usual_way_of_typing_a_mobile_gives_one_e164_number(typed):
    assert phone_normalize(typed) == "+5511987654321"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "phone_invalid"),
        ("98765-4321", "phone_no_ddd"),
        ("(11) 3456-7890", "phone_not_mobile"),  # a landline
        ("(11) 88765-4321", "phone_not_mobile"),  # 9 digits that do not start with 9
        ("(20) 98765-4321", "phone_ddd"),  # DDD 20 does not exist
        ("(10) 98765-4321", "phone_ddd"),
        ("+1 212 555 0100", "phone_country"),
        ("+351 912 345 678", "phone_country"),
        ("11 98765-4321 ramal 2", "phone_invalid"),
        ("١١٩٨٧٦٥٤٣٢١", "phone_invalid"),  # Arabic-Indic digits
        ("1" * 40, "phone_invalid"),
        ("11987654321\x00", "phone_invalid"),
        ("119876543210", "phone_invalid"),
    ],
)
def test_numbers_that_are_not_brazilian_mobiles_are_refused_saying_why(typed, code):
    with pytest.raises(ValidationError) as caught:
        phone_normalize(typed)
    assert caught.value.code == code


def test_numbers_are_shown_the_brazilian_way():
    assert phone_format("+5521998765432") == "(21) 99876-5432"


def test_email_keeps_the_local_part_and_lowercases_the_domain():
    assert email_normalize("  Maria.Silva@GMAIL.Com ") == "Maria.Silva@gmail.com"


def test_email_key_ignores_case_but_not_dots_or_tags():
    assert email_key("Maria.Silva@GMAIL.com") == email_key("maria.silva@gmail.com") == "maria.silva@gmail.com"
    assert email_key("mariasilva@gmail.com") != email_key("maria.silva@gmail.com")
    assert email_key("maria+pizza@gmail.com") != email_key("maria@gmail.com")


def test_email_key_writes_international_domains_in_punycode():
    assert email_key("joão@PADARIA.com.br") == "joão@padaria.com.br"
    assert email_key("ana@Pizzaria-São-Paulo.com.br") == "ana@xn--pizzaria-so-paulo-hqb.com.br"
