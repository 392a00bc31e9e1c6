"""The customers area's forms: they shape what was posted; the accounts services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.normalize import email_key


class SetActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=(("1", _("Reativar")), ("0", _("Desativar"))),
        coerce=lambda value: value == "1",
        error_messages={
            "required": _("Escolha desativar ou reativar."),
            "invalid_choice": _("Escolha desativar ou reativar."),
        },
    )


class DeleteForm(forms.Form):
    """Deleting cannot be undone, so the staff member types the customer's e-mail to confirm it."""

    confirmation = forms.CharField(
        label=_("Para confirmar, digite o e-mail do cliente"),
        max_length=254,
        error_messages={"required": _("Digite o e-mail do cliente para confirmar a exclusão.")},
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"]
        if email_key(typed) != email_key(self.customer.email):
            raise forms.ValidationError(
                _("O e-mail digitado não é o deste cliente. Nada foi excluído."), code="mismatch"
            )
        return typed
