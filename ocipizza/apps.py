from django.apps import AppConfig


class OciPizzaConfig(AppConfig):
    """The project package as an app, so its templates tags, locale and commands are found."""

    name = "ocipizza"
    verbose_name = "OCI PIZZA"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .randomness import install

        install()  # CSRF tokens and session keys from one read of the random source (ocipizza/randomness.py)
