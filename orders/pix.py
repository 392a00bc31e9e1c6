"""PIX "copia e cola" payloads (BR Code, the EMV QR Code profile of the Banco Central) and their QR.

A static BR Code carries the receiver's PIX key, the amount and a transaction id (we use the order
code), so the customer's bank app fills everything in and the pizzeria can match the payment. The
CRC is CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF) over the whole payload including
the CRC field's own id and length ("6304"), as the BR Code manual requires.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import segno

GUI = "br.gov.bcb.pix"
_TXID = re.compile(r"^[A-Za-z0-9]{1,25}$")


class PixError(ValueError):
    """The account data cannot make a valid BR Code (too long, empty, bad amount)."""


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise PixError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _plain(text: str, limit: int) -> str:
    """Names and cities travel as plain ASCII: many bank apps mangle accents."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"[^A-Za-z0-9 .\-]", "", ascii_text).strip()
    if not ascii_text:
        raise PixError("merchant name and city need letters")
    return ascii_text[:limit].upper()


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def pix_payload(
    *, key: str, merchant_name: str, merchant_city: str, amount: Decimal, txid: str, description: str = ""
) -> str:
    """The BR Code text for one payment of ``amount`` reais identified by ``txid``."""
    if not key or len(key) > 77:
        raise PixError("the PIX key must have 1 to 77 characters")
    if not _TXID.match(txid):
        raise PixError("txid must be 1 to 25 letters or digits")
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0 or len(str(amount)) > 13:
        raise PixError("the amount must be positive and fit 13 characters")
    account = _field("00", GUI) + _field("01", key)
    if description:
        account += _field("02", _plain(description, 40))
    body = (
        _field("00", "01")
        + _field("26", account)
        + _field("52", "0000")
        + _field("53", "986")
        + _field("54", str(amount))
        + _field("58", "BR")
        + _field("59", _plain(merchant_name, 25))
        + _field("60", _plain(merchant_city, 15))
        + _field("62", _field("05", txid))
        + "6304"
    )
    return body + f"{crc16(body.encode()):04X}"


def pix_qr_svg(payload: str) -> str:
    """The payload as an inline SVG QR code (medium error correction, readable from a phone screen)."""
    qr = segno.make(payload, error="m", micro=False)
    # A viewBox without fixed width and height, so CSS can size it and the squares stay square.
    return qr.svg_inline(scale=5, border=4, dark="#1f1a17", light="#ffffff", omitsize=True)


def pix_expiry_note(expires_at) -> str:
    """The payer's note that says until when the code is good, in the shop's time: "VALIDO ATE 20H35"
    (a colon is not in the field's alphabet).

    A static BR Code has no expiry field (only a dynamic one, served by a PSP, does): the note, which
    bank apps show before the payer confirms, is how the code itself carries the page's deadline.
    """
    from django.utils import timezone

    local = timezone.localtime(expires_at)
    return f"VALIDO ATE {local:%H}H{local:%M}"


def order_pix_payload(*, order, pizzeria, expires_at=None) -> str:
    """The copia e cola that pays ``order`` into the pizzeria's PIX account (the order code as txid),
    noting until when it is valid when ``expires_at`` is given and the note fits the account field."""
    fields = {
        "key": pizzeria.pix.key,
        "merchant_name": pizzeria.pix.merchant_name,
        "merchant_city": pizzeria.pix.merchant_city,
        "amount": order.total,
        "txid": order.code,
    }
    if expires_at is not None:
        try:
            return pix_payload(**fields, description=pix_expiry_note(expires_at))
        except PixError:
            pass  # a long key leaves no room for the note: the page still says until when
    return pix_payload(**fields)
