"""Address fields that fill themselves in from the CEP, for any form that asks for a Brazilian address.

Use it in three steps (checkout, saved addresses and the "Consultar CEP" page all do)::

    # forms.py
    class DeliveryForm(AddressFormMixin):          # or (AddressFormMixin, SomeOtherForm)
        recipient = forms.CharField(...)            # your own fields come after the address's

    # views.py: nothing special; "Buscar CEP" is never a valid submission, so it just re-renders
    form = DeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ...  # form.cleaned_data["cep"] is "01310-100", "uf" is "SP", ...
    return render(request, "orders/checkout.html", {"form": form})

    {# the template, inside your <form method="post"> with {% csrf_token %} #}
    {% include "locations/includes/address_fields.html" with form=form %}

With JavaScript, ``static/js/cep-autofill.js`` (loaded by the include) fills logradouro, bairro, cidade
and UF from ``/api/cep/<cep>/`` as soon as 8 digits are typed. Without it, the include's "Buscar CEP"
button submits the form; the bound form then looks the CEP up on the server and comes back filled in,
showing no errors but the CEP's own (the customer has not finished yet). A form with a ``prefix`` works
too: every name and the button are prefixed. Drop a field you do not need by setting it to ``None`` in
your subclass (``complemento = None``); make one optional by redeclaring it.

A submitted address must agree with its CEP, so that a delivery fee (computed from the CEP, bairro and
cidade) cannot be picked by typing another town or street: ``clean`` looks the CEP up, refuses an
unknown CEP, a city or UF other than the CEP's and, for a CEP of one street, another street (compared
without accents, case, abbreviations such as "Av." or the street's type). What agrees is then replaced
by the database's spelling, and a street-level CEP's bairro replaces the typed one. A form whose
address is optional overrides ``address_check_needed``. When the CEP database cannot be read (never
built, unreadable: an operator's problem, which no customer can cause) the address is accepted as typed
and an error is logged, rather than stopping every delivery order until an operator rebuilds it.

Every server-side lookup ("Buscar CEP" and the check on submit) counts against the client's allowance
of the CEP API (``RATE_LIMITS["cep_api"]``, failing open without Redis as the API does) when the view
passes ``cep_limit_key=client_ip(request)``; without it (scripts, unit tests) nothing is counted.
"""

from __future__ import annotations

import logging

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ocipizza.ratelimit import rate_limit_hit

from .entities import Address
from .exceptions import CEPDatabaseUnavailable, CEPError, CEPNotFound, InvalidCEP
from .selectors import cep_lookup
from .text import cep_format, cep_normalize, place_key, street_key

logger = logging.getLogger(__name__)

# The forms share the API's allowance: one client, one budget, whichever way it asks.
CEP_RATE_SCOPE = "cep_api"

UF_CHOICES = [
    ("", "—"),
    ("AC", "Acre"), ("AL", "Alagoas"), ("AP", "Amapá"), ("AM", "Amazonas"), ("BA", "Bahia"),
    ("CE", "Ceará"), ("DF", "Distrito Federal"), ("ES", "Espírito Santo"), ("GO", "Goiás"),
    ("MA", "Maranhão"), ("MT", "Mato Grosso"), ("MS", "Mato Grosso do Sul"), ("MG", "Minas Gerais"),
    ("PA", "Pará"), ("PB", "Paraíba"), ("PR", "Paraná"), ("PE", "Pernambuco"), ("PI", "Piauí"),
    ("RJ", "Rio de Janeiro"), ("RN", "Rio Grande do Norte"), ("RS", "Rio Grande do Sul"),
    ("RO", "Rondônia"), ("RR", "Roraima"), ("SC", "Santa Catarina"), ("SP", "São Paulo"),
    ("SE", "Sergipe"), ("TO", "Tocantins"),
]  # fmt: skip


def _attrs(field: str, autocomplete: str, **extra: str) -> dict[str, str]:
    # data-address-field is how cep-autofill.js finds each field, whatever the form's prefix.
    return {"data-address-field": field, "autocomplete": autocomplete, **extra}


class CEPInput(forms.TextInput):
    """A text box for a CEP: numeric keyboard on phones, the browser's saved CEP offered."""

    def __init__(self, attrs: dict | None = None):
        defaults = _attrs("cep", "postal-code", inputmode="numeric", placeholder="00000-000")
        super().__init__({**defaults, **(attrs or {})})


