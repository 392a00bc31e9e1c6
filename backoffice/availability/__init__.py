"""Availability (``/gestao/disponibilidade/``): pause ordering and mark items or sizes sold out."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    permission = "manage_availability"
    site.page(
        "disponibilidade/",
        views.availability,
        name="availability",
        permission=permission,
        nav=_("Disponibilidade"),
    )
    site.page("disponibilidade/pausar/", views.pause, name="availability_pause", permission=permission)
    site.page("disponibilidade/reabrir/", views.resume, name="availability_resume", permission=permission)
    site.page("disponibilidade/item/", views.item, name="availability_item", permission=permission)
