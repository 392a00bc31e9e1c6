"""The staff's site under /gestao/, shaped like ``django.contrib.admin``'s ``AdminSite``.

A ``BackofficeSite`` owns its URLs, its login and logout, the second factor, the navigation and the
permission check of every page. Areas (the orders board, later the menu, the pizzeria, customers and
reports) register their pages with ``site.page(...)``, naming the permission each needs; the site keeps
that in ``permissions_map`` (URL name -> permission), which the permission-matrix test walks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.views.decorators.cache import never_cache

from ocipizza.security_log import security_event

from . import roles

# The areas, each a module with ``register(site)``, in the order the navigation lists them.
AREAS = ("home", "board", "availability", "catalog", "profile", "customers", "counter", "reports")

# The session marks when a staff request last extended it; extending it costs a session write, so a
# board polling every few seconds does it at most once per this many seconds.
ACTIVITY_STEP_SECONDS = 5 * 60
LAST_SEEN_KEY = "backoffice_seen"
# When this session signed in (set by the login view): it ends STAFF_SESSION_MAX_SECONDS later.
SIGNED_IN_KEY = "backoffice_since"


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str


class BackofficeSite:
    name = "backoffice"

    def __init__(self):
        self.permissions_map: dict[str, str] = {}
        self.nav: list[NavItem] = []
        self._pages: list = []

    # --- registration ---------------------------------------------------------------------------
    def page(self, route: str, view: Callable, *, name: str, permission: str, nav: str | Promise = ""):
        """Register one page; ``permission`` is a codename of ``roles.PERMISSIONS``."""
        if permission not in roles.PERMISSIONS:
            raise ValueError(f"{permission!r} is not a back-office permission (see backoffice/roles.py)")
        self.permissions_map[name] = permission
        self._pages.append(path(route, self.admin_view(view, permission=permission), name=name))
        if nav:
            self.nav.append(NavItem(nav, name, permission))

    # --- access -----------------------------------------------------------------------------------
    def has_permission(self, user, permission: str) -> bool:
        return roles.role_of(user) is not None and user.has_perm(f"{roles.APP_LABEL}.{permission}")

    def admin_view(self, view: Callable, *, permission: str) -> Callable:
        """Wrap a page: staff only (login, then the second factor), then the page's permission."""

        @wraps(view)
        def inner(request, *args, **kwargs):
            if roles.role_of(request.user) is not None and self._session_too_old(request):
                auth.logout(request)  # then, as anyone signed out, to the login page
            user = request.user
            if roles.role_of(user) is None:
                return redirect_to_login(request.get_full_path(), reverse(f"{self.name}:login"))
            if roles.needs_second_factor(user) and not user.is_verified():
                return redirect_to_login(request.get_full_path(), reverse(f"{self.name}:second_factor"))
            if not self.has_permission(user, permission):
                self._log_action(request, kwargs, 403)
                return render(request, "backoffice/403.html", self.each_context(request), status=403)
            self._extend_session(request)
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return view(request, *args, **kwargs)
            status = 500  # unless the view answers or raises one of the exceptions below
            try:
                response = view(request, *args, **kwargs)
                status = response.status_code
                return response
            except Http404:
                status = 404
                raise
            except PermissionDenied:
                status = 403
                raise
            finally:
                self._log_action(request, kwargs, status)

        return never_cache(inner)

    def _log_action(self, request, url_kwargs: dict, status: int) -> None:
        """Every staff write (and every refused page) in the security log: who, which page, its
        arguments from the URL (an order's code, a customer's id; never the form's fields, which hold
        personal data), and how it ended."""
        match = request.resolver_match
        outcome = "success" if status < 400 else {403: "denied", 429: "throttled"}.get(status, "failure")
        security_event(
            "backoffice_action",
            request=request,
            outcome=outcome,
            staff=request.user.get_username(),
            url_name=match.url_name if match else "",
            method=request.method,
            status=status,
            **url_kwargs,
        )

    def _session_too_old(self, request) -> bool:
        """Staff sessions end ``STAFF_SESSION_MAX_SECONDS`` after signing in, however busy (a session
        without the time signed in before it was kept: it ends once)."""
        since = request.session.get(SIGNED_IN_KEY)
        return not isinstance(since, int) or time.time() - since > settings.STAFF_SESSION_MAX_SECONDS

    def _extend_session(self, request) -> None:
        """Staff sessions end after ``STAFF_SESSION_IDLE_SECONDS`` without a request (a working day),
        and never later than their absolute lifetime (the cookie and Redis forget them then too)."""
        now = int(time.time())
        if now - request.session.get(LAST_SEEN_KEY, 0) >= ACTIVITY_STEP_SECONDS:
            request.session[LAST_SEEN_KEY] = now
            left = settings.STAFF_SESSION_MAX_SECONDS - (now - request.session[SIGNED_IN_KEY])
            request.session.set_expiry(max(1, min(settings.STAFF_SESSION_IDLE_SECONDS, left)))

    def each_context(self, request) -> dict:
        """What every back-office template gets: the navigation this user may use, and the role."""
        user = request.user
        return {
            "site": self,
            "nav": [item for item in self.nav if self.has_permission(user, item.permission)],
            "staff_role": roles.role_of(user),
        }

    # --- URLs -------------------------------------------------------------------------------------
    def get_urls(self) -> list:
        from . import auth_views

        # Built afresh on each call, so a reloaded URLconf registers every page once.
        self._pages, self.permissions_map, self.nav = [], {}, []
        for area in AREAS:
            import_module(f"{__package__}.{area}").register(self)
        return [
            path("entrar/", auth_views.login_view, name="login"),
            path("sair/", auth_views.logout_view, name="logout"),
            path("verificacao/", auth_views.second_factor_view, name="second_factor"),
            path("verificacao/configurar/", auth_views.second_factor_setup_view, name="second_factor_setup"),
            *self._pages,
        ]

    @property
    def urls(self):
        return self.get_urls(), "backoffice", self.name


site = BackofficeSite()
