"""Customers: search, a customer's page, disable/enable, LGPD export and deletion (``/gestao/clientes/``)."""


def register(site) -> None:
    """Nothing yet: this area's pages come with the back office's second part."""
