"""WSGI entry point of the hello-world app (``perf.hello.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "perf.hello.settings"
application = get_wsgi_application()
