"""E-mail addresses and Brazilian mobile numbers as people type them, turned into one stored form."""

from __future__ import annotations

import contextlib
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Every DDD (area code) Anatel has assigned. Numbers with any other DDD cannot exist.
VALID_DDDS = frozenset(
    str(ddd)
    for ddd in (
        *range(11, 20), 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, *range(41, 50), 51, 53, 54, 55,
        *range(61, 70), 71, 73, 74, 75, 77, 79, *range(81, 90), *range(91, 100),
    )
)  # fmt: skip
# Digits, spaces and the punctuation people use: "(11) 98765-4321", "+55 11 98765.4321".
# re.ASCII: other scripts' digits are not phone numbers.
_PHONE_INPUT = re.compile(r"\+?[0-9\s().-]+", re.ASCII)
MAX_PHONE_INPUT = 30


def email_normalize(value: str) -> str:
    """The address to store and write to: trimmed, domain lower-cased, local part as typed.

    The local part is case-sensitive by the RFC and a handful of servers still honour that, so the
    address we send to keeps it. Uniqueness and login use ``email_key`` instead.
    """
    value = value.strip()
    local, at, domain = value.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else value


def email_key(value: str) -> str:
    """The form that makes an address unique: wholly lower-cased, IDN domain in punycode.

    People type "Maria@Gmail.com" one day and "maria@gmail.com" the next and expect one account, and
    no mainstream provider treats the two as different mailboxes. Dots and "+tags" are left alone:
    only some providers ignore them, and a tag may be how a customer files our mail.
    """
    value = email_normalize(value).lower()
    local, at, domain = value.rpartition("@")
    # A domain the idna codec refuses has already been refused by the form's EmailValidator.
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local}{at}{domain}"


def phone_normalize(value: str) -> str:
    """A Brazilian mobile number in E.164 ("+5511987654321"), or ``ValidationError`` saying what to fix.

    Accepts "(11) 98765-4321", "11987654321", "+55 11 98765-4321", "5511987654321" and the trunk
    prefix "011 98765-4321".
    """
    value = (value or "").strip()
    if not value or len(value) > MAX_PHONE_INPUT or not _PHONE_INPUT.fullmatch(value):
        raise ValidationError(
            _("Informe o celular com DDD, por exemplo (11) 98765-4321."), code="phone_invalid"
        )
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        if not digits.startswith("55"):
            raise ValidationError(
                _("Informe um celular do Brasil (+55), por exemplo (11) 98765-4321."), code="phone_country"
            )
        digits = digits[2:]
    elif len(digits) == 13 and digits.startswith("55"):
        digits = digits[2:]
    elif len(digits) == 12 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) in (8, 9):
        raise ValidationError(_("Inclua o DDD, por exemplo (11) 98765-4321."), code="phone_no_ddd")
    if len(digits) == 10:
        raise ValidationError(
            _("Informe um celular: 9 dígitos depois do DDD, começando com 9."), code="phone_not_mobile"
        )
    if len(digits) != 11:
        raise ValidationError(
            _("Informe o celular com DDD, por exemplo (11) 98765-4321."), code="phone_invalid"
        )
    ddd, number = digits[:2], digits[2:]
    if ddd not in VALID_DDDS:
        raise ValidationError(_("O DDD %(ddd)s não existe."), code="phone_ddd", params={"ddd": ddd})
    if number[0] != "9":
        raise ValidationError(
            _("Informe um celular: 9 dígitos depois do DDD, começando com 9."), code="phone_not_mobile"
        )
    return "+55" + digits


def phone_format(e164: str) -> str:
    """ "+5511987654321" -> "(11) 98765-4321"; anything else is shown as stored."""
    if isinstance(e164, str) and len(e164) == 14 and e164.startswith("+55"):
        digits = e164[3:]
        return f"({digits[:2]}) {digits[2:7]}-{digits[7:]}"
    return e164 or ""
