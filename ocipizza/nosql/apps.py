from django.apps import AppConfig


class NoSQLConfig(AppConfig):
    name = "ocipizza.nosql"
    label = "nosql"
    verbose_name = "NoSQL store"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
