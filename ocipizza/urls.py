from django.conf import settings
from django.urls import include, path, re_path
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import views as accounts_views
from backoffice.sites import site as backoffice_site

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # Django's own view redirects on any method; only its form's POST changes the language.
    path("i18n/setlang/", require_POST(set_language), name="set_language"),
    # The resolver tries patterns in order: the public CEP API, the busiest path, is found early; its
    # four patterns cost the pages below next to nothing.
    path("", include("locations.urls")),
    path("", include("menu.urls")),
    path("conta/", include("accounts.urls")),
    path("privacidade/", accounts_views.privacy, name="privacy"),
    path("gestao/", backoffice_site.urls),
    path("", include("orders.urls")),
]

if settings.PERF_HELLO_VIEW:
    # The middleware floor perf/run.py reports: the project's middleware and a view that does nothing.
    # First in the list, so the line measures the middleware rather than a walk through every app's URLs
    # (each page's own line pays for its own resolution).
    urlpatterns.insert(0, path("perf/hello", views.perf_hello))

if settings.SERVE_MEDIA:
    # Local-file storage only; with Object Storage the photos are served by OCI.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", views.media, name="media"),
    ]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
