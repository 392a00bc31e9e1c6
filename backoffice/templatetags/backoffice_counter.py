"""What the board shows of phone and counter orders: the channel, the caller's number, the PIX to pass on."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.utils.safestring import mark_safe

from accounts.normalize import phone_format
from backoffice.counter.services import CHANNELS
from ocipizza.pizzeria.selectors import pizzeria_get
from orders.pix import order_pix_payload, pix_qr_svg
from orders.statuses import Status

register = template.Library()


@register.filter
def channel_label(order) -> str:
    """ "Telefone" or "Balcão" for an order the staff took; "" for the shop's own."""
    channel = (getattr(order, "customer", None) or {}).get("channel")
    return str(CHANNELS.get(channel, "")) if channel else ""


@register.filter
def phone_display(e164: str) -> str:
    """A stored number as people say it: mobiles "(11) 98765-4321", landlines "(11) 3456-7890"."""
    if isinstance(e164, str) and len(e164) == 13 and e164.startswith("+55") and e164[3:].isdigit():
        digits = e164[3:]
        return f"({digits[:2]}) {digits[2:6]}-{digits[6:]}"
    return phone_format(e164)


@register.inclusion_tag("backoffice/counter/pix.html")
def counter_pix(order) -> dict:
    """For a phone order paid by PIX and not paid yet: the QR and the copia e cola to pass on.

    The caller is on no page of ours, so the staff show the QR at the counter or send the code by
    WhatsApp; "Pagamento recebido" on the board then moves the order on, as for the shop's PIX orders.
    """
    if not (channel_label(order) and order.is_pix and order.status == Status.AWAITING_PAYMENT):
        return {}
    pizzeria = pizzeria_get()
    if pizzeria is None:
        return {}
    payload = order_pix_payload(order=order, pizzeria=pizzeria)
    telephone = "".join(c for c in order.customer.get("telephone") or "" if c.isdigit())
    return {
        "order": order,
        "payload": payload,
        "qr": mark_safe(pix_qr_svg(payload)),  # noqa: S308 - segno's own SVG, no user input
        "whatsapp": f"https://wa.me/{telephone}?text={quote(payload)}" if telephone else "",
    }
