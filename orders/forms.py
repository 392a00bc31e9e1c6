"""Forms for the cart; the cart service does the menu checks, these only shape the input."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.entities import Address
from locations.forms import AddressFormMixin

from .cart import MAX_NOTE, MAX_QUANTITY
from .entities import Payment
from .statuses import Fulfilment


class _NoNulCharField(forms.CharField):
    default_error_messages = {"null_characters_not_allowed": _("Caracteres inválidos.")}


class CartAddForm(forms.Form):
    item = _NoNulCharField(max_length=80)
    size = _NoNulCharField(max_length=20, required=False)
    half = _NoNulCharField(max_length=80, required=False)
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "invalid": _("A quantidade precisa ser um número."),
            "min_value": _("A quantidade vai de 1 a 20."),
            "max_value": _("A quantidade vai de 1 a 20."),
            "required": _("Informe a quantidade."),
        },
    )
    note = _NoNulCharField(max_length=MAX_NOTE, required=False, strip=True)


class CartLineForm(forms.Form):
    quantity = CartAddForm.base_fields["quantity"]
    note = _NoNulCharField(max_length=MAX_NOTE, required=False, strip=True)


class CheckoutForm(AddressFormMixin):
    """Delivery or pickup, where to, how to pay. The address is needed only for a new delivery address."""

    NEW_ADDRESS = "new"

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The delivery fee the page showed; an order is only placed at a fee the customer has seen.
    quoted_fee = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=7, decimal_places=2)
    fulfilment = forms.ChoiceField(
        label=_("Como você quer receber?"),
        choices=[(Fulfilment.DELIVERY, _("Entrega")), (Fulfilment.PICKUP, _("Retirar na pizzaria"))],
        initial=Fulfilment.DELIVERY,
        widget=forms.RadioSelect,
    )
    saved_address = forms.ChoiceField(label=_("Entregar em"), required=False, widget=forms.RadioSelect)
    payment = forms.ChoiceField(
        label=_("Forma de pagamento"),
        choices=[
            (Payment.PIX, _("PIX (QR Code ou copia e cola)")),
            (Payment.CREDIT_CARD, _("Cartão de crédito na entrega")),
            (Payment.DEBIT_CARD, _("Cartão de débito na entrega")),
            (Payment.CASH, _("Dinheiro")),
        ],
        initial=Payment.PIX,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Escolha a forma de pagamento."),
            "invalid_choice": _("Escolha a forma de pagamento."),
        },
    )
    change_for = forms.DecimalField(
        label=_("Troco para quanto?"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
        localize=True,
        help_text=_("Deixe em branco se não precisar de troco."),
        error_messages={"invalid": _("Informe um valor como 100,00.")},
    )

    def __init__(self, *args, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = tuple(addresses)
        choices = [(a.id, f"{a.label}: {a.one_line}" if a.label else a.one_line) for a in self.addresses]
        choices.append((self.NEW_ADDRESS, _("Outro endereço")))
        self.fields["saved_address"].choices = choices
        self.fields["saved_address"].initial = self.addresses[0].id if self.addresses else self.NEW_ADDRESS
        # Address fields matter only for a delivery to a new address; clean() decides.
        for name in self.ADDRESS_FIELDS:
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if data.get("fulfilment") != Fulfilment.DELIVERY:
            return data
        choice = data.get("saved_address") or self.NEW_ADDRESS
        if choice != self.NEW_ADDRESS:
            return data
        for name in ("cep", "logradouro", "numero", "cidade", "uf"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Este campo é obrigatório para a entrega."))
        return data

    def delivery_address(self) -> Address | None:
        data = self.cleaned_data
        if data.get("fulfilment") != Fulfilment.DELIVERY:
            return None
        choice = data.get("saved_address") or self.NEW_ADDRESS
        for saved in self.addresses:
            if saved.id == choice:
                return saved
        return Address(**self.address_values())
