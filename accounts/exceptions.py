"""The refusals account services raise; each carries a message for the customer (pt-BR, translated)."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .entities import MAX_ADDRESSES, RESET


class AccountError(Exception):
    """A refusal whose message is for the customer (pt-BR, translated)."""

    def __init__(self, message: str = ""):
        super().__init__(message or self.default_message())

    def default_message(self) -> str:
        return _("Não foi possível concluir a operação.")

    @property
    def message(self) -> str:
        return str(self)


class Throttled(AccountError):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__()

    def default_message(self):
        minutes = max(1, math.ceil(self.retry_after / 60))
        return ngettext(
            "Muitas tentativas. Espere %(minutes)s minuto e tente de novo.",
            "Muitas tentativas. Espere %(minutes)s minutos e tente de novo.",
            minutes,
        ) % {"minutes": minutes}


class InvalidCredentials(AccountError):
    def default_message(self):
        return _("E-mail ou senha incorretos.")


class AccountDisabled(AccountError):
    def default_message(self):
        return _("Esta conta está desativada. Fale com a pizzaria para reativá-la.")


class PasswordIncorrect(AccountError):
    def default_message(self):
        return _("Senha incorreta.")


class TokenInvalid(AccountError):
    """A link that cannot be used; ``reason`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str, kind: str):
        self.reason = reason
        self.kind = kind
        super().__init__()

    def default_message(self):
        if self.reason == "expired":
            if self.kind == RESET:
                return _("Este link de redefinição de senha expirou (vale por 1 hora). Peça um novo.")
            return _("Este link de confirmação expirou (vale por 24 horas). Peça um novo em Minha conta.")
        if self.reason == "used":
            if self.kind == RESET:
                return _("Este link de redefinição de senha já foi usado. Se precisar, peça um novo.")
            return _("Este link de confirmação já foi usado.")
        if self.kind == RESET:
            return _(
                "Este link de redefinição de senha é inválido. Confira se copiou o endereço inteiro "
                "ou peça um novo."
            )
        return _("Este link de confirmação é inválido. Confira se copiou o endereço inteiro ou peça um novo.")


class AddressLimit(AccountError):
    def default_message(self):
        return _("Você já tem %(count)s endereços salvos. Exclua um para adicionar outro.") % {
            "count": MAX_ADDRESSES
        }
