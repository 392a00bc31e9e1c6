"""The menu pages' forms: they read what the manager typed (prices the Brazilian way); services decide."""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from menu.photos import PHOTO_MAX_BYTES
from menu.services import CATEGORY_NAME_MAX, DESCRIPTION_MAX, NAME_MAX, PRICE_MAX

BAD_PRICE = _("Informe o preço como 35,90.")
# "35,90", "35.90", "35", "1.234,50", "R$ 35,90": digits with thousands dots and a decimal comma, or a
# decimal point when there is no comma.
_BR_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^\d+([.,]\d+)?$")


def parse_brl(text: str) -> Decimal:
    """A price as people in Brazil type it; ``ValueError`` when it is not one (sign and letters refused)."""
    value = text.strip().removeprefix("R$").strip().replace("\u00a0", "").replace(" ", "")
    if _BR_THOUSANDS.match(value):
        value = value.replace(".", "").replace(",", ".")
    elif _PLAIN.match(value):
        value = value.replace(",", ".")
    else:
        raise ValueError(text)
    try:
        return Decimal(value)
    except InvalidOperation as e:
        raise ValueError(text) from e


def format_brl(amount: Decimal | None) -> str:
    """``35,90`` / ``1.234,50``: what the price field shows, so it reads back as typed."""
    if amount is None:
        return ""
    whole, cents = f"{amount:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


class PriceInput(forms.TextInput):
    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "size": 8, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal):
            return format_brl(value)
        return super().format_value(value)


class BrazilianDecimalField(forms.Field):
    """A price in reais: "35,90", "35.90" and "1.234,50" all read as exact decimals; nothing negative,
    zero, with fractions of a cent, or absurd."""

    widget = PriceInput
    default_error_messages = {
        "invalid": BAD_PRICE,
        "zero": _("O preço precisa ser maior que zero."),
        "cents": _("Use no máximo dois dígitos para os centavos."),
        "max": _("Preço alto demais: confira os dígitos (até R$ %(max)s)."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = str(value)
        if text.strip().startswith("-"):
            raise forms.ValidationError(self.error_messages["zero"], code="zero")
        try:
            price = parse_brl(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if price <= 0:
            raise forms.ValidationError(self.error_messages["zero"], code="zero")
        if price.as_tuple().exponent < -2:
            raise forms.ValidationError(self.error_messages["cents"], code="cents")
        if price > PRICE_MAX:
            raise forms.ValidationError(
                self.error_messages["max"], code="max", params={"max": format_brl(PRICE_MAX)}
            )
        return price.quantize(Decimal("0.01"))


def version_token(version: bytes) -> str:
    return base64.urlsafe_b64encode(version).decode("ascii")


def version_from_token(token: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


class ItemForm(forms.Form):
    """A pizza or a drink. A pizza's price is per size (``price_<code>`` fields, added per item)."""

    name = forms.CharField(
        label=_("Nome"),
        max_length=NAME_MAX,
        error_messages={
            "required": _("Informe o nome."),
            "max_length": _("O nome pode ter até %(limit_value)d caracteres."),
        },
    )
    category = forms.ChoiceField(
        label=_("Categoria"),
        error_messages={
            "required": _("Escolha uma das categorias do cardápio."),
            "invalid_choice": _("Escolha uma das categorias do cardápio."),
        },
    )
    description = forms.CharField(
        label=_("Descrição (ingredientes)"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("A descrição pode ter até %(limit_value)d caracteres.")},
    )
    price = BrazilianDecimalField(
        label=_("Preço (bebidas)"),
        required=False,
        help_text=_("Ex.: 8,50. Pizzas usam os preços por tamanho."),
    )
    half_and_half = forms.BooleanField(label=_("Pode ser meio a meio"), required=False, initial=True)
    hidden = forms.BooleanField(
        label=_("Esconder do cardápio"),
        required=False,
        help_text=_("Os clientes deixam de ver o item; ele continua aqui para voltar quando quiser."),
    )
    photo = forms.FileField(
        label=_("Foto"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG ou WebP, até %(mb)d MB. Ela é recortada em 3 × 4 (300 × 400 no cardápio).")
        % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)},
    )
    remove_photo = forms.BooleanField(label=_("Tirar a foto"), required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, categories=(), sizes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.slug, c.name) for c in categories]
        self.sizes = list(sizes)
        for size in self.sizes:
            self.fields[f"price_{size.code}"] = BrazilianDecimalField(
                label=size.name, required=False, help_text=_("Em branco: não vende neste tamanho.")
            )

    @property
    def size_fields(self):
        return [self[f"price_{size.code}"] for size in self.sizes]

    def size_prices(self) -> dict:
        return {size.code: self.cleaned_data.get(f"price_{size.code}") for size in self.sizes}

    def expected_version(self) -> bytes | None:
        return version_from_token(self.cleaned_data.get("version") or "")

    @staticmethod
    def initial_for(item, version: bytes | None) -> dict:
        initial = {
            "name": item.name,
            "category": item.category,
            "description": item.description,
            "price": item.price if not item.sizes else None,  # a pizza's prices are its sizes
            "half_and_half": item.half_and_half,
            "hidden": item.hidden,
            "version": version_token(version) if version is not None else "",
        }
        for size in item.sizes:
            initial[f"price_{size.code}"] = size.price
        return initial


class CategoryForm(forms.Form):
    slug = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Nome da categoria"),
        max_length=CATEGORY_NAME_MAX,
        error_messages={
            "required": _("Informe o nome da categoria."),
            "max_length": _("O nome pode ter até %(limit_value)d caracteres."),
        },
    )


class MoveForm(forms.Form):
    kind = forms.ChoiceField(
        choices=(("item", "item"), ("category", "category")),
        error_messages={"invalid_choice": _("Escolha o que mover."), "required": _("Escolha o que mover.")},
    )
    slug = forms.CharField(max_length=100, error_messages={"required": _("Escolha o que mover.")})
    direction = forms.TypedChoiceField(
        choices=(("-1", _("Subir")), ("1", _("Descer"))),
        coerce=int,
        error_messages={
            "invalid_choice": _("Escolha subir ou descer."),
            "required": _("Escolha subir ou descer."),
        },
    )
