from django.urls import path, re_path

from . import views

app_name = "locations"
urlpatterns = [
    # Anything after /api/cep/ reaches the view, slashes and all, so every malformed CEP gets the API's
    # JSON 400 instead of an HTML 404 from the resolver.
    re_path(r"^api/cep/(?P<cep>[\s\S]*)/$", views.cep_api, name="cep_api"),
    path("api/openapi.json", views.openapi_json, name="openapi"),
    path("api/docs/", views.api_docs, name="api_docs"),
    path("cep/", views.cep_page, name="cep"),
]
