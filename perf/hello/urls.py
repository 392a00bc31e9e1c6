"""The hello-world app's only URL."""

from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse(b"Hello, world!", content_type="text/plain; charset=utf-8")


urlpatterns = [path("", hello)]
