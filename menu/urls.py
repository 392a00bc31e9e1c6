from django.urls import path

from . import views

app_name = "menu"
urlpatterns = [
    path("", views.home, name="home"),
    path("entregar-em/", views.delivery_place, name="delivery_place"),
]
