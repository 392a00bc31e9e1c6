"""The profile page's forms: they turn what was typed (Brazilian money, time fields, one CEP range or
bairro per line) into a profile document, and put each of ``profile_from_dict``'s refusals next to the
field it names. ``profile_from_dict`` stays the only judge of a document; these forms only shape it.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocipizza.formatting import money
from ocipizza.pizzeria.entities import (
    MAX_OPEN_ORDERS_DEFAULT,
    MAX_ORDERS_PER_HOUR_DEFAULT,
    MAX_SPECIAL_DAYS,
    PIX_ONLY_ABOVE_DEFAULT,
    SPECIAL_NOTE_MAX,
    WEEKDAYS,
)
from ocipizza.pizzeria.profile import ProfileError, profile_from_dict

WEEKDAY_NAMES = {
    "mon": gettext_lazy("Segunda-feira"),
    "tue": gettext_lazy("Terça-feira"),
    "wed": gettext_lazy("Quarta-feira"),
    "thu": gettext_lazy("Quinta-feira"),
    "fri": gettext_lazy("Sexta-feira"),
    "sat": gettext_lazy("Sábado"),
    "sun": gettext_lazy("Domingo"),
}
RULES = (
    ("max", gettext_lazy("Preço da metade mais cara")),
    ("average", gettext_lazy("Média das duas metades")),
)
CLOSED, HOURS = "closed", "hours"
KINDS = ((CLOSED, gettext_lazy("Fechado o dia todo")), (HOURS, gettext_lazy("Horário especial")))
DAY_SHIFTS = 3  # as entities.MAX_INTERVALS
SPECIAL_SHIFTS = 2
MAX_ZONES = 30

# "01000-000 a 01599-999", "01000000-01599999" or one CEP alone.
_CEP_LINE = re.compile(r"^\s*(\d{5}-?\d{3})\s*(?:(?:a|até|-|–|—)\s*(\d{5}-?\d{3}))?\s*$", re.IGNORECASE)
_MONEY = re.compile(r"^\d{1,3}(\.\d{3})*(,\d{1,2})?$|^\d+(,\d{1,2})?$|^\d+\.\d{1,2}$")


def parse_brl(text: str) -> Decimal | None:
    """ "5,00", "R$ 1.234,50", "8" or "8.50" -> Decimal; ``None`` when it is not an amount."""
    text = (text or "").replace("R$", "").replace("\u00a0", "").replace(" ", "")
    if not _MONEY.match(text):
        return None
    if "," in text or (text.count(".") and len(text.rsplit(".", 1)[1]) == 3):
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _time_field(label=""):
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": gettext_lazy("Informe horários como 18:30.")},
    )


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _shifts(form, count: int) -> list[list[str]]:
    """The filled (open, close) pairs of a form with fields open1/close1... ; half a pair is an error."""
    pairs = []
    for n in range(1, count + 1):
        start, end = form.cleaned_data.get(f"open{n}"), form.cleaned_data.get(f"close{n}")
        if (start is None) != (end is None):
            form.add_error(
                f"open{n}" if start is None else f"close{n}", _("Informe a abertura e o fechamento.")
            )
        elif start is not None:
            pairs.append([_hhmm(start), _hhmm(end)])
    return pairs


class ShiftsMixin:
    shifts = 0

    @property
    def shift_pairs(self):
        """(open, close) bound fields, for the template."""
        return [(self[f"open{n}"], self[f"close{n}"]) for n in range(1, self.shifts + 1)]


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nome da pizzaria"), max_length=60)
    phone = forms.CharField(label=gettext_lazy("Telefone"), max_length=30)
    whatsapp = forms.CharField(label=gettext_lazy("WhatsApp"), max_length=30, required=False)


class RulesForm(forms.Form):
    minimum_order = forms.CharField(label=gettext_lazy("Pedido mínimo (R$)"), max_length=20)
    pickup_eta_minutes = forms.IntegerField(
        label=gettext_lazy("Retirada: pronto em (minutos)"),
        error_messages={"invalid": gettext_lazy("Informe um número inteiro de minutos, de 5 a 240.")},
    )
    half_and_half_rule = forms.ChoiceField(
        label=gettext_lazy("Preço da pizza meio a meio"),
        choices=RULES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Escolha uma das regras de preço do meio a meio.")},
    )

    max_open_orders = forms.IntegerField(
        label=gettext_lazy("Pedidos em aberto por cliente, no máximo"),
        error_messages={"invalid": gettext_lazy("Informe um número inteiro de 1 a 20.")},
    )
    max_orders_per_hour = forms.IntegerField(
        label=gettext_lazy("Pedidos por hora por cliente, no máximo"),
        error_messages={"invalid": gettext_lazy("Informe um número inteiro de 1 a 20.")},
    )
    pix_only_above = forms.CharField(label=gettext_lazy("Acima deste valor, só PIX (R$)"), max_length=20)

    def clean_minimum_order(self):
        amount = parse_brl(self.cleaned_data["minimum_order"])
        if amount is None:
            raise forms.ValidationError(_("Informe um valor como 30,00."))
        return amount

    def clean_pix_only_above(self):
        amount = parse_brl(self.cleaned_data["pix_only_above"])
        if amount is None:
            raise forms.ValidationError(_("Informe um valor como 300,00."))
        return amount


class PixForm(forms.Form):
    key = forms.CharField(label=gettext_lazy("Chave PIX"), max_length=77)
    merchant_name = forms.CharField(label=gettext_lazy("Nome do recebedor (até 25 letras)"), max_length=25)
    merchant_city = forms.CharField(label=gettext_lazy("Cidade do recebedor (até 15 letras)"), max_length=15)


class DayHoursForm(ShiftsMixin, forms.Form):
    """One weekday: up to three shifts; a close before the open runs past midnight."""

    shifts = DAY_SHIFTS

    open1, close1 = _time_field(gettext_lazy("Abre")), _time_field(gettext_lazy("Fecha"))
    open2, close2 = _time_field(gettext_lazy("Abre")), _time_field(gettext_lazy("Fecha"))
    open3, close3 = _time_field(gettext_lazy("Abre")), _time_field(gettext_lazy("Fecha"))


class SpecialDayForm(ShiftsMixin, forms.Form):
    shifts = SPECIAL_SHIFTS
    date = forms.DateField(
        label=gettext_lazy("Data"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Informe uma data válida, como 25/12/2026.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Neste dia"), choices=KINDS, initial=CLOSED, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Aviso aos clientes"),
        required=False,
        max_length=SPECIAL_NOTE_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Ex.: Natal")}),
    )
    open1, close1 = _time_field(gettext_lazy("Abre")), _time_field(gettext_lazy("Fecha"))
    open2, close2 = _time_field(gettext_lazy("Abre")), _time_field(gettext_lazy("Fecha"))


class ZoneForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nome da área"), max_length=60)
    cep_ranges = forms.CharField(
        label=gettext_lazy("Faixas de CEP (uma por linha)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "01000-000 a 01599-999"}),
    )
    neighbourhoods = forms.CharField(
        label=gettext_lazy("Bairros (bairro | cidade, um por linha)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Bela Vista | São Paulo"}),
    )
    fee = forms.CharField(label=gettext_lazy("Taxa de entrega (R$)"), max_length=20)
    eta_minutes = forms.IntegerField(
        label=gettext_lazy("Entrega em (minutos)"),
        error_messages={"invalid": gettext_lazy("Informe um número inteiro de minutos, de 5 a 240.")},
    )

    def clean_fee(self):
        amount = parse_brl(self.cleaned_data["fee"])
        if amount is None:
            raise forms.ValidationError(_("Informe um valor como 5,00."))
        return amount

    def clean_cep_ranges(self):
        ranges = []
        for line in self.cleaned_data["cep_ranges"].splitlines():
            if not line.strip():
                continue
            match = _CEP_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    _("Não entendi a faixa “%(line)s”: escreva como 01000-000 a 01599-999.")
                    % {"line": line.strip()}
                )
            ceps = [c.replace("-", "") for c in match.groups() if c]
            ranges.append([ceps[0], ceps[-1]])
        return ranges

    def clean_neighbourhoods(self):
        found = []
        for line in self.cleaned_data["neighbourhoods"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 2 or not all(parts):
                raise forms.ValidationError(
                    _("Não entendi “%(line)s”: escreva bairro | cidade, como Bela Vista | São Paulo.")
                    % {"line": line.strip()}
                )
            found.append({"bairro": parts[0], "cidade": parts[1]})
        return found


class VersionForm(forms.Form):
    """The version of the profile row the page was drawn from (hex), for a conditional save."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)

    def clean_version(self):
        try:
            version = bytes.fromhex(self.cleaned_data["version"])
        except ValueError:
            version = b""
        if not version:
            raise forms.ValidationError(_("O formulário expirou. Abra a página de novo."))
        return version


