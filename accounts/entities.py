"""Customers as immutable values. Secrets (password hash, auth stamp) never leave the repository."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .normalize import phone_format


@dataclass(frozen=True)
class Address:
    """A saved delivery address. ``cep`` is 8 digits and ``state`` the UF ("SP").

    The form fields carry the Correios' names (logradouro, número, complemento, bairro, cidade, UF);
    here they are street, number, complement, district, city and state, as in orders' DeliveryAddress.
    """

    id: str
    label: str  # "Casa", "Trabalho"
    cep: str
    street: str
    number: str  # digits, "s/n" or "km 12"
    complement: str
    district: str  # may be empty: a small town's CEP names no bairro
    city: str
    state: str

    @property
    def cep_display(self) -> str:
        return f"{self.cep[:5]}-{self.cep[5:]}"

    @property
    def one_line(self) -> str:
        """As a courier reads it: "Rua Augusta, 500, apto 12 - Consolação, São Paulo/SP - 01305-000"."""
        street = ", ".join(part for part in (self.street, self.number, self.complement) if part)
        place = ", ".join(part for part in (self.district, f"{self.city}/{self.state}") if part)
        return f"{street} - {place} - {self.cep_display}"


@dataclass(frozen=True)
class Customer:
    """A customer account: a row of the ``user`` table."""

    id: str
    name: str
    email: str
    telephone: str  # E.164: +5511987654321
    verified: bool = False
    active: bool = True
    addresses: tuple[Address, ...] = field(default=())
    created_at: dt.datetime | None = None
    last_login: dt.datetime | None = None
    privacy_version: str | None = None
    privacy_accepted_at: dt.datetime | None = None

    # Lets templates and other apps treat request.customer alike whether or not someone is logged in.
    is_authenticated = True

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    @property
    def telephone_display(self) -> str:
        return phone_format(self.telephone)

    def address(self, address_id: str) -> Address | None:
        for address in self.addresses:
            if address.id == address_id:
                return address
        return None


class AnonymousCustomer:
    """``request.customer`` when nobody is logged in: falsy, not authenticated, never verified."""

    id = None
    is_authenticated = False
    verified = False
    active = False
    addresses = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "AnonymousCustomer()"


ANONYMOUS = AnonymousCustomer()


@dataclass(frozen=True)
class Verification:
    """A confirmation or password-reset token, as stored: only its hash is known here."""

    token_hash: str
    kind: str  # "confirm" or "reset"
    customer_id: str
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
