import json

from django.core.management.base import BaseCommand, CommandError

from locations.exceptions import CEPDatabaseUnavailable, CEPNotFound, InvalidCEP
from locations.selectors import cep_database_info, cep_lookup


class Command(BaseCommand):
    help = "Look a CEP up in the offline CEP database, as the site and the API do (e.g. `cep 01310-100`)."

    def add_arguments(self, parser):
        parser.add_argument("cep", help="the CEP: 01310-100, 01310100 or '01310 100'")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the API's JSON instead of a table"
        )

    def handle(self, *args, cep, as_json, **options):
        try:
            address = cep_lookup(cep=cep)
        except InvalidCEP as e:
            raise CommandError(f"{cep!r} is not a CEP: give 8 digits, e.g. 01310-100 or 01310100.") from e
        except CEPNotFound as e:
            raise CommandError(
                f"CEP {e.cep} is unknown: no street has it and it is in no municipality's range."
            ) from e
        except CEPDatabaseUnavailable as e:
            raise CommandError(str(e)) from e
        if as_json:
            self.stdout.write(json.dumps(address.as_dict(), ensure_ascii=False, indent=2))
            return
        width = max(map(len, address.as_dict()))
        for name, value in address.as_dict().items():
            self.stdout.write(f"{name:<{width}}  {value}")
        built = cep_database_info().get("built_at", "?")
        self.stdout.write(self.style.SUCCESS(f"({address.precisao} level; database built {built})"))
