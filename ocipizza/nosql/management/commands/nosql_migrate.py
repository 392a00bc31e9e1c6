from django.core.management.base import BaseCommand, CommandError

from ocipizza.nosql import StoreNotConfigured, stores
from ocipizza.nosql.commands import store_errors_as_command_error
from ocipizza.nosql.schema import Table, compare_table, parse_ddl


class Command(BaseCommand):
    help = (
        "Bring the NoSQL store up to ocipizza/nosql/tables.py: create the tables and indexes that do not "
        "exist yet and add the columns existing tables lack (ALTER TABLE ... (ADD ...)). Idempotent; never "
        "drops or rewrites data. A column whose declared type or ENUM values differ from the database's "
        "stops it before any change, naming the table and the column."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", default="default", help="alias in settings.NOSQL_STORES")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the statements it would run (CREATE and ALTER), change nothing",
        )

    def handle(self, *args, store, dry_run, **options):
        try:
            target = stores[store]
        except StoreNotConfigured as e:
            raise CommandError(f"{e}. Pick an alias of settings.NOSQL_STORES with --store.") from e
        with store_errors_as_command_error():
            steps, notes = self._plan(target)
            for note in notes:
                self.stdout.write(self.style.WARNING(f"Note: {note}"))
            total = len(steps)
            if not total:
                self.stdout.write(self.style.SUCCESS("Every table, column and index exists; nothing to do."))
                return
            for position, (kind, name, detail, statement) in enumerate(steps, start=1):
                if dry_run:
                    self.stdout.write(f"[{position}/{total}] would {kind} {name}{detail}: {statement}")
                    continue
                doing = "altering" if kind == "alter" else "creating"
                self.stdout.write(f"[{position}/{total}] {doing} {name}{detail} ...", ending="")
                self.stdout.flush()
                target.execute_ddl(statement)
                self.stdout.write(" done")
        self.stdout.write(self.style.SUCCESS(_summary(steps, dry_run)))

    def _plan(self, target):
        """The steps in the order of tables.py (a table's ALTER before an index on its new column),
        and the notes; ``CommandError`` listing every conflict, before anything has changed."""
        schema = target.schema
        tables = target.existing_tables()
        steps: list[tuple[str, str, str, str]] = []
        conflicts: list[str] = []
        notes: list[str] = []
        for statement in schema.statements:
            parsed = parse_ddl(statement, schema.tables)
            if isinstance(parsed, Table):
                if parsed.name not in tables:
                    steps.append(("create", f"table {parsed.name}", "", statement))
                    continue
                changes = compare_table(schema.tables[parsed.name], target.existing_columns(parsed.name))
                conflicts.extend(changes.conflicts)
                notes.extend(changes.notes)
                if changes.statement:
                    added = ", ".join(column.name for column in changes.added)
                    steps.append(("alter", f"table {parsed.name}", f" (adding {added})", changes.statement))
            elif parsed.table not in tables or parsed.name not in target.existing_indexes(parsed.table):
                steps.append(("create", f"index {parsed.table}({parsed.name})", "", statement))
        if conflicts:
            raise CommandError(
                "nosql_migrate changed nothing: tables.py declares what no ALTER TABLE can do.\n"
                + "\n".join(f"  - {conflict}" for conflict in conflicts)
            )
        return steps, notes


def _summary(steps, dry_run: bool) -> str:
    created = sum(1 for kind, *_ in steps if kind == "create")
    altered = len(steps) - created
    parts = []
    if created:
        parts.append(f"{created} table(s)/index(es) {'would be created' if dry_run else 'created'}")
    if altered:
        parts.append(f"{altered} table(s) {'would be altered' if dry_run else 'altered'}")
    return ", ".join(parts) + "."
