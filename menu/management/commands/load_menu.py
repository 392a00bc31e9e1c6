from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from menu.services import MenuDataError, menu_load
from ocipizza.nosql.commands import store_errors_as_command_error


class Command(BaseCommand):
    help = (
        "Load the menu (categories, pizzas, drinks) and its photos into the store. Safe to run again: "
        "categories and items a manager edited in the back office are kept as they are (--overwrite to "
        "restore them from the file)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", type=Path, default=settings.MENU_DATA_DIR, help="folder with menu.json and images/"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="let the file win over edits made in the back office (sold-out and hidden marks stay)",
        )

    def handle(self, *args, source, dry_run, overwrite, **options):
        self.stdout.write(f"Loading the menu from {source}{' (dry run)' if dry_run else ''}")
        try:
            with store_errors_as_command_error():
                report = menu_load(
                    source=source, dry_run=dry_run, overwrite=overwrite, progress=self.stdout.write
                )
        except MenuDataError as e:
            raise CommandError(str(e)) from e
        verb = "would be" if dry_run else "were"
        for title, names in (
            ("created", report.created),
            ("updated", report.updated),
            ("left unchanged", report.unchanged),
            ("photos stored", report.photos_stored),
            ("kept as edited in the back office", report.kept),
        ):
            self.stdout.write(f"  {len(names)} {title}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Menu loaded: {len(report.created)} created, {len(report.updated)} updated "
                f"{verb} written, {len(report.unchanged)} unchanged."
            )
        )
