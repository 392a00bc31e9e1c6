"""Forms of the account pages. Every message is pt-BR (translated), shown next to its field."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from locations.forms import AddressFormMixin

from .entities import Address
from .normalize import email_normalize, phone_normalize
from .passwords import MAX_PASSWORD_LENGTH, password_validate


def _no_control_characters(value: str) -> None:
    # NUL is refused by Django already; the other control characters have no place in a name or street.
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(_("Use apenas letras, números e pontuação."), code="control_characters")


def _text(label, max_length, *, required=True, min_length=None, **kwargs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        min_length=min_length,
        required=required,
        validators=[_no_control_characters],
        **kwargs,
    )


def _email_field():
    return forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )


def _password_field(label, autocomplete, help_text=None):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=MAX_PASSWORD_LENGTH,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _telephone_field():
    return forms.CharField(
        label=_("Celular (com DDD)"),
        max_length=30,
        help_text=_("Para avisarmos sobre o seu pedido. Ex.: (11) 98765-4321"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel-national", "inputmode": "tel"}),
    )


def _has_letters(value: str) -> None:
    # "123" or "..." is nobody's name, and the courier has to call someone by it.
    if not any(char.isalpha() for char in value):
        raise ValidationError(_("O nome precisa ter letras."), code="no_letters")


def _name_field():
    field = _text(_("Nome"), 100, min_length=2, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    field.validators.append(_has_letters)
    return field


class Form(forms.Form):
    """Labels without Django's trailing colon: they sit above their field, as in the rest of the site."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NewPasswordMixin:
    """Two new-password fields that must match and pass ``AUTH_PASSWORD_VALIDATORS``."""

    password_mismatch = _("As senhas não conferem. Digite a mesma senha nos dois campos.")

    def clean_new_passwords(self, *, name: str = "", email: str = "") -> None:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first:
            try:
                password_validate(password=first, name=name, email=email)
            except ValidationError as e:
                self.add_error("password1", e)
        if first and second and first != second:
            self.add_error("password2", self.password_mismatch)


PASSWORD_HELP = _("Pelo menos 10 caracteres; evite senhas comuns ou só com números.")


class SignupForm(NewPasswordMixin, Form):
    name = _name_field()
    email = _email_field()
    telephone = _telephone_field()
    password1 = _password_field(_("Senha"), "new-password", PASSWORD_HELP)
    password2 = _password_field(_("Confirme a senha"), "new-password")
    privacy = forms.BooleanField(
        label=_("Li e aceito o aviso de privacidade"),
        error_messages={"required": _("Para criar a conta, aceite o aviso de privacidade.")},
    )

    def clean_email(self):
        return email_normalize(self.cleaned_data["email"])

    def clean_telephone(self):
        return phone_normalize(self.cleaned_data["telephone"])

    def clean(self):
        cleaned = super().clean()
        self.clean_new_passwords(name=cleaned.get("name", ""), email=cleaned.get("email", ""))
        return cleaned


class LoginForm(Form):
    email = _email_field()
    password = forms.CharField(
        label=_("Senha"),
        strip=False,
        max_length=MAX_PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(Form):
    email = _email_field()


class SetPasswordForm(NewPasswordMixin, Form):
    password1 = _password_field(_("Nova senha"), "new-password", PASSWORD_HELP)
    password2 = _password_field(_("Confirme a nova senha"), "new-password")

    def __init__(self, *args, name: str = "", email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.person = (name, email)

    def clean(self):
        cleaned = super().clean()
        self.clean_new_passwords(name=self.person[0], email=self.person[1])
        return cleaned


class PasswordChangeForm(SetPasswordForm):
    current_password = _password_field(_("Senha atual"), "current-password")
    field_order = ["current_password", "password1", "password2"]


class ProfileForm(Form):
    name = _name_field()
    telephone = _telephone_field()

    def clean_telephone(self):
        return phone_normalize(self.cleaned_data["telephone"])


class AddressForm(Form, AddressFormMixin):
    """A saved delivery address: the ``locations`` address fields (CEP lookup included) and a label."""

    label = _text(_("Nome do endereço"), 40, help_text=_("Ex.: Casa, Trabalho"))
    field_order = ["label", *AddressFormMixin.ADDRESS_FIELDS]

    def clean(self):
        cleaned = super().clean()
        for name in ("logradouro", "numero", "complemento", "bairro", "cidade"):
            if cleaned.get(name):
                try:
                    _no_control_characters(cleaned[name])
                except ValidationError as e:
                    self.add_error(name, e)
        return cleaned

    def address(self, address_id: str = "") -> Address:
        return Address(id=address_id, label=self.cleaned_data["label"], **self.address_values())

    @staticmethod
    def initial_from(address: Address) -> dict:
        return {
            "label": address.label,
            "cep": address.cep_display,
            "logradouro": address.street,
            "numero": address.number,
            "complemento": address.complement,
            "bairro": address.district,
            "cidade": address.city,
            "uf": address.state,
        }


class DeleteAccountForm(Form):
    password = _password_field(_("Sua senha"), "current-password")
