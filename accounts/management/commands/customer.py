from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import selectors, services
from ocipizza.nosql.commands import store_errors_as_command_error
from ocipizza.security_log import command_operator, security_event


class Command(BaseCommand):
    help = (
        "Look up, disable or enable a customer account by e-mail. "
        "Disabling ends every session of the account at once and refuses new logins. "
        "'reindex' rebuilds the search tokens the back office finds customers by (for accounts "
        "older than the search; sign-up and profile changes keep them up to date)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{find,disable,enable,reindex}")
        for name, text in (
            ("find", "show the account that owns this e-mail"),
            ("disable", "log the customer out everywhere and refuse logins"),
            ("enable", "allow logins again"),
        ):
            action = actions.add_parser(name, help=text)
            action.add_argument("email", help="the account's e-mail (any case)")
        reindex = actions.add_parser("reindex", help="rebuild every customer's search tokens")
        reindex.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")

    def handle(self, *args, action, email=None, **options):
        if action == "reindex":
            self.reindex(dry_run=options["dry_run"])
            return
        with store_errors_as_command_error():
            customer = selectors.customer_get_by_email(email=email)
            if customer is None:
                raise CommandError(
                    f"No customer has the e-mail {email!r}. Check the spelling: the whole address must "
                    "match (case does not matter)."
                )
            if action == "disable":
                customer = services.customer_set_active(customer_id=customer.id, active=False)
                security_event(
                    "account_disabled", customer=customer.id, operator=command_operator("customer")
                )
                self.stdout.write(self.style.SUCCESS(f"Disabled {customer.email}: logged out everywhere."))
            elif action == "enable":
                customer = services.customer_set_active(customer_id=customer.id, active=True)
                security_event("account_enabled", customer=customer.id, operator=command_operator("customer"))
                self.stdout.write(self.style.SUCCESS(f"Enabled {customer.email}: they can log in again."))
        self.show(customer)

    def show(self, customer):
        def when(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "never"

        for label, value in (
            ("id", customer.id),
            ("name", customer.name),
            ("e-mail", customer.email),
            ("mobile", customer.telephone_display),
            ("confirmed", "yes" if customer.verified else "no"),
            ("active", "yes" if customer.active else "no (disabled)"),
            ("created", when(customer.created_at)),
            ("last login", when(customer.last_login)),
            ("addresses", len(customer.addresses)),
            ("privacy notice", f"{customer.privacy_version} accepted {when(customer.privacy_accepted_at)}"),
        ):
            self.stdout.write(f"  {label:<15} {value}")

    def reindex(self, *, dry_run: bool):
        changed = total = 0
        with store_errors_as_command_error(note="Customers after the last count were not reindexed."):
            # Collected first: rewriting rows while paging through the same table could skip some.
            ids = list(services.customer_ids_all())
            for customer_id in ids:
                total += 1
                if services.customer_search_rebuild(customer_id=customer_id, dry_run=dry_run):
                    changed += 1
        verb = "would be reindexed" if dry_run else "reindexed"
        self.stdout.write(self.style.SUCCESS(f"{total} customer(s) read, {changed} {verb}."))
