"""The pizzeria's profile: hours, special days, delivery zones, PIX and contacts (``/gestao/pizzaria/``)."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    site.page("pizzaria/", views.profile, name="profile", permission="manage_pizzeria", nav=_("Pizzaria"))
