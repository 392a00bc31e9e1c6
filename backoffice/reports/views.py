"""The reports' pages. Every view is wrapped by ``BackofficeSite.admin_view`` (staff, ``view_reports``)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ocipizza.formatting import money
from orders.sales.selectors import sales_timezone, today

from ..sites import site
from . import charts, exports, selectors
from .forms import PeriodForm


def now():
    """The reports' clock (tests set it to the day their orders were placed)."""
    return timezone.now()


def _period_form(request) -> PeriodForm:
    return PeriodForm(request.GET or None, today=today(now=now(), timezone=sales_timezone()))


def _period(form: PeriodForm):
    """The period asked for, or ``None`` (the form then holds the pt-BR message); no query: today."""
    if not form.is_bound:
        return form.today, form.today
    return form.period if form.is_valid() else None


def _brl(amount) -> str:
    return f"R$ {money(amount)}"


def _context(request, form, report, **extra):
    return {**site.each_context(request), "form": form, "report": report, **extra}


@require_GET
def report(request):
    form = _period_form(request)
    period = _period(form)
    if period is None:
        return render(request, "backoffice/reports/report.html", _context(request, form, None), status=400)
    first, last = period
    report = selectors.report_get(first=first, last=last)
    hours = charts.bar_chart(
        title=_("Pedidos faturados por hora do dia"),
        points=[(line.label, line.orders, str(line.orders)) for line in report.hours],
    )
    days = None
    if not report.is_one_day:
        days = charts.bar_chart(
            title=_("Faturamento por dia"),
            points=[(line.key[8:10], line.value, _brl(line.value)) for line in report.days],
        )
    csv_query = f"periodo=intervalo&de={first.isoformat()}&ate={last.isoformat()}"
    context = _context(request, form, report, hours_chart=hours, days_chart=days, csv_query=csv_query)
    return render(request, "backoffice/reports/report.html", context)


@require_GET
def daily_close(request):
    form = _period_form(request)
    period = _period(form)
    if period is not None and period[0] != period[1]:
        form.add_error(None, _("O fechamento do caixa é de um dia: escolha uma data."))
        period = None
    if period is None:
        return render(request, "backoffice/reports/close.html", _context(request, form, None), status=400)
    first, last = period
    report = selectors.report_get(first=first, last=last)
    csv_query = f"periodo=intervalo&de={first.isoformat()}&ate={last.isoformat()}"
    return render(
        request, "backoffice/reports/close.html", _context(request, form, report, csv_query=csv_query)
    )


@require_GET
def orders_csv(request):
    form = _period_form(request)
    period = _period(form)
    if period is None:
        return render(request, "backoffice/reports/report.html", _context(request, form, None), status=400)
    first, last = period
    return exports.orders_csv_response(first=first, last=last, timezone=sales_timezone())
