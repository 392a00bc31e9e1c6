"""Phone and counter orders, entered by staff for someone who called or walked in (``/gestao/balcao/``)."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    permission = "take_phone_orders"
    site.page("balcao/", views.counter, name="counter", permission=permission, nav=_("Balcão / telefone"))
    site.page("balcao/adicionar/", views.counter_add, name="counter_add", permission=permission)
    site.page("balcao/item/", views.counter_line, name="counter_line", permission=permission)
    site.page(
        "balcao/item/remover/", views.counter_line_remove, name="counter_line_remove", permission=permission
    )
    site.page("balcao/limpar/", views.counter_clear, name="counter_clear", permission=permission)