class CEPField(forms.CharField):
    """A CEP typed any usual way ("01310-100", "01310100", "01.310-100"); cleans to "01310-100".

    Only the format is checked: a CEP the database does not know may still be a real, new one.
    """

    widget = CEPInput
    default_error_messages = {"invalid": _("Informe um CEP com 8 dígitos, como 01310-100.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("CEP"))
        kwargs.setdefault("max_length", 12)  # room for spaces around the 9 characters of "01310-100"
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return cep_format(cep_normalize(value))
        except InvalidCEP as e:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from e


def cep_mismatches(
    found: Address, *, street: str | None = None, city: str | None = None, uf: str | None = None
) -> dict[str, str]:
    """What of an address disagrees with its CEP's (``found``): ``{field name: message}``, empty if nothing.

    ``None`` skips a value (a field that already has an error of its own). City and UF always count; the
    street only where the CEP is one street's: a city-level CEP says nothing about streets.
    """
    errors = {}
    if city is not None and place_key(city) != place_key(found.localidade):
        errors["cidade"] = gettext("A cidade do CEP %(cep)s é %(city)s. Corrija a cidade ou o CEP.") % {
            "cep": found.cep,
            "city": found.localidade,
        }
    if uf is not None and uf != found.uf:
        errors["uf"] = gettext("O estado do CEP %(cep)s é %(uf)s. Corrija o estado ou o CEP.") % {
            "cep": found.cep,
            "uf": found.uf,
        }
    if street is not None and found.is_street_level and street_key(street) != street_key(found.logradouro):
        errors["logradouro"] = gettext(
            "A rua do CEP %(cep)s é %(street)s. Corrija a rua ou o CEP (Buscar CEP preenche o endereço)."
        ) % {"cep": found.cep, "street": found.logradouro}
    return errors


def cep_not_found_message(cep: str) -> str:
    # Not CEPNotFound's "... ou preencha o endereço": a submitted address needs a CEP we know.
    return gettext("Não encontramos o CEP %(cep)s. Confira os números.") % {"cep": cep}


class AddressFormMixin(forms.Form):
    """A Brazilian address (CEP, logradouro, número, complemento, bairro, cidade, UF) with CEP lookup.

    See the module docstring for how a view and a template use it. After a server-side lookup,
    ``cep_address`` holds the ``Address`` found (``None`` otherwise).
    """

    CEP_LOOKUP_BUTTON = "buscar_cep"
    ADDRESS_FIELDS = ("cep", "logradouro", "numero", "complemento", "bairro", "cidade", "uf")

    cep = CEPField()
    logradouro = forms.CharField(
        label=_("Rua / logradouro"),
        max_length=150,
        widget=forms.TextInput(_attrs("logradouro", "address-line1")),
    )
    numero = forms.CharField(
        label=_("Número"),
        max_length=10,
        help_text=_("Escreva s/n se não houver."),
        widget=forms.TextInput(_attrs("numero", "off")),
    )
    complemento = forms.CharField(
        label=_("Complemento"),
        required=False,
        max_length=80,
        help_text=_("Apartamento, bloco, ponto de referência."),
        widget=forms.TextInput(_attrs("complemento", "address-line2")),
    )
    # Optional: a CEP of a whole small town names no bairro, and some addresses have none.
    bairro = forms.CharField(
        label=_("Bairro"),
        required=False,
        max_length=100,
        widget=forms.TextInput(_attrs("bairro", "address-level3")),
    )
    cidade = forms.CharField(
        label=_("Cidade"), max_length=100, widget=forms.TextInput(_attrs("cidade", "address-level2"))
    )
    uf = forms.ChoiceField(
        label=_("Estado (UF)"), choices=UF_CHOICES, widget=forms.Select(_attrs("uf", "address-level1"))
    )

    def __init__(self, *args, cep_limit_key: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cep_address: Address | None = None
        # The CEP's address as clean() found it (``cep_address`` is only set by "Buscar CEP").
        self.cep_checked: Address | None = None
        self.cep_limit_key = cep_limit_key
        self.cep_retry_after = 0  # seconds, when a lookup was refused for being over the limit

    @property
    def cep_lookup_button_name(self) -> str:
        """The name of the "Buscar CEP" submit button (prefixed like the fields)."""
        return self.add_prefix(self.CEP_LOOKUP_BUTTON)

    @property
    def cep_lookup_requested(self) -> bool:
        """The form was submitted with "Buscar CEP", not with the form's own button."""
        return self.is_bound and self.cep_lookup_button_name in self.data

    def address_fields(self) -> list[forms.BoundField]:
        """The address's fields after the CEP, in order, without those a subclass removed."""
        return [self[name] for name in self.ADDRESS_FIELDS[1:] if name in self.fields]

    def address_values(self) -> dict[str, str]:
        """The cleaned address under the names the app's entities use (cep as 8 digits)."""
        data = self.cleaned_data
        return {
            "cep": data["cep"].replace("-", ""),
            "street": data["logradouro"],
            "number": data.get("numero") or "",
            "complement": data.get("complemento") or "",
            "district": data.get("bairro") or "",
            "city": data["cidade"],
            "state": data["uf"],
        }

    def is_valid(self) -> bool:
        # "Buscar CEP" only fills the form in: a view must never act on it as a submission.
        return super().is_valid() and not self.cep_lookup_requested

    def full_clean(self) -> None:
        if not self.cep_lookup_requested:
            super().full_clean()
            return
        # The customer has not finished the form: report only what is wrong with the CEP.
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}
        self._fill_from_cep()

    def cep_lookup_limited(self, cep: str, *, error_field: str = "cep") -> Address | None:
        """``cep_lookup`` counted against the client's allowance; ``None``, with the error on
        ``error_field``, when over it. Raises what ``cep_lookup`` raises."""
        if self.cep_limit_key is not None:
            # Fails open, as the API: the lookup needs no Redis and customers should not lose it with Redis.
            limit = rate_limit_hit(scope=CEP_RATE_SCOPE, key=self.cep_limit_key, fail_open=True)
            if not limit.allowed:
                self.cep_retry_after = limit.retry_after
                message = ngettext(
                    "Muitas consultas de CEP. Tente de novo em %(seconds)d segundo.",
                    "Muitas consultas de CEP. Tente de novo em %(seconds)d segundos.",
                    limit.retry_after,
                ) % {"seconds": limit.retry_after}
                self.add_error(error_field, ValidationError(message, code="rate_limited"))
                return None
        return cep_lookup(cep=cep)

    def address_check_needed(self) -> bool:
        """Whether ``clean`` checks the address against its CEP (forms with an optional address say when)."""
        return True

    def clean(self):
        cleaned = super().clean()
        if self.address_check_needed():
            self._check_against_cep(cleaned)
        return cleaned

    def _check_against_cep(self, data: dict) -> None:
        cep = data.get("cep")
        if not cep:
            return  # empty or malformed: the field's own error (or the form's "required") says so
        try:
            found = self.cep_lookup_limited(cep)
        except CEPDatabaseUnavailable as e:
            # Fail open (see the module docstring); the log tells the operator what to run.
            logger.error("address accepted without checking its CEP: %s", e)
            return
        except CEPNotFound:
            self.add_error("cep", ValidationError(cep_not_found_message(cep), code="cep_not_found"))
            return
        except CEPError as e:
            self.add_error("cep", ValidationError(e.message, code=e.code))
            return
        if found is None:
            return
        self.cep_checked = found

        def typed(name: str) -> str | None:
            # Missing or already wrong: the field's own message ("obrigatório", too long) says so.
            value = data.get(name) if name in self.fields and name not in self.errors else None
            return value or None

        mismatches = cep_mismatches(found, street=typed("logradouro"), city=typed("cidade"), uf=typed("uf"))
        for name, message in mismatches.items():
            self.add_error(name, ValidationError(message, code="cep_mismatch"))
        if mismatches:
            return
        # All agree: keep the database's spelling, and the bairro of a street-level CEP (a zone may be
        # priced by bairro, so it must be the CEP's, not whatever was typed). The page shows them too.
        backed = {"cidade": found.localidade, "uf": found.uf}
        if found.is_street_level:
            backed["logradouro"] = found.logradouro
            if found.bairro:
                backed["bairro"] = found.bairro
        shown = self.data.copy()
        for name, value in backed.items():
            # A blank field stays blank for its "obrigatório" (the bairro, optional, is the CEP's anyway).
            if name in self.fields and (typed(name) is not None or name == "bairro"):
                data[name] = value
                shown[self.add_prefix(name)] = value
        self.data = shown

    def _fill_from_cep(self) -> None:
        try:
            address = self.cep_lookup_limited(self.data.get(self.add_prefix("cep"), ""))
        except CEPError as e:
            self.add_error("cep", ValidationError(e.message, code=e.code))
            return
        if address is None:
            return
        self.cep_address = address
        data = self.data.copy()
        found = {
            "cep": address.cep,
            "logradouro": address.logradouro,
            "bairro": address.bairro,
            "cidade": address.localidade,
            "uf": address.uf,
        }
        # Not complemento: the CEP's ("lado par") is not the customer's ("apto 12").
        for name, value in found.items():
            # A city-level CEP knows no street: keep what the customer typed rather than blank it.
            if value and name in self.fields:
                data[self.add_prefix(name)] = value
        self.data = data


class CEPConsultForm(AddressFormMixin):
    """The "Consultar CEP" page: the address of a CEP, nothing of the customer's own."""

    numero = None
    complemento = None
