"""The menu: pizzas, drinks, categories, sizes and photos (``/gestao/cardapio/``)."""


def register(site) -> None:
    """Nothing yet: this area's pages come with the back office's second part."""
