"""The board's pages. Every view here is wrapped by ``BackofficeSite.admin_view`` (staff, permission)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ocipizza.pizzeria.selectors import pizzeria_get
from orders.selectors import orders_version

from .. import roles
from ..sites import site
from . import selectors, services

TICKET_KINDS = ("cozinha", "entrega")


def now():
    """The board's clock (tests set it to the evening their orders were placed)."""
    return timezone.now()


def _timezone():
    pizzeria = pizzeria_get()
    return pizzeria.tz if pizzeria else timezone.get_default_timezone()


def _board_context(request) -> dict:
    # The version is read before the orders: a change made while the board is built moves it again,
    # so the next poll redraws rather than missing that change.
    version = orders_version()
    board = selectors.board_get(now=now(), timezone=_timezone())
    return {**site.each_context(request), "board": board, "version": version}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _card_or_404(code: str) -> selectors.Card:
    card = selectors.card_get(code=code) if isinstance(code, str) and len(code) <= 20 else None
    if card is None:
        raise Http404
    return card


@require_GET
def board(request):
    return render(request, "backoffice/board/board.html", _board_context(request))


@require_GET
def board_changes(request):
    """``?versao=N``: "nothing new" from one Redis read, or the redrawn columns when anything changed."""
    seen = request.GET.get("versao", "")
    version = orders_version()
    if seen == str(version):
        return JsonResponse({"changed": False, "version": version})
    context = _board_context(request)
    return JsonResponse(
        {
            "changed": True,
            "version": context["version"],
            "html": render_to_string("backoffice/board/columns.html", context, request),
            "new": context["board"].new_count,
            "ringing": context["board"].ringing,
        }
    )


@require_GET
def order_detail(request, code):
    card = _card_or_404(code)
    services.order_mark_seen(order=card.order)
    context = {**site.each_context(request), "card": card, "order": card.order}
    return render(request, "backoffice/board/order_detail.html", context)


@require_POST
def order_move(request, code):
    card = _card_or_404(code)
    try:
        order = services.order_move(
            order=card.order,
            target=request.POST.get("target", ""),
            version=request.POST.get("version", ""),
            staff_name=roles.staff_name(request.user),
            reason=request.POST.get("reason", "")[:500],
            now=now(),
        )
    except services.OrderChanged as e:
        return _answer(request, e.message, e.order, status=409, level=messages.WARNING)
    except services.MoveRefused as e:
        return _answer(request, e.message, card.order, status=400, level=messages.ERROR)
    services.order_mark_seen(order=order)
    return _answer(request, "", order, status=200, level=messages.SUCCESS)


def _answer(request, message: str, order, *, status: int, level: int):
    """Script path: JSON with the redrawn board; form path: back to the board with a message."""
    if _wants_json(request):
        context = _board_context(request)
        return JsonResponse(
            {
                "ok": status == 200,
                "message": message,
                "version": context["version"],
                "html": render_to_string("backoffice/board/columns.html", context, request),
                "new": context["board"].new_count,
                "ringing": context["board"].ringing,
                "status": order.status,
            },
            status=status,
        )
    if message:
        messages.add_message(request, level, message)
    back = request.POST.get("back") == "detail"
    return redirect("backoffice:order_detail", code=order.code) if back else redirect("backoffice:board")


@require_GET
def order_ticket(request, code, kind):
    """A ticket for an 80 mm thermal printer: the kitchen's (items) or the courier's (address, troco)."""
    if kind not in TICKET_KINDS:
        raise Http404
    card = _card_or_404(code)
    context = {"order": card.order, "kind": kind, "pizzeria": pizzeria_get(), "now": now()}
    return render(request, "backoffice/board/ticket.html", context)
