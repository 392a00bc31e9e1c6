"""Forms for the cart; the cart service does the menu checks, these only shape the input."""

import logging
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.entities import Address
from accounts.forms import SignupForm
from accounts.normalize import email_normalize, phone_normalize
from locations.exceptions import CEPDatabaseUnavailable, CEPError
from locations.forms import AddressFormMixin, cep_mismatches, cep_not_found_message
from locations.text import place_key
from ocipizza.templatetags.ocipizza import brl

from .cart import MAX_NOTE, MAX_QUANTITY
from .entities import Payment
from .statuses import Fulfilment

logger = logging.getLogger(__name__)


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


class CancelForm(forms.Form):
    """Why the customer cancels: asked before the order is cancelled, shown to the pizzeria."""

    REASONS = (
        ("demora", _("Está demorando demais")),
        ("engano", _("Pedi algo errado")),
        ("desisti", _("Mudei de ideia")),
        ("outro", _("Outro motivo")),
    )
    MAX_DETAIL = 150

    reason = forms.ChoiceField(
        choices=REASONS,
        error_messages={
            "required": _("Conte por que você quer cancelar o pedido."),
            "invalid_choice": _("Escolha um dos motivos da lista."),
        },
    )
    detail = _NoNulCharField(max_length=MAX_DETAIL, required=False, strip=True)

    def reason_text(self) -> str:
        """The reason as the pizzeria reads it: the choice's words, then what the customer added."""
        label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        detail = " ".join(self.cleaned_data["detail"].split())
        return f"{label}: {detail}" if detail else label


def zone_attrs(zone, subtotal) -> dict[str, str]:
    """What the checkout script shows when a saved address in ``zone`` is chosen (``data-*``)."""
    if zone is None:
        return {
            "data-zone-out": "1",
            "data-quote": str(
                _("Este endereço está fora da área de entrega. Você pode retirar o pedido na pizzaria.")
            ),
        }
    attrs = {
        "data-fee": str(zone.fee),
        "data-fee-text": brl(zone.fee),
        "data-quote": str(
            _("Entregamos aí (%(name)s): taxa de %(fee)s, chega em cerca de %(minutes)s minutos.")
            % {"name": zone.name, "fee": brl(zone.fee), "minutes": zone.eta_minutes}
        ),
    }
    if subtotal is not None:
        attrs["data-total-text"] = brl(subtotal + zone.fee)
    return attrs


