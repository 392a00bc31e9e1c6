from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from menu.services import MenuDataError, menu_load
from ocipizza.nosql.commands import store_errors_as_command_error


class Command(BaseCommand):
    help = "Load the menu (categories, pizzas, drinks) and its photos into the store. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", type=Path, default=settings.MENU_DATA_DIR, help="folder with menu.json and images/"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")

    def handle(self, *args, source, dry_run, **options):
        self.stdout.write(f"Loading the menu from {source}{' (dry run)' if dry_run else ''}")
        try:
            with store_errors_as_command_error():
                report = menu_load(source=source, dry_run=dry_run, progress=self.stdout.write)
        except MenuDataError as e:
            raise CommandError(str(e)) from e
        verb = "would be" if dry_run else "were"
        for title, names in (
            ("created", report.created),
            ("updated", report.updated),
            ("left unchanged", report.unchanged),
            ("photos stored", report.photos_stored),
        ):
            self.stdout.write(f"  {len(names)} {title}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Menu loaded: {len(report.created)} created, {len(report.updated)} updated "
                f"{verb} written, {len(report.unchanged)} unchanged."
            )
        )
