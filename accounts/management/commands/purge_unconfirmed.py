import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import selectors, services
from ocipizza.nosql.commands import store_errors_as_command_error


class Command(BaseCommand):
    help = (
        "Delete accounts whose e-mail was never confirmed, created more than --days ago (the privacy "
        "notice promises 30). Their address becomes free to sign up again. Run daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="age in days of the accounts to delete")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
        )

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError(
                "--days must be at least 1: a customer needs time to open the confirmation e-mail"
            )
        cutoff = timezone.now() - dt.timedelta(days=days)
        verb = "would delete" if dry_run else "deleting"
        suffix = " (dry run)" if dry_run else ""
        self.stdout.write(f"Unconfirmed accounts created before {cutoff:%Y-%m-%d %H:%M} UTC{suffix}:")
        with store_errors_as_command_error(note="Nothing after the last line above was deleted."):
            # Collected first: deleting while paging through the same index could skip rows.
            customers = list(selectors.customers_unconfirmed(created_before=cutoff))
            for position, customer in enumerate(customers, start=1):
                created = f"{customer.created_at:%Y-%m-%d}"
                self.stdout.write(
                    f"[{position}/{len(customers)}] {verb} {customer.email} (created {created})"
                )
                if not dry_run:
                    services.customer_delete(customer_id=customer.id, notify=False)
        done = "would be deleted" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{len(customers)} unconfirmed account(s) {done}."))
