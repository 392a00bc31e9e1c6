"""Which days a report covers: one day, its week (Monday to Sunday), its month, or a range of days."""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 31
DAY, WEEK, MONTH, RANGE = "dia", "semana", "mes", "intervalo"
DATE_FORMATS = ["%Y-%m-%d"]
DATE_ERRORS = {"invalid": _("Data inválida: use o formato AAAA-MM-DD.")}


class PeriodForm(forms.Form):
    """Read from the query string; ``today`` is the pizzeria's current business day."""

    periodo = forms.ChoiceField(
        label=_("Período"),
        choices=[(DAY, _("Dia")), (WEEK, _("Semana")), (MONTH, _("Mês")), (RANGE, _("Intervalo de dias"))],
        required=False,
        error_messages={"invalid_choice": _("Escolha dia, semana, mês ou intervalo.")},
    )
    data = forms.DateField(
        label=_("Data"), required=False, input_formats=DATE_FORMATS, error_messages=DATE_ERRORS
    )
    de = forms.DateField(
        label=_("De"), required=False, input_formats=DATE_FORMATS, error_messages=DATE_ERRORS
    )
    ate = forms.DateField(
        label=_("Até"), required=False, input_formats=DATE_FORMATS, error_messages=DATE_ERRORS
    )

    def __init__(self, data=None, *, today: dt.date, **kwargs):
        super().__init__(data, initial={"periodo": DAY, "data": today}, **kwargs)
        self.today = today
        for name in ("data", "de", "ate"):
            self.fields[name].widget = forms.DateInput(
                attrs={"type": "date", "max": today.isoformat()}, format="%Y-%m-%d"
            )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        kind = cleaned.get("periodo") or DAY
        if kind == RANGE:
            first, last = cleaned.get("de"), cleaned.get("ate")
            if first is None or last is None:
                raise forms.ValidationError(_("Informe as datas inicial e final do intervalo."))
            if first > last:
                raise forms.ValidationError(_("A data inicial vem depois da final."))
            if (last - first).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    _("Escolha um intervalo de no máximo %(days)s dias.") % {"days": MAX_DAYS}
                )
        else:
            day = cleaned.get("data") or self.today
            if kind == WEEK:
                first = day - dt.timedelta(days=day.weekday())
                last = first + dt.timedelta(days=6)
            elif kind == MONTH:
                first = day.replace(day=1)
                last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            else:
                first = last = day
        if first > self.today:
            raise forms.ValidationError(
                _("Ainda não há vendas nesse dia: escolha uma data até %(today)s.")
                % {"today": self.today.strftime("%d/%m/%Y")}
            )
        # A week or month still under way ends today.
        cleaned["periodo"], cleaned["first"], cleaned["last"] = kind, first, min(last, self.today)
        return cleaned

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["first"], self.cleaned_data["last"]

    def query(self) -> str:
        """The same period as a query string, for the CSV link."""
        from django.http import QueryDict

        first, last = self.period
        q = QueryDict(mutable=True)
        q.update({"periodo": RANGE, "de": first.isoformat(), "ate": last.isoformat()})
        return q.urlencode()
