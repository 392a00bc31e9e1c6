"""Sales reports, the daily close and their CSV exports (``/gestao/relatorios/``)."""

from django.utils.translation import gettext_lazy as _


def register(site) -> None:
    from . import views

    permission = "view_reports"
    site.page("relatorios/", views.report, name="reports", permission=permission, nav=_("Relatórios"))
    site.page("relatorios/fechamento/", views.daily_close, name="reports_close", permission=permission)
    site.page("relatorios/pedidos.csv", views.orders_csv, name="reports_csv", permission=permission)
