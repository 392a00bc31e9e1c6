"""Cancel the PIX orders whose code expired unpaid, and queue the e-mail that tells each customer why.

``send_outbox`` already does this every round; run this after the sender was down for long, or from
cron where no sender loop runs.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from orders.expiry import orders_pix_expire


class Command(BaseCommand):
    help = (
        "Cancel PIX orders still unpaid after ORDER_PIX_MINUTES, with the reason, and e-mail each customer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1, help="How many days back to look (default 1).")
        parser.add_argument("--limit", type=int, default=500, help="At most this many orders (default 500).")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be cancelled, change nothing."
        )

    def handle(self, *args, days, limit, dry_run, **options):
        if days < 1 or limit < 1:
            raise CommandError("--days and --limit must be 1 or more.")
        count = orders_pix_expire(
            limit=limit, lookback=dt.timedelta(days=days), dry_run=dry_run, progress=self.stdout.write
        )
        verb = "would be cancelled" if dry_run else "cancelled"
        self.stdout.write(self.style.SUCCESS(f"{count} expired PIX order(s) {verb}."))
        if count and not dry_run:
            self.stdout.write("Their e-mails are queued: send_outbox sends them.")
