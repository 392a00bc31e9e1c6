"""The menu: pizzas, drinks, categories, sizes and photos (``/gestao/cardapio/``)."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    permission = "manage_menu"
    site.page("cardapio/", views.catalog, name="catalog", permission=permission, nav=_("Cardápio"))
    site.page("cardapio/novo/", views.item_new, name="catalog_item_new", permission=permission)
    site.page("cardapio/item/<slug:slug>/", views.item_edit, name="catalog_item_edit", permission=permission)
    site.page("cardapio/ordem/", views.move, name="catalog_move", permission=permission)
    site.page("cardapio/categoria/", views.category, name="catalog_category", permission=permission)
