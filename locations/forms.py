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
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from .entities import Address
from .exceptions import CEPError, InvalidCEP
from .selectors import cep_lookup
from .text import cep_format, cep_normalize

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cep_address: Address | None = None

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

    def _fill_from_cep(self) -> None:
        try:
            address = cep_lookup(cep=self.data.get(self.add_prefix("cep"), ""))
        except CEPError as e:
            self.add_error("cep", ValidationError(e.message, code=e.code))
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
