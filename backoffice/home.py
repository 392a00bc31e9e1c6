"""The back office's front door: staff land on the first area their role opens."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET


def register(site) -> None:
    @require_GET
    def home(request):
        for item in site.each_context(request)["nav"]:
            return redirect(reverse(f"{site.name}:{item.url_name}"))
        return render(request, "backoffice/403.html", site.each_context(request), status=403)

    site.page("", home, name="home", permission="view_orders")
