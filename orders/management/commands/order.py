from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ocipizza.nosql.commands import store_errors_as_command_error
from orders.selectors import order_find_by_code
from orders.services import OrderChangeError, order_transition
from orders.statuses import LABELS, Actor, IllegalTransition, Status, allowed_targets


class Command(BaseCommand):
    help = (
        "Show an order by its code, or move it to its next status as the pizzeria does "
        "(e.g. confirm a PIX payment: `order move K7M29QXA RECEIVED`)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{show,move}")
        show = actions.add_parser("show", help="print the order")
        show.add_argument("code", help="the order code customers see, e.g. K7M29QXA")
        move = actions.add_parser("move", help="change the order's status")
        move.add_argument("code")
        move.add_argument("status", choices=[s.value for s in Status], help="the new status")
        move.add_argument("--dry-run", action="store_true", help="check the move, change nothing")

    def handle(self, *args, action, code, **options):
        with store_errors_as_command_error():
            try:
                order = order_find_by_code(code=code)
                if order is None:
                    raise CommandError(
                        f"No order has the code {code!r}. Check it on the customer's tracking page."
                    )
                if action == "move":
                    target = Status(options["status"])
                    allowed = allowed_targets(
                        current=order.status, actor=Actor.STAFF, fulfilment=order.fulfilment
                    )
                    if target not in allowed:
                        choices = ", ".join(allowed) or "none: the order is finished"
                        raise CommandError(f"{order.code} is {order.status}; it can move to: {choices}.")
                    if options["dry_run"]:
                        self.stdout.write(f"{order.code} would move from {order.status} to {target}.")
                    else:
                        order = order_transition(
                            order=order, target=target, actor=Actor.STAFF, now=timezone.now()
                        )
                        self.stdout.write(self.style.SUCCESS(f"{order.code} is now {order.status}."))
            except (IllegalTransition, OrderChangeError) as e:
                raise CommandError(f"{e}. Show the order again and retry.") from e
        self.show(order)

    def show(self, order):
        local = timezone.localtime
        self.stdout.write(f"  order {order.code}  {LABELS[order.status]} ({order.status})")
        self.stdout.write(
            f"  placed {local(order.created_at):%Y-%m-%d %H:%M}  {order.fulfilment}  {order.payment}"
        )
        for item in order.items:
            note = f"  ({item.note})" if item.note else ""
            self.stdout.write(f"    {item.quantity} x {item.name} {item.size_name}  R$ {item.total}{note}")
        self.stdout.write(f"  total R$ {order.total} (delivery R$ {order.delivery_fee})")
        if order.address:
            parts = [order.address.get(key, "") for key in ("street", "number", "complement", "district")]
            place = f"{order.address.get('city', '')}/{order.address.get('state', '')}"
            self.stdout.write(f"  to {', '.join(p for p in parts if p)} - {place}")
        for change in order.history:
            self.stdout.write(f"    {local(change.at):%H:%M} {change.status}")
