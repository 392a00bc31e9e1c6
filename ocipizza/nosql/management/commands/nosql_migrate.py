from django.core.management.base import BaseCommand, CommandError

from ocipizza.nosql import StoreNotConfigured, stores
from ocipizza.nosql.commands import store_errors_as_command_error


class Command(BaseCommand):
    help = "Create the NoSQL tables and indexes that do not exist yet (from ocipizza/nosql/tables.py)."

    def add_arguments(self, parser):
        parser.add_argument("--store", default="default", help="alias in settings.NOSQL_STORES")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be created, create nothing"
        )

    def handle(self, *args, store, dry_run, **options):
        try:
            target = stores[store]
        except StoreNotConfigured as e:
            raise CommandError(f"{e}. Pick an alias of settings.NOSQL_STORES with --store.") from e
        with store_errors_as_command_error():
            tables = target.existing_tables()
            missing = []
            for statement in target.schema.statements:
                name, kind = _target_of(target.schema, statement)
                if kind == "table":
                    exists = name in tables
                else:
                    table, index = name
                    exists = table in tables and index in target.existing_indexes(table)
                    name = f"{table}({index})"
                if not exists:
                    missing.append((kind, name, statement))
            total = len(missing)
            if not total:
                self.stdout.write(self.style.SUCCESS("Every table and index exists; nothing to do."))
                return
            for position, (kind, name, statement) in enumerate(missing, start=1):
                if dry_run:
                    self.stdout.write(f"[{position}/{total}] would create {kind} {name}: {statement}")
                    continue
                self.stdout.write(f"[{position}/{total}] creating {kind} {name} ...", ending="")
                self.stdout.flush()
                target.execute_ddl(statement)
                self.stdout.write(" done")
        verb = "would be created" if dry_run else "created"
        self.stdout.write(self.style.SUCCESS(f"{total} table(s)/index(es) {verb}."))


def _target_of(schema, statement: str):
    from ocipizza.nosql.schema import Table, parse_ddl

    parsed = parse_ddl(statement, schema.tables)
    if isinstance(parsed, Table):
        return parsed.name, "table"
    return (parsed.table, parsed.name), "index"
