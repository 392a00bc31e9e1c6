"""The counter's forms: the shop's own (cart line, checkout with the CEP autofill) plus who is ordering."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.normalize import VALID_DDDS, phone_normalize
from orders.entities import Payment
from orders.forms import CartAddForm, CartLineForm, CheckoutForm
from orders.statuses import Fulfilment

from .services import CHANNEL_COUNTER, CHANNEL_PHONE

MAX_NAME = 80


def counter_phone_normalize(value: str) -> str:
    """A caller's number in E.164: a mobile as accounts take it, or a landline (fixo), which a
    customer account refuses (it needs a mobile) but a caller may well ring from."""
    try:
        return phone_normalize(value)
    except ValidationError as e:
        if e.code not in ("phone_not_mobile", "phone_invalid"):
            raise  # a DDD that does not exist, a foreign number, no DDD: the accounts' words fit
        digits = re.sub(r"\D", "", value)
        if value.strip().startswith("+") or (len(digits) == 12 and digits.startswith("55")):
            digits = digits[2:]
        # Landlines are 8 digits after the DDD, starting 2 to 5 (Anatel's numbering plan).
        typed = re.fullmatch(r"\+?[0-9\s().-]+", value.strip(), re.ASCII)
        if typed and len(digits) == 10 and digits[:2] in VALID_DDDS and digits[2] in "2345":
            return "+55" + digits
        raise ValidationError(
            _("Informe o telefone com DDD: celular (11) 98765-4321 ou fixo (11) 3456-7890."),
            code="phone_invalid",
        ) from e


class CounterAddForm(CartAddForm):
    """The shop's "add to cart" form as is."""


class CounterLineForm(CartLineForm):
    line = forms.CharField(max_length=20, error_messages={"required": _("Este item já não está no pedido.")})


class CounterOrderForm(CheckoutForm):
    """The shop's checkout form (key, pickup or delivery, CEP autofill, payment, troco) plus the caller."""

    channel = forms.ChoiceField(
        label=_("Como o pedido chegou?"),
        choices=[(CHANNEL_PHONE, _("Telefone")), (CHANNEL_COUNTER, _("Balcão"))],
        initial=CHANNEL_PHONE,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Diga como o pedido chegou."),
            "invalid_choice": _("Diga como o pedido chegou."),
        },
    )
    name = forms.CharField(
        label=_("Nome do cliente"),
        max_length=MAX_NAME,
        error_messages={
            "required": _("Informe o nome do cliente."),
            "max_length": _("O nome pode ter até %(limit_value)d caracteres."),
            "null_characters_not_allowed": _("Caracteres inválidos."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    telephone = forms.CharField(
        label=_("Telefone"),
        required=False,
        max_length=30,
        help_text=_("Com DDD. Pode ficar em branco só para quem retira no balcão."),
        error_messages={"null_characters_not_allowed": _("Caracteres inválidos.")},
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "(11) 98765-4321"}
        ),
    )
    payment = forms.ChoiceField(
        label=_("Forma de pagamento"),
        choices=[
            (Payment.CASH, _("Dinheiro")),
            (Payment.CREDIT_CARD, _("Cartão de crédito (maquininha)")),
            (Payment.DEBIT_CARD, _("Cartão de débito (maquininha)")),
            (Payment.PIX, _("PIX (mostrar o QR Code ou mandar o copia e cola)")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Escolha a forma de pagamento."),
            "invalid_choice": _("Escolha a forma de pagamento."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Who the order is for comes first on the page; the shop's fields follow in their order.
        self.order_fields(["channel", "name", "telephone"])
        self.fields["fulfilment"].label = _("Entrega ou retirada?")
        choose = _("Escolha entrega ou retirada.")
        self.fields["fulfilment"].error_messages.update(required=choose, invalid_choice=choose)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean(self):
        data = super().clean()
        raw = (data.get("telephone") or "").strip()
        if raw:
            try:
                data["telephone"] = counter_phone_normalize(raw)
            except ValidationError as e:
                self.add_error("telephone", e)
        elif data.get("channel") == CHANNEL_PHONE or data.get("fulfilment") == Fulfilment.DELIVERY:
            # A caller or a delivery may need a call back; only a walk-in who waits needs no number.
            self.add_error("telephone", _("Informe o telefone do cliente com DDD."))
        return data
