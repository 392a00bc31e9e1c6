"""What can go wrong with a CEP lookup, each with a message a customer can read (pt-BR, translated)."""

from __future__ import annotations

from django.utils.translation import gettext


class CEPError(Exception):
    """Base of the lookup's errors. ``code`` is stable (the API's ``erro``); ``message`` is for people."""

    code = "erro"

    @property
    def message(self) -> str:  # pragma: no cover - every subclass says something better
        return gettext("Não foi possível consultar o CEP.")


class InvalidCEP(CEPError, ValueError):
    """The input is not 8 digits (with an optional hyphen, dot or space where people put them)."""

    code = "cep_invalido"

    def __init__(self, value: object = None):
        super().__init__(f"not a CEP: {value!r}"[:80])
        self.value = value

    @property
    def message(self) -> str:
        return gettext("CEP inválido: informe os 8 dígitos, como 01310-100.")


class CEPNotFound(CEPError, LookupError):
    """A well-formed CEP that neither the street data nor any municipality's range knows."""

    code = "cep_nao_encontrado"

    def __init__(self, cep: str):
        super().__init__(f"unknown CEP {cep}")
        self.cep = cep

    @property
    def message(self) -> str:
        return gettext("Não encontramos o CEP %(cep)s. Confira os números ou preencha o endereço.") % {
            "cep": self.cep
        }


class CEPDatabaseUnavailable(CEPError):
    """The CEP database file is missing or unreadable: an operator must build it.

    ``str(error)`` tells the operator what to do; ``message`` only tells the customer to type the address.
    """

    code = "servico_indisponivel"

    @property
    def message(self) -> str:
        return gettext("A busca de CEP está indisponível agora. Preencha o endereço, por favor.")
