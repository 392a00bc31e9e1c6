"""The availability page's forms: they shape what was posted; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ocipizza.pizzeria.services import PAUSE_REASON_MAX

DURATIONS = (
    ("", _("Até alguém reabrir")),
    ("15", _("15 minutos")),
    ("30", _("30 minutos")),
    ("60", _("1 hora")),
    ("120", _("2 horas")),
)


class PauseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo (os clientes veem)"),
        required=False,
        max_length=PAUSE_REASON_MAX,
        error_messages={"max_length": _("O motivo pode ter até %(limit_value)d caracteres.")},
        widget=forms.TextInput(attrs={"placeholder": _("Ex.: forno em manutenção")}),
    )
    minutes = forms.TypedChoiceField(
        label=_("Por quanto tempo"),
        choices=DURATIONS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Escolha uma das durações da lista.")},
    )
    until_time = forms.TimeField(
        label=_("Ou até as (horário da pizzaria)"),
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Informe o horário da volta como 21:30.")},
    )


class ItemAvailabilityForm(forms.Form):
    item = forms.CharField(max_length=100, error_messages={"required": _("Este item não está no cardápio.")})
    size = forms.CharField(max_length=20, required=False)
    available = forms.TypedChoiceField(
        choices=(("1", _("Disponível")), ("0", _("Esgotado"))),
        coerce=lambda value: value == "1",
        error_messages={
            "required": _("Escolha esgotado ou disponível."),
            "invalid_choice": _("Escolha esgotado ou disponível."),
        },
    )
