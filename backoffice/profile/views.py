"""The profile page: one form in sections, "Pré-visualizar" (checks and shows the opening state the
typed hours give, saves nothing) and "Salvar" (a write conditional on the row the page was drawn from).

Wrapped by ``BackofficeSite.admin_view`` with ``manage_pizzeria``; writes go through the services.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ocipizza.pizzeria.selectors import days_ahead, opening_summary, pizzeria_for_edit
from ocipizza.pizzeria.services import ProfileConflict, pizzeria_save

from .. import roles
from ..sites import site
from .forms import ProfileEditor

logger = logging.getLogger(__name__)
PAGE = "backoffice:profile"
TEMPLATE = "backoffice/profile/page.html"


def clock():
    """The page's clock for the preview (tests set it)."""
    return timezone.now()


def _editor(pizzeria, data=None) -> ProfileEditor:
    today = clock().astimezone(pizzeria.tz).date()
    return ProfileEditor(data, base=pizzeria.raw, version=pizzeria.version, today=today)


def _render(request, *, editor, pizzeria, status=200, preview=None, conflict=None):
    context = {
        "failed": status == 400,
        **site.each_context(request),
        "editor": editor,
        "pizzeria": pizzeria,
        "current": _preview(pizzeria) if pizzeria else None,
        "preview": preview,
        "conflict": conflict,
    }
    return render(request, TEMPLATE, context, status=status)


def _preview(pizzeria) -> dict:
    now = clock()
    return {
        "summary": opening_summary(pizzeria=pizzeria, now=now),
        "days": days_ahead(pizzeria=pizzeria, now=now),
    }


@require_http_methods(["GET", "POST"])
def profile(request):
    pizzeria = pizzeria_for_edit()
    if pizzeria is None:
        return _render(request, editor=None, pizzeria=None)
    if request.method == "GET":
        return _render(request, editor=_editor(pizzeria), pizzeria=pizzeria)
    editor = _editor(pizzeria, request.POST)
    if not editor.is_valid():
        return _render(request, editor=editor, pizzeria=pizzeria, status=400)
    if request.POST.get("action") == "preview":
        return _render(request, editor=editor, pizzeria=pizzeria, preview=_preview(editor.pizzeria))
    try:
        saved = pizzeria_save(document=editor.document, version=editor.version_token)
    except ProfileConflict as e:
        current = e.current
        if current is None:
            return _render(request, editor=None, pizzeria=None, status=409)
        conflict = editor.changed_sections(current.raw)
        # The page comes back drawn from the profile as it is now, with its new version.
        return _render(request, editor=_editor(current), pizzeria=current, status=409, conflict=conflict)
    logger.info("pizzeria profile saved by %s", roles.staff_name(request.user))
    messages.success(
        request,
        _("Perfil salvo: os clientes já veem as mudanças. %(state)s")
        % {"state": opening_summary(pizzeria=saved, now=clock())},
    )
    return redirect(PAGE)
