from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import translation

# (file name, template context): what the balancer shows when no instance answered. The checkout page
# says to press the button again, since a POST the balancer could not deliver is never retried by it.
PAGES = (("502.html", {}), ("502-checkout.html", {"checkout": True}))


class Command(BaseCommand):
    help = (
        "Write the balancer's own error pages (templates/502.html) as static files, one folder per "
        "language: DIR/pt-br/502.html, DIR/en/502-checkout.html... deploy/nginx.conf serves them when no "
        "web instance answers. Run it after collectstatic (the pages link the hashed stylesheet)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="folder to write the pages into (created if missing)")

    def handle(self, *args, directory, **options):
        root = Path(directory)
        try:
            for code, _name in settings.LANGUAGES:
                folder = root / code
                folder.mkdir(parents=True, exist_ok=True)
                with translation.override(code):
                    for name, context in PAGES:
                        html = render_to_string("502.html", context)
                        (folder / name).write_text(html, encoding="utf-8")
                        self.stdout.write(f"wrote {folder / name}")
        except OSError as e:
            message = f"cannot write the error pages into {root}: {e}. Pick a writable folder."
            raise CommandError(message) from e
