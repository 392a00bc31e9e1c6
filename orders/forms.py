"""Forms for the cart; the cart service does the menu checks, these only shape the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .cart import MAX_NOTE, MAX_QUANTITY


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
