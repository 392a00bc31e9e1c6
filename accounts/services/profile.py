"""The customer's own details: name, telephone and saved delivery addresses."""

from __future__ import annotations

from dataclasses import replace

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import repositories
from ..entities import MAX_ADDRESSES, Address, Customer, StoredCustomer
from ..exceptions import AccountError, AddressLimit
from ..normalize import phone_normalize
from ..tokens import id_make


def customer_profile_update(*, customer_id: str, name: str, telephone: str) -> Customer:
    name = " ".join(name.split())
    telephone = phone_normalize(telephone)
    stored = repositories.user_update(
        customer_id,
        lambda current: current.evolve(name=name, telephone=telephone, updated_at=timezone.now()),
    )
    if stored is None:
        raise AccountError()
    return stored.customer


def customer_address_save(*, customer_id: str, address: Address) -> Address:
    """Add ``address`` (an empty ``id`` makes a new one) or replace the saved one with its id."""
    saved = address if address.id else replace(address, id=id_make())

    def change(stored: StoredCustomer) -> StoredCustomer:
        addresses = list(stored.customer.addresses)
        for index, current in enumerate(addresses):
            if current.id == saved.id:
                addresses[index] = saved
                break
        else:
            if address.id:
                raise AccountError(_("Este endereço não existe mais."))
            if len(addresses) >= MAX_ADDRESSES:
                raise AddressLimit()
            addresses.append(saved)
        return stored.evolve(addresses=tuple(addresses), updated_at=timezone.now())

    if repositories.user_update(customer_id, change) is None:
        raise AccountError()
    return saved


def customer_address_delete(*, customer_id: str, address_id: str) -> None:
    def change(stored: StoredCustomer) -> StoredCustomer | None:
        addresses = stored.customer.addresses
        kept = tuple(a for a in addresses if a.id != address_id)
        if len(kept) == len(addresses):
            return None
        return stored.evolve(addresses=kept, updated_at=timezone.now())

    repositories.user_update(customer_id, change)
