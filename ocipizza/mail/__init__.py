"""Mail that never blocks a page and is never lost.

``mail_enqueue`` renders a message in the request's language and writes it to the ``outbox`` table
before the page answers; a best-effort attempt sends it once the response has gone out, and
``manage.py send_outbox`` delivers whatever is left, exactly once barring a crash mid-send.
"""

from .dispatchers import DeliveryError, get_dispatcher
from .outbox import (
    OutboxMessage,
    SendReport,
    mail_enqueue,
    outbox_deliver,
    outbox_get,
    outbox_send_due,
)

__all__ = [
    "DeliveryError",
    "OutboxMessage",
    "SendReport",
    "get_dispatcher",
    "mail_enqueue",
    "outbox_deliver",
    "outbox_get",
    "outbox_send_due",
]
