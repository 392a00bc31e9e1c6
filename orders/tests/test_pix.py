"""The PIX payload checked by a decoder written apart from the encoder, with CPython's own CRC."""

import binascii
import shutil
import subprocess
from decimal import Decimal

import pytest
import segno

from orders.pix import PixError, crc16, pix_payload, pix_qr_svg


def decode_tlv(text: str) -> dict:
    fields, position = {}, 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        fields[tag] = text[position + 4 : position + 4 + length]
        position += 4 + length
    assert position == len(text), "trailing bytes"
    return fields


def decode_brcode(payload: str) -> dict:
    """Independent reading of a BR Code: TLV fields, nested templates, CRC by binascii.crc_hqx."""
    assert payload[-8:-4] == "6304"
    expected = binascii.crc_hqx(payload[:-4].encode(), 0xFFFF)
    assert int(payload[-4:], 16) == expected, "CRC mismatch"
    fields = decode_tlv(payload)
    fields["26"] = decode_tlv(fields["26"])
    fields["62"] = decode_tlv(fields["62"])
    return fields


def payload(**overrides):
    values = {
        "key": "pagamentos@ocipizza.com.br",
        "merchant_name": "OCI PIZZA",
        "merchant_city": "São Paulo",
        "amount": Decimal("59.90"),
        "txid": "K7M29QXA",
    }
    return pix_payload(**{**values, **overrides})


def test_payload_carries_key_amount_txid_and_a_valid_crc():
    fields = decode_brcode(payload())
    assert fields["00"] == "01"
    assert fields["26"] == {"00": "br.gov.bcb.pix", "01": "pagamentos@ocipizza.com.br"}
    assert fields["52"] == "0000" and fields["53"] == "986" and fields["58"] == "BR"
    assert fields["54"] == "59.90"
    assert fields["59"] == "OCI PIZZA"
    assert fields["60"] == "SAO PAULO"  # accents dropped for bank apps
    assert fields["62"] == {"05": "K7M29QXA"}


def test_crc_matches_the_reference_value():
    # CRC-16/CCITT-FALSE of "123456789" is 0x29B1 (the catalogue's check value).
    assert crc16(b"123456789") == 0x29B1 == binascii.crc_hqx(b"123456789", 0xFFFF)


def test_a_single_changed_character_breaks_the_crc():
    text = payload()
    tampered = text.replace("59.90", "09.90")
    with pytest.raises(AssertionError, match="CRC"):
        decode_brcode(tampered)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"txid": "has-dash"}, "txid"),
        ({"txid": "X" * 26}, "txid"),
        ({"amount": Decimal("0")}, "positive"),
        ({"key": ""}, "PIX key"),
        ({"merchant_name": "ÇÇÇ!!!"}, None),  # folds to letters
        ({"merchant_name": "!!!"}, "letters"),
    ],
)
def test_bad_account_data(overrides, message):
    if message is None:
        assert decode_brcode(payload(**overrides))["59"] == "CCC"
        return
    with pytest.raises(PixError, match=message):
        payload(**overrides)


def test_long_names_are_cut_to_the_spec_limits():
    fields = decode_brcode(
        payload(
            merchant_name="Pizzaria Muito Boa do Bairro da Liberdade", merchant_city="Santa Bárbara d'Oeste"
        )
    )
    assert len(fields["59"]) == 25 and len(fields["60"]) == 15


def test_the_qr_code_svg_is_inline_svg():
    svg = pix_qr_svg(payload())
    assert svg.startswith("<svg") and "<script" not in svg


def test_the_qr_code_decodes_back_to_the_payload(tmp_path):
    assert shutil.which("zbarimg"), "zbar-tools is missing: scripts/test.sh installs it"
    text = payload()
    image = tmp_path / "pix.png"
    segno.make(text, error="m", micro=False).save(image, scale=5, border=4)
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    )
    assert decoded.stdout.strip() == text
