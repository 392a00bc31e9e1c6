"""Sales reports, the daily close and their CSV exports (``/gestao/relatorios/``)."""


def register(site) -> None:
    """Nothing yet: this area's pages come with the back office's second part."""
