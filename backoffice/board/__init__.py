"""The orders board: the screen the staff keep open all evening (``/gestao/pedidos/``)."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    site.page("pedidos/", views.board, name="board", permission="view_orders", nav=_("Pedidos"))
    site.page("pedidos/mudancas/", views.board_changes, name="board_changes", permission="view_orders")
    site.page("pedidos/<str:code>/", views.order_detail, name="order_detail", permission="view_orders")
    site.page("pedidos/<str:code>/mover/", views.order_move, name="order_move", permission="change_orders")
    site.page(
        "pedidos/<str:code>/comanda/<str:kind>/",
        views.order_ticket,
        name="order_ticket",
        permission="view_orders",
    )