class ZoneRadioSelect(forms.RadioSelect):
    """Saved addresses as radios that carry their delivery zone's fee and time (``zones``: address id ->
    ``data-*`` attributes), so the page's script can update the quote the moment one is chosen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zones: dict[str, dict[str, str]] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"] = {**option["attrs"], **self.zones.get(str(value), {})}
        return option


# What the payment choices say for a pickup: nothing is paid "na entrega" at the counter.
PICKUP_PAYMENT_LABELS = {
    Payment.CREDIT_CARD: _("Cartão de crédito na retirada"),
    Payment.DEBIT_CARD: _("Cartão de débito na retirada"),
    Payment.CASH: _("Dinheiro na retirada"),
}


class PaymentRadioSelect(forms.RadioSelect):
    """Payment radios that carry their delivery and pickup wordings for the checkout's script."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        delivery = dict(CheckoutForm.base_fields["payment"].choices).get(value, label)
        pickup = PICKUP_PAYMENT_LABELS.get(value, delivery)
        option["attrs"] = {
            **option["attrs"],
            "data-delivery-label": str(delivery),
            "data-pickup-label": str(pickup),
        }
        return option


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
    saved_address = forms.ChoiceField(label=_("Entregar em"), required=False, widget=ZoneRadioSelect)
    payment = forms.ChoiceField(
        label=_("Forma de pagamento"),
        choices=[
            (Payment.PIX, _("PIX (QR Code ou copia e cola)")),
            (Payment.CREDIT_CARD, _("Cartão de crédito na entrega")),
            (Payment.DEBIT_CARD, _("Cartão de débito na entrega")),
            (Payment.CASH, _("Dinheiro")),
        ],
        initial=Payment.PIX,
        widget=PaymentRadioSelect,
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

    def __init__(self, *args, addresses=(), pizzeria=None, subtotal=None, **kwargs):
        """With ``pizzeria`` each saved address shows its zone's fee and time (and carries them for the
        page's script, with the total over ``subtotal``), and one outside every zone is never the one
        preselected."""
        super().__init__(*args, **kwargs)
        self.addresses = tuple(addresses)
        self.zones = (
            {a.id: pizzeria.zone_for(cep=a.cep, bairro=a.district, cidade=a.city) for a in self.addresses}
            if pizzeria is not None
            else {}
        )
        choices = [
            (a.id, self._address_label(a, pizzeria is not None and self.zones[a.id])) for a in self.addresses
        ]
        choices.append((self.NEW_ADDRESS, _("Outro endereço")))
        self.fields["saved_address"].choices = choices
        self.fields["saved_address"].widget.zones = {
            a.id: zone_attrs(self.zones[a.id], subtotal) for a in self.addresses if a.id in self.zones
        }
        if self.is_bound and self.data.get(self.add_prefix("fulfilment")) == Fulfilment.PICKUP:
            self.fields["payment"].choices = [
                (value, PICKUP_PAYMENT_LABELS.get(value, label))
                for value, label in self.fields["payment"].choices
            ]
        deliverable = [a for a in self.addresses if pizzeria is None or self.zones[a.id] is not None]
        self.fields["saved_address"].initial = deliverable[0].id if deliverable else self.NEW_ADDRESS
        # Address fields matter only for a delivery to a new address; clean() decides.
        for name in self.ADDRESS_FIELDS:
            if name in self.fields:
                self.fields[name].required = False

    @staticmethod
    def _address_label(address: Address, zone) -> str:
        label = f"{address.label}: {address.one_line}" if address.label else address.one_line
        if zone is False:  # zones unknown
            return label
        if zone is None:
            return _("%(address)s (fora da área de entrega)") % {"address": label}
        return _("%(address)s (taxa %(fee)s, cerca de %(minutes)s min)") % {
            "address": label,
            "fee": brl(zone.fee),
            "minutes": zone.eta_minutes,
        }

    def address_check_needed(self) -> bool:
        # The typed address is checked against its CEP only when it is the one the order goes to.
        data = self.cleaned_data
        return (
            data.get("fulfilment") == Fulfilment.DELIVERY
            and (data.get("saved_address") or self.NEW_ADDRESS) == self.NEW_ADDRESS
        )

    def clean(self):
        data = super().clean()
        if data.get("fulfilment") != Fulfilment.DELIVERY:
            return data
        choice = data.get("saved_address") or self.NEW_ADDRESS
        if choice != self.NEW_ADDRESS:
            saved = next((a for a in self.addresses if a.id == choice), None)
            if saved is not None:
                self._check_saved(saved)
            return data
        for name in ("cep", "logradouro", "numero", "cidade", "uf"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Este campo é obrigatório para a entrega."))
        return data

    def _check_saved(self, saved: Address) -> None:
        # An address saved before addresses were checked against their CEP may still disagree with it,
        # and its fee would follow what was typed: it is refused until the customer corrects it.
        try:
            found = self.cep_lookup_limited(saved.cep, error_field="saved_address")
        except CEPDatabaseUnavailable as e:
            logger.error("saved address used without checking its CEP: %s", e)  # fails open, as new ones
            return
        except CEPError:
            found, problems = None, [cep_not_found_message(saved.cep_display)]
        if found is None and self.cep_retry_after:
            return  # over the lookup limit, said on the field
        if found is not None:
            problems = list(
                cep_mismatches(found, street=saved.street, city=saved.city, uf=saved.state).values()
            )
            # A zone may be priced by bairro: a street-level CEP's bairro is the one that counts.
            if (
                found.is_street_level
                and found.bairro
                and place_key(saved.district) != place_key(found.bairro)
            ):
                problems.append(_("O bairro do CEP é %(bairro)s.") % {"bairro": found.bairro})
            if not problems:
                return
        self.add_error(
            "saved_address",
            _("Este endereço salvo não confere com o CEP. %(problem)s Edite-o em Meus endereços.")
            % {"problem": problems[0]},
        )

    def delivery_address(self) -> Address | None:
        data = self.cleaned_data
        if data.get("fulfilment") != Fulfilment.DELIVERY:
            return None
        choice = data.get("saved_address") or self.NEW_ADDRESS
        for saved in self.addresses:
            if saved.id == choice:
                return saved
        return Address(**self.address_values())


class GuestCheckoutForm(CheckoutForm):
    """Checkout without an account: who is ordering (the sign-up form's name, e-mail and mobile checks),
    and PIX or card only. There are no saved addresses."""

    name = SignupForm.base_fields["name"]
    email = SignupForm.base_fields["email"]
    telephone = SignupForm.base_fields["telephone"]
    GUEST_PAYMENTS = (Payment.PIX, Payment.CREDIT_CARD, Payment.DEBIT_CARD)

    def __init__(self, *args, **kwargs):
        kwargs["addresses"] = ()
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("O link para acompanhar o pedido vai para este e-mail.")
        payment = self.fields["payment"]
        payment.choices = [(value, label) for value, label in payment.choices if value in self.GUEST_PAYMENTS]
        del self.fields["change_for"]  # no cash: nothing to change

    def clean_email(self):
        return email_normalize(self.cleaned_data["email"])

    def clean_telephone(self):
        return phone_normalize(self.cleaned_data["telephone"])