HoursFormSet = formset_factory(
    DayHoursForm, extra=0, min_num=7, max_num=7, validate_min=True, validate_max=True
)


class SpecialDaysBase(BaseFormSet):
    default_error_messages = {
        **BaseFormSet.default_error_messages,
        "too_many_forms": gettext_lazy("No máximo %(num)d dias especiais; apague os que já passaram."),
    }


class ZonesBase(BaseFormSet):
    default_error_messages = {
        **BaseFormSet.default_error_messages,
        "too_many_forms": gettext_lazy("No máximo %(num)d áreas de entrega."),
    }


SpecialDayFormSet = formset_factory(
    SpecialDayForm,
    formset=SpecialDaysBase,
    extra=2,
    can_delete=True,
    max_num=MAX_SPECIAL_DAYS,
    validate_max=True,
)
ZoneFormSet = formset_factory(
    ZoneForm, formset=ZonesBase, extra=1, can_delete=True, max_num=MAX_ZONES, validate_max=True
)


def _initial(document: dict, *, today: dt.date) -> dict:
    """Each form's initial values from a stored document; special days before yesterday are left out,
    so saving prunes them (yesterday stays while its shift may run past midnight)."""
    pix = document.get("pix") or {}
    hours = document.get("hours") or {}
    day_rows = []
    for day in WEEKDAYS:
        row = {}
        for n, (start, end) in enumerate(hours.get(day) or [], 1):
            row[f"open{n}"], row[f"close{n}"] = start, end
        day_rows.append(row)
    special_rows = []
    for special in sorted(document.get("special_days") or [], key=lambda s: s["date"]):
        if dt.date.fromisoformat(special["date"]) < today - dt.timedelta(days=1):
            continue
        row = {"date": special["date"], "note": special.get("note", ""), "kind": CLOSED}
        if not special.get("closed"):
            row["kind"] = HOURS
            for n, (start, end) in enumerate(special.get("hours") or [], 1):
                row[f"open{n}"], row[f"close{n}"] = start, end
        special_rows.append(row)
    zone_rows = [
        {
            "name": zone["name"],
            "cep_ranges": "\n".join(
                f"{a[:5]}-{a[5:]} a {b[:5]}-{b[5:]}" for a, b in zone.get("cep_ranges") or []
            ),
            "neighbourhoods": "\n".join(
                f"{n['bairro']} | {n['cidade']}" for n in zone.get("neighbourhoods") or []
            ),
            "fee": money(zone.get("fee", "0")),
            "eta_minutes": zone.get("eta_minutes"),
        }
        for zone in document.get("delivery_zones") or []
    ]
    return {
        "contact": {k: document.get(k, "") for k in ("name", "phone", "whatsapp")},
        "rules": {
            "minimum_order": money(document.get("minimum_order", "0")),
            "pickup_eta_minutes": document.get("pickup_eta_minutes", 25),
            "half_and_half_rule": document.get("half_and_half_rule", "max"),
            "max_open_orders": document.get("max_open_orders", MAX_OPEN_ORDERS_DEFAULT),
            "max_orders_per_hour": document.get("max_orders_per_hour", MAX_ORDERS_PER_HOUR_DEFAULT),
            "pix_only_above": money(document.get("pix_only_above", PIX_ONLY_ABOVE_DEFAULT)),
        },
        "pix": {k: pix.get(k, "") for k in ("key", "merchant_name", "merchant_city")},
        "hours": day_rows,
        "special": special_rows,
        "zones": zone_rows,
    }


