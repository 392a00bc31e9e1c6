"""The CSV of the orders behind a period's figures, streamed as the orders are read page by page.

Numbers use a dot as the decimal mark and times are ISO 8601 in the pizzeria's time zone, as the
header names say, so any spreadsheet or script reads them back exactly. Text a customer or staff
member typed (names, notes, reasons) cannot start a formula when a spreadsheet opens the file.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from orders.entities import Order
from orders.sales.selectors import orders_of_days
from orders.sales.totals import canceled_by, item_label, order_day
from orders.statuses import Status

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(text: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (OWASP's advice: a leading quote)."""
    return f"'{text}" if text and text.startswith(FORMULA_STARTS) else text


def counted_as(order: Order) -> str:
    """Which figure the order is in (see ``orders.sales.totals``)."""
    if order.status == Status.CANCELED:
        return "cancelado"
    if order.status == Status.AWAITING_PAYMENT:
        return "pendente"
    return "faturado"


def header() -> list[str]:
    return [
        _("código"),
        _("dia (AAAA-MM-DD)"),
        _("criado em (ISO 8601)"),
        _("hora"),
        _("situação"),
        _("conta como"),
        _("pagamento"),
        _("modalidade"),
        _("subtotal (R$, ponto decimal)"),
        _("taxa de entrega (R$, ponto decimal)"),
        _("total (R$, ponto decimal)"),
        _("troco para (R$, ponto decimal)"),
        _("troco (R$, ponto decimal)"),
        _("PIX confirmado"),
        _("motivo do cancelamento"),
        _("cancelado por"),
        _("cliente"),
        _("itens"),
    ]


def row(order: Order, timezone) -> list[str]:
    local = order.created_at.astimezone(timezone)
    items = "; ".join(
        f"{item.quantity}x {item_label(item)}" + (f" [{item.note}]" if item.note else "")
        for item in order.items
    )
    canceled = order.status == Status.CANCELED
    return [
        order.code,
        order_day(order, timezone).isoformat(),
        local.isoformat(timespec="seconds"),
        f"{local.hour:02d}",
        str(order.status),
        counted_as(order),
        order.payment,
        str(order.fulfilment),
        str(order.subtotal),
        str(order.delivery_fee),
        str(order.total),
        str(order.change_for) if order.change_for is not None else "",
        str(order.change_due) if order.change_due is not None else "",
        ("sim" if order.pix_paid else "não") if order.is_pix else "",
        safe(order.cancel_reason) if canceled else "",
        canceled_by(order) if canceled else "",
        safe((order.customer or {}).get("name", "")),
        safe(items),
    ]


class _Line:
    """A file-like that hands back what ``csv.writer`` writes, one line at a time."""

    def write(self, value: str) -> str:
        return value


def orders_csv_lines(*, first: dt.date, last: dt.date, timezone) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(header())
    for order in orders_of_days(first=first, last=last, timezone=timezone):
        yield writer.writerow(row(order, timezone))


def orders_csv_response(*, first: dt.date, last: dt.date, timezone) -> StreamingHttpResponse:
    name = f"vendas-{first.isoformat()}" + ("" if first == last else f"_{last.isoformat()}") + ".csv"
    response = StreamingHttpResponse(
        orders_csv_lines(first=first, last=last, timezone=timezone), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
