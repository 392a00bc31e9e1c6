"""The availability page and its three plain POST forms (each answers with a redirect and a message).

Wrapped by ``BackofficeSite.admin_view`` with ``manage_availability``; writes go through the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from menu.selectors import menu_get
from menu.services import AvailabilityError, menu_item_set_available
from ocipizza.pizzeria.selectors import pause_until_text, pizzeria_get
from ocipizza.pizzeria.services import PauseError, pizzeria_pause, pizzeria_resume

from .. import roles
from ..sites import site
from .forms import ItemAvailabilityForm, PauseForm

PAGE = "backoffice:availability"


def clock():
    """The page's clock (tests set it to the evening they pause in)."""
    return timezone.now()


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Confira o formulário.")


@require_GET
def availability(request):
    pizzeria = pizzeria_get()
    now = clock()
    pause = pizzeria.pause_at(now) if pizzeria else None
    context = {
        **site.each_context(request),
        "pizzeria": pizzeria,
        "pause": pause,
        "is_open": pizzeria.is_open(now) if pizzeria else False,
        # Changing a pause starts from its reason, so extending it does not silently drop the reason.
        "form": PauseForm(initial={"reason": pause.reason} if pause else None),
        "menu": menu_get(),
    }
    return render(request, "backoffice/availability/page.html", context)


@require_POST
def pause(request):
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(PAGE)
    try:
        paused = pizzeria_pause(
            reason=form.cleaned_data["reason"],
            minutes=form.cleaned_data["minutes"],
            until_time=form.cleaned_data["until_time"],
            by=roles.staff_name(request.user),
            now=clock(),
        )
    except PauseError as e:
        messages.error(request, str(e))
        return redirect(PAGE)
    pizzeria = pizzeria_get()
    until = pause_until_text(pause=paused, tz=pizzeria.tz) if pizzeria else ""
    if until:
        messages.success(
            request, _("Loja pausada até %(time)s. Depois disso ela reabre sozinha.") % {"time": until}
        )
    else:
        messages.success(request, _("Loja pausada até alguém reabrir."))
    return redirect(PAGE)


@require_POST
def resume(request):
    pizzeria_resume(by=roles.staff_name(request.user))
    messages.success(request, _("Loja reaberta: os clientes já podem fazer pedidos."))
    return redirect(PAGE)


@require_POST
def item(request):
    form = ItemAvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(PAGE)
    data = form.cleaned_data
    try:
        changed = menu_item_set_available(
            slug=data["item"], size=data["size"] or None, available=data["available"]
        )
    except AvailabilityError as e:
        messages.error(request, str(e))
        return redirect(PAGE)
    size = changed.size(data["size"]) if data["size"] else None
    name = f"{changed.name} ({size.name})" if size else changed.name
    if data["available"]:
        messages.success(request, _("De volta ao cardápio: %(name)s.") % {"name": name})
    else:
        messages.success(request, _("Esgotado: %(name)s. Os clientes já veem.") % {"name": name})
    return redirect(f"{reverse(PAGE)}#item-{changed.slug}")
