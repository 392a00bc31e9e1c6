from django.apps import AppConfig


class MailConfig(AppConfig):
    """The outbox: mail is written to the store in the request and sent by `send_outbox`."""

    name = "ocipizza.mail"
    label = "mail"
    verbose_name = "Mail outbox"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from . import outbox

        # dispatch_uid: ready() may run twice in some test setups; one connection each.
        request_started.connect(outbox.forget_pending, dispatch_uid="mail.forget_pending")
        request_finished.connect(outbox.send_pending, dispatch_uid="mail.send_pending")
