"""A hello-world Django app outside the project: the baseline ``perf/run.py`` measures every page against.

No installed apps, no middleware, no database, no templates: one URL, one view returning a short text.
It runs under the project's own ``gunicorn.conf.py`` with the same worker count as the project, so the
difference between the two is what the project adds on top of Django and gunicorn.
"""

import os

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "hello-world-bench-only-secret-key-0123456789")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "perf.hello.urls"
DATABASES: dict = {}
USE_TZ = True
