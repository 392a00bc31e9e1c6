from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocipizza.nosql import StoreError
from ocipizza.pizzeria.profile import ProfileError
from ocipizza.pizzeria.services import pizzeria_load


class Command(BaseCommand):
    help = (
        "Load the pizzeria's profile (hours, delivery zones, PIX account) into the store when it has none. "
        "A stored profile that differs from the file (edited in the back office) is kept unless --force. "
        "Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=settings.PIZZERIA_PROFILE_FILE, help="profile JSON file"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a stored profile that differs from the file (undoes edits made in the back office)",
        )

    def handle(self, *args, file, dry_run, force=False, **options):
        self.stdout.write(f"Loading the pizzeria profile from {file}{' (dry run)' if dry_run else ''}")
        try:
            outcome = pizzeria_load(path=file, dry_run=dry_run, force=force)
        except ProfileError as e:
            raise CommandError(f"{e}. Fix the file and run the command again.") from e
        except StoreError as e:
            raise CommandError(
                f"{e}. Is the store reachable? Run `python manage.py nosql_migrate` first."
            ) from e
        if outcome == "kept":
            self.stdout.write(
                self.style.WARNING(
                    f"Pizzeria profile kept: the stored profile differs from {file} (edited in the back "
                    "office?). Nothing was written; run with --force to replace it with the file."
                )
            )
            return
        if dry_run and outcome != "unchanged":
            outcome = f"would be {outcome}"
        self.stdout.write(self.style.SUCCESS(f"Pizzeria profile {outcome}."))