class ProfileEditor:
    """Every form of the page, bound to one POST (or unbound, drawn from ``base``).

    ``is_valid()`` builds ``document`` (``base`` with the edited parts replaced: the address and the
    timezone, which the page does not edit, are kept) and checks it with ``profile_from_dict``: each
    part on its own, so every wrong field gets its message at once, then the whole.
    """

    SECTIONS = ("contact", "rules", "pix", "hours", "special", "zones")

    def __init__(self, data=None, *, base: dict, version: bytes | None, today: dt.date):
        self.base = base
        self.bound = data is not None
        initial = _initial(base, today=today)
        self.contact = ContactForm(data, prefix="contact", initial=initial["contact"])
        self.rules = RulesForm(data, prefix="rules", initial=initial["rules"])
        self.pix = PixForm(data, prefix="pix", initial=initial["pix"])
        self.hours = HoursFormSet(data, prefix="hours", initial=initial["hours"])
        self.special = SpecialDayFormSet(data, prefix="special", initial=initial["special"])
        self.zones = ZoneFormSet(data, prefix="zones", initial=initial["zones"])
        self.version = VersionForm(data, initial={"version": (version or b"").hex()})
        for form, day in zip(self.hours.forms, WEEKDAYS, strict=False):
            form.weekday_name = WEEKDAY_NAMES[day]
        self.errors: list[str] = []  # the page's own, not any field's
        self.document: dict | None = None
        self.pizzeria = None

    # --- checking ---------------------------------------------------------------------------------
    def is_valid(self) -> bool:
        parts = (self.contact, self.rules, self.pix, self.hours, self.special, self.zones, self.version)
        if not all([part.is_valid() for part in parts]):  # a list: every form gets its errors
            if self.version.errors:  # a hidden field: its message goes to the top of the page
                self.errors.extend(self.version.errors["version"])
            return False
        document = copy.deepcopy(self.base)
        contact, rules = self.contact.cleaned_data, self.rules.cleaned_data
        single = {
            "name": (contact["name"], self.contact, "name"),
            "phone": (contact["phone"], self.contact, "phone"),
            "whatsapp": (contact["whatsapp"], self.contact, "whatsapp"),
            "minimum_order": (f"{rules['minimum_order']:.2f}", self.rules, "minimum_order"),
            "pickup_eta_minutes": (rules["pickup_eta_minutes"], self.rules, "pickup_eta_minutes"),
            "half_and_half_rule": (rules["half_and_half_rule"], self.rules, "half_and_half_rule"),
            "max_open_orders": (rules["max_open_orders"], self.rules, "max_open_orders"),
            "max_orders_per_hour": (rules["max_orders_per_hour"], self.rules, "max_orders_per_hour"),
            "pix_only_above": (f"{rules['pix_only_above']:.2f}", self.rules, "pix_only_above"),
        }
        for key, (value, _form, _field) in single.items():
            document[key] = value
        document["pix"] = {**(document.get("pix") or {}), **self.pix.cleaned_data}
        hours = {}
        for form, day in zip(self.hours.forms, WEEKDAYS, strict=False):
            hours[day] = _shifts(form, DAY_SHIFTS)
        document["hours"] = hours
        specials, special_forms = [], []
        for form in self.special.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            pairs = _shifts(form, SPECIAL_SHIFTS)
            special = {"date": data["date"].isoformat()}
            if data["note"].strip():
                special["note"] = data["note"].strip()
            if data["kind"] == CLOSED:
                special["closed"] = True
                if pairs:
                    form.add_error(
                        "kind", _("Um dia fechado não tem horários: apague-os ou escolha horário especial.")
                    )
            else:
                special["hours"] = pairs
            specials.append(special)
            special_forms.append(form)
        document["special_days"] = specials
        zones, zone_forms = [], []
        for form in self.zones.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            zone = {"name": data["name"], "fee": f"{data['fee']:.2f}", "eta_minutes": data["eta_minutes"]}
            if data["cep_ranges"]:
                zone["cep_ranges"] = data["cep_ranges"]
            if data["neighbourhoods"]:
                zone["neighbourhoods"] = data["neighbourhoods"]
            zones.append(zone)
            zone_forms.append(form)
        document["delivery_zones"] = zones

        # Each part alone over the stored document, so every wrong part is named at once...
        for key, (value, form, field) in single.items():
            self._check({**self.base, key: value}, form=form, field=field)
        for name in ("key", "merchant_name", "merchant_city"):
            pix = {**(self.base.get("pix") or {}), name: document["pix"][name]}
            self._check({**self.base, "pix": pix}, form=self.pix, field=name)
        for form, day in zip(self.hours.forms, WEEKDAYS, strict=False):
            if not form.errors:  # half a shift was already named
                self._check({**self.base, "hours": {**self.base["hours"], day: hours[day]}}, form=form)
        for special, form in zip(specials, special_forms, strict=True):
            if not form.errors:
                self._check({**self.base, "special_days": [special]}, forms=[form])
        for zone, form in zip(zones, zone_forms, strict=True):
            self._check({**self.base, "delivery_zones": [zone]}, forms=[form])
        if self.has_errors():
            return False
        # ...then the whole, for what only shows together (the same date twice, too many days).
        try:
            self.pizzeria = profile_from_dict(document)
        except ProfileError as e:
            self._place(e, special_forms=special_forms, zone_forms=zone_forms)
            return False
        self.document = document
        return True

    def _check(self, document: dict, *, form=None, field=None, forms=None) -> None:
        try:
            profile_from_dict(document)
        except ProfileError as e:
            if forms is not None:
                self._place(e, special_forms=forms, zone_forms=forms)
            else:
                form.add_error(field, e.text)

    def _place(self, error: ProfileError, *, special_forms, zone_forms) -> None:
        """Put ``error`` next to the field its path names, or at the top of the page."""
        match = re.match(r"^(special_days|delivery_zones)(?:\[(\d+)\])?\.?(\w*)", error.field)
        if match:
            group, index, name = match.groups()
            forms_ = special_forms if group == "special_days" else zone_forms
            formset = self.special if group == "special_days" else self.zones
            if index is None or int(index) >= len(forms_):
                formset._non_form_errors = formset.error_class([error.text])
                return
            form = forms_[int(index)]
            field = {"closed": "kind", "hours": None}.get(name, name)
            form.add_error(field if field in form.fields else None, error.text)
            return
        where = {
            "name": (self.contact, "name"),
            "phone": (self.contact, "phone"),
            "whatsapp": (self.contact, "whatsapp"),
            "minimum_order": (self.rules, "minimum_order"),
            "pickup_eta_minutes": (self.rules, "pickup_eta_minutes"),
            "half_and_half_rule": (self.rules, "half_and_half_rule"),
            "max_open_orders": (self.rules, "max_open_orders"),
            "max_orders_per_hour": (self.rules, "max_orders_per_hour"),
            "pix_only_above": (self.rules, "pix_only_above"),
            "pix.key": (self.pix, "key"),
            "pix.merchant_name": (self.pix, "merchant_name"),
            "pix.merchant_city": (self.pix, "merchant_city"),
        }.get(error.field)
        if where:
            where[0].add_error(where[1], error.text)
        elif error.field.startswith("hours.") and error.field[6:] in WEEKDAYS:
            self.hours.forms[WEEKDAYS.index(error.field[6:])].add_error(None, error.text)
        else:
            self.errors.append(error.text)

    def has_errors(self) -> bool:
        kept = [f for fs in (self.special, self.zones) for f in fs.forms if not fs._should_delete_form(f)]
        forms_ = (self.contact, self.rules, self.pix, *self.hours.forms, *kept)
        return bool(
            self.errors
            or any(form.errors for form in forms_)
            or self.special.non_form_errors()
            or self.zones.non_form_errors()
        )

    @property
    def version_token(self) -> bytes | None:
        return self.version.cleaned_data.get("version") if self.version.is_valid() else None

    def changed_sections(self, current: dict) -> list[str]:
        """Which sections of the submitted document differ from ``current`` (for the conflict notice)."""
        if self.document is None:
            return []
        labels = {
            "contact": (_("Contato"), ("name", "phone", "whatsapp")),
            "rules": (
                _("Pedidos"),
                (
                    "minimum_order",
                    "pickup_eta_minutes",
                    "half_and_half_rule",
                    "max_open_orders",
                    "max_orders_per_hour",
                    "pix_only_above",
                ),
            ),
            "pix": (_("PIX"), ("pix",)),
            "hours": (_("Horários"), ("hours",)),
            "special": (_("Dias especiais"), ("special_days",)),
            "zones": (_("Áreas de entrega"), ("delivery_zones",)),
        }
        return [
            str(label)
            for label, keys in labels.values()
            if any(self.document.get(k) != current.get(k) for k in keys)
        ]
