"""The pizzeria's profile: hours, special days, delivery zones, PIX and contacts (``/gestao/pizzaria/``)."""


def register(site) -> None:
    """Nothing yet: this area's pages come with the back office's second part."""
