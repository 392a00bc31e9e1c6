"""Phone and counter orders, entered by staff for someone who called or walked in (``/gestao/balcao/``)."""


def register(site) -> None:
    """Nothing yet: this area's pages come with the back office's second part."""
