"""What a CEP lookup answers, as an immutable value shaped like ViaCEP's answer."""

from __future__ import annotations

from dataclasses import dataclass

# How precise an answer is: a CEP of one street (or one side of it), or only the city it belongs to.
STREET = "logradouro"
CITY = "cidade"
PRECISIONS = (STREET, CITY)

UFS = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)  # fmt: skip


@dataclass(frozen=True)
class Address:
    """The address of a CEP. Field names follow ViaCEP's, so clients written for it read ours too.

    With ``precisao == "cidade"`` only ``localidade`` and ``uf`` are known: the customer types the rest.
    ``complemento`` is what the CEP itself covers ("lado par"), not the customer's flat number; the
    current street data has none, so it is empty for now but kept for ViaCEP compatibility.
    """

    cep: str  # formatted: "01310-100"
    logradouro: str
    complemento: str
    bairro: str
    localidade: str
    uf: str
    precisao: str

    @property
    def is_street_level(self) -> bool:
        return self.precisao == STREET

    def as_dict(self) -> dict[str, str]:
        # Spelled out: dataclasses.asdict deep-copies field by field, a tenth of an API request's cost.
        return {
            "cep": self.cep,
            "logradouro": self.logradouro,
            "complemento": self.complemento,
            "bairro": self.bairro,
            "localidade": self.localidade,
            "uf": self.uf,
            "precisao": self.precisao,
        }
