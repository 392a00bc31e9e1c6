"""The customers area: a search, a customer's page and its actions (plain forms; each action answers
with a redirect and a message). Wrapped by ``BackofficeSite.admin_view`` with ``view_customers``; reads go
through the accounts and orders selectors, writes through the accounts services.
"""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as accounts
from accounts import services as account_services
from accounts.search import SearchQueryInvalid
from ocipizza.cursors import BadCursor, cursor_sign, cursor_unsign
from ocipizza.nosql import ConditionFailed, InvalidQuery
from ocipizza.security_log import security_event
from orders.selectors import orders_of_customer

from .. import roles
from ..sites import site
from .forms import DeleteForm, SetActiveForm

logger = logging.getLogger(__name__)

ORDERS_PER_PAGE = 20


def _customer_or_404(customer_id: str):
    customer = accounts.customer_get(customer_id=customer_id)
    if customer is None:
        raise Http404
    return customer


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Confira o formulário.")


@require_GET
def search(request):
    query = request.GET.get("q")
    context = {**site.each_context(request), "query": query or "", "result": None, "error": ""}
    if query is not None:
        try:
            context["result"] = accounts.customers_search(query=query)
        except SearchQueryInvalid as e:
            context["error"] = e.message
    return render(request, "backoffice/customers/search.html", context)


def _detail_context(request, customer, **extra) -> dict:
    salt = f"backoffice.customer_orders.{customer.id}"  # a cursor only works on its customer's page
    refused = False
    try:
        after = cursor_unsign(request.GET.get("depois"), salt=salt)
        orders = orders_of_customer(customer_id=customer.id, limit=ORDERS_PER_PAGE, after=after)
    except (BadCursor, InvalidQuery):
        refused = True
        messages.error(
            request, _("Esse link de páginas de pedidos não vale mais; mostrando os mais recentes.")
        )
        orders = orders_of_customer(customer_id=customer.id, limit=ORDERS_PER_PAGE)
    return {
        **site.each_context(request),
        "customer": customer,
        "orders": orders,
        "next_page": cursor_sign(orders.continuation, salt=salt),
        "cursor_refused": refused,
        "delete_form": DeleteForm(customer=customer),
        **extra,
    }


@require_GET
def detail(request, customer_id):
    customer = accounts.customer_get(customer_id=customer_id)
    if customer is None:
        context = {
            **site.each_context(request),
            "query": "",
            "result": None,
            "error": _("Cliente não encontrado: o link está incompleto ou a conta foi excluída."),
        }
        return render(request, "backoffice/customers/search.html", context, status=404)
    context = _detail_context(request, customer)
    # A forged or tampered page link is the client's error: 400, with the newest orders shown.
    status = 400 if context["cursor_refused"] else 200
    return render(request, "backoffice/customers/detail.html", context, status=status)


@require_POST
def set_active(request, customer_id):
    customer = _customer_or_404(customer_id)
    form = SetActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("backoffice:customer_detail", customer_id=customer.id)
    active = form.cleaned_data["active"]
    try:
        customer = account_services.customer_set_active(customer_id=customer.id, active=active)
    except account_services.AccountError:
        raise Http404 from None  # deleted in the meantime
    staff = roles.staff_name(request.user)
    logger.info("staff %s %s customer %s", staff, "enabled" if active else "disabled", customer.id)
    event = "account_enabled" if active else "account_disabled"
    security_event(event, request=request, staff=request.user.get_username(), customer=customer.id)
    if active:
        messages.success(
            request, _("Conta reativada: %(name)s já pode entrar de novo.") % {"name": customer.name}
        )
    else:
        messages.success(
            request,
            _("Conta desativada: %(name)s saiu de todos os aparelhos e não consegue entrar.")
            % {"name": customer.name},
        )
    return redirect("backoffice:customer_detail", customer_id=customer.id)


@require_GET
def export(request, customer_id):
    """The LGPD export as a JSON download (access and portability, art. 18)."""
    data = accounts.customer_export(customer_id=customer_id)
    if data is None:
        raise Http404
    logger.info("staff %s exported the data of customer %s", roles.staff_name(request.user), customer_id)
    # A GET, so BackofficeSite does not log it; a copy of someone's personal data leaving is worth a line.
    security_event(
        "customer_exported", request=request, staff=request.user.get_username(), customer=customer_id
    )
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="cliente-{customer_id}-{day}.json"'
    return response


@require_POST
def delete(request, customer_id):
    customer = _customer_or_404(customer_id)
    form = DeleteForm(request.POST, customer=customer)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return render(
            request,
            "backoffice/customers/detail.html",
            _detail_context(request, customer, delete_form=form, delete_open=True),
            status=400,
        )
    try:
        account_services.customer_delete(customer_id=customer.id)
    except ConditionFailed:
        # An order of theirs moved while it was being anonymised: nothing is deleted and every step
        # can be repeated, so trying again finishes the job.
        messages.error(
            request,
            _("Um pedido deste cliente mudou durante a exclusão e a conta não foi excluída. Tente de novo."),
        )
        return redirect("backoffice:customer_detail", customer_id=customer.id)
    except account_services.AccountError as e:  # an order of theirs is in the kitchen: after delivery
        messages.error(request, e.message)
        return redirect("backoffice:customer_detail", customer_id=customer.id)
    logger.info(
        "staff %s deleted customer %s (orders anonymised)", roles.staff_name(request.user), customer.id
    )
    security_event(
        "account_deleted", request=request, staff=request.user.get_username(), customer=customer.id
    )
    messages.success(
        request,
        _(
            "Cliente excluído: a conta e os dados pessoais de %(name)s foram apagados e os pedidos dele "
            "ficaram anônimos (continuam nos relatórios, sem nome, contato nem endereço)."
        )
        % {"name": customer.name},
    )
    return redirect("backoffice:customers")
