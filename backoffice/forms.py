from django import forms
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(label=_("Senha"), strip=False, max_length=4096, widget=forms.PasswordInput)


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Código do aplicativo autenticador"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
