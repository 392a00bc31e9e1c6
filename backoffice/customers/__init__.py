"""Customers: search, a customer's page, disable/enable, LGPD export and deletion (``/gestao/clientes/``)."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    permission = "view_customers"
    site.page("clientes/", views.search, name="customers", permission=permission, nav=_("Clientes"))
    site.page("clientes/<str:customer_id>/", views.detail, name="customer_detail", permission=permission)
    site.page(
        "clientes/<str:customer_id>/ativo/",
        views.set_active,
        name="customer_set_active",
        permission=permission,
    )
    site.page(
        "clientes/<str:customer_id>/exportar/", views.export, name="customer_export", permission=permission
    )
    site.page(
        "clientes/<str:customer_id>/excluir/", views.delete, name="customer_delete", permission=permission
    )
