"""Customers as immutable values. Secrets (password hash, auth stamp) travel only in ``StoredCustomer``,
which stays inside accounts (services, sessions, middleware); other apps and templates get ``Customer``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from .normalize import phone_format


@dataclass(frozen=True)
class Address:
    """A Brazilian postal address: where an order goes, and what a customer saves under a label.

    ``cep`` is 8 digits and ``state`` the UF ("SP"). The form fields carry the Correios' names
    (logradouro, número, complemento, bairro, cidade, UF); here they are street, number, complement,
    district, city and state. A saved address also has an ``id`` and a ``label``; the copy an order
    keeps (``as_dict``) has only the seven postal fields.
    """

    cep: str
    street: str
    number: str  # digits, "s/n" or "km 12"
    complement: str
    district: str  # may be empty: a small town's CEP names no bairro
    city: str
    state: str
    id: str = ""  # saved addresses only
    label: str = ""  # "Casa", "Trabalho"

    @property
    def cep_display(self) -> str:
        return f"{self.cep[:5]}-{self.cep[5:]}"

    @property
    def one_line(self) -> str:
        """As a courier reads it: "Rua Augusta, 500, apto 12 - Consolação, São Paulo/SP - 01305-000"."""
        street = ", ".join(part for part in (self.street, self.number, self.complement) if part)
        place = ", ".join(part for part in (self.district, f"{self.city}/{self.state}") if part)
        return f"{street} - {place} - {self.cep_display}"

    def as_dict(self) -> dict[str, str]:
        """The postal fields, as an order stores where it went."""
        return {name: getattr(self, name) for name in POSTAL_FIELDS}


POSTAL_FIELDS = ("cep", "street", "number", "complement", "district", "city", "state")


MAX_ADDRESSES = 10  # saved delivery addresses per customer


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
    updated_at: dt.datetime | None = None
    # The shop's cart while signed in (``orders.cart`` owns its shape): kept on the row every signed-in
    # request reads anyway, so it follows the customer across devices, logouts and resets at no extra read.
    cart: dict | None = field(default=None, hash=False, repr=False)

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


@dataclass(frozen=True)
class StoredCustomer:
    """A customer with what only accounts' services may see: the password hash, the auth stamp, and
    the row version that conditional writes check (empty before the row is written)."""

    customer: Customer
    password: str
    auth_stamp: str
    version: bytes = b""

    def evolve(self, **changes) -> StoredCustomer:
        """A copy with ``changes``: ``password`` and ``auth_stamp`` here, any other on ``customer``."""
        own = {name: changes.pop(name) for name in ("password", "auth_stamp") if name in changes}
        return replace(self, customer=replace(self.customer, **changes), **own)


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


CONFIRM = "confirm"  # Verification.kind: confirms the account's e-mail address
RESET = "reset"  # Verification.kind: sets a new password


@dataclass(frozen=True)
class Verification:
    """A confirmation or password-reset token, as stored: only its hash is known here."""

    token_hash: str
    kind: str  # CONFIRM or RESET
    customer_id: str
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    version: bytes = b""  # the row version, so that a token is used only once (``if_version``)


@dataclass(frozen=True)
class EmailClaim:
    """Who owns an address: a row of the ``user_email`` table, keyed on the address's lower-cased form.

    Written with ``if_absent`` so that one address makes one account, within one region only (Global
    Active Tables replicate asynchronously: two regions could each accept a claim at the same moment).
    """

    email: str  # normalize.email_key(address)
    customer_id: str
    created_at: dt.datetime | None = None
    version: bytes = b""  # the row version, for taking over a dead claim with ``if_version``


@dataclass(frozen=True)
class CustomerMatch:
    """One line of a customer search: what a search token row holds about its customer."""

    id: str
    name: str
    email: str
    telephone: str
    active: bool = True

    @property
    def telephone_display(self) -> str:
        return phone_format(self.telephone)


@dataclass(frozen=True)
class CustomerSearch:
    """The customers a search found, by name; ``more`` when there were more than it shows."""

    matches: tuple[CustomerMatch, ...]
    more: bool = False
    kind: str = ""  # "name", "email" or "phone"

    def __iter__(self):
        return iter(self.matches)

    def __len__(self):
        return len(self.matches)
