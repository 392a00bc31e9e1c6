"""System checks for the store configuration."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

EMBEDDED = "ocipizza.nosql.backends.sqlite.SQLiteStore"


@register(Tags.database, deploy=False)
def check_stores(app_configs=None, **kwargs):
    messages = []
    stores = getattr(settings, "NOSQL_STORES", {})
    if "default" not in stores:
        messages.append(
            Error(
                "NOSQL_STORES has no 'default' store.",
                hint="Set NOSQL_BACKEND=sqlite or oracle.",
                id="nosql.E001",
            )
        )
        return messages
    for alias, config in stores.items():
        backend = config.get("BACKEND", "")
        try:
            import_string(backend)
        except ImportError:
            messages.append(
                Error(
                    f"NOSQL_STORES[{alias!r}] BACKEND {backend!r} cannot be imported.",
                    hint="Use NOSQL_BACKEND=sqlite (embedded) or oracle (Oracle NoSQL through borneo).",
                    id="nosql.E002",
                )
            )
        if backend == EMBEDDED and not settings.DEBUG:
            messages.append(
                Warning(
                    f"NOSQL_STORES[{alias!r}] uses the embedded SQLite store with DEBUG=False.",
                    hint="It serves one machine only; for production set NOSQL_BACKEND=oracle "
                    "and NOSQL_ENDPOINT.",
                    id="nosql.W001",
                )
            )
    return messages
