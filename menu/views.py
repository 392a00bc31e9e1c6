from django.shortcuts import render

from .selectors import menu_get


def home(request):
    """The menu by category, straight from the cached menu."""
    return render(request, "menu/home.html", {"menu": menu_get()})
