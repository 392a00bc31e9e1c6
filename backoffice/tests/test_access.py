"""Who may open what: every back-office URL for anonymous visitors, customers, kitchen and managers."""

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from backoffice import roles
from backoffice.sites import site

# Pages anyone may open: signing in and out.
PUBLIC = {"login", "logout", "second_factor", "second_factor_setup"}
# Arguments for the URLs that take some: an unknown order code is a 404 for whoever may look.
ARGUMENT_SETS = (
    {},
    {"code": "ZZZZZZZZ"},
    {"code": "ZZZZZZZZ", "kind": "cozinha"},
    {"slug": "zzzz-nao-existe"},  # a menu item (backoffice/catalog)
    {"customer_id": "Z" * 22},  # a customer (backoffice/customers)
)


def backoffice_url_names() -> set[str]:
    namespace = get_resolver().namespace_dict["backoffice"][1]
    return {name for name in namespace.reverse_dict if isinstance(name, str)}


def url_for(name: str) -> str:
    for kwargs in ARGUMENT_SETS:
        try:
            return reverse(f"backoffice:{name}", kwargs=kwargs)
        except NoReverseMatch:
            continue
    raise AssertionError(f"add example arguments for backoffice:{name} to ARGUMENT_SETS")


def pages() -> list[tuple[str, str]]:
    backoffice_url_names()  # loads the URLconf, which registers every page
    return sorted(site.permissions_map.items())


def test_every_page_declares_a_permission():
    assert backoffice_url_names() - PUBLIC == set(site.permissions_map)
    assert set(site.permissions_map.values()) <= set(roles.PERMISSIONS)
    assert {"board", "board_changes", "order_detail", "order_move", "order_ticket"} <= set(
        site.permissions_map
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_visitors_and_customers_are_sent_to_the_staff_login(who, logged_in_client, client):
    browser = logged_in_client if who == "customer" else client
    for name, _permission in pages():
        response = browser.get(url_for(name))
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith("/gestao/entrar/"), (name, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.KITCHEN, roles.MANAGER])
def test_each_role_opens_exactly_its_pages(role, staff_login):
    browser = staff_login(role)
    for name, permission in pages():
        response = browser.get(url_for(name))
        if permission in roles.ROLES[role]:
            # The page itself answers: 404 for the unknown order, 405 for an action that takes a POST.
            assert response.status_code in (200, 302, 404, 405), (name, response.status_code)
            if response.status_code == 302:
                assert not response["Location"].startswith("/gestao/entrar/"), name
        else:
            assert response.status_code == 403, (name, response.status_code)
            assert "não faz parte do seu acesso" in response.content.decode()


@pytest.mark.django_db
def test_a_manager_without_the_second_factor_opens_nothing(make_staff, client):
    from .conftest import STAFF_PASSWORD, staff_post

    manager = make_staff(roles.MANAGER)
    response = staff_post(client, "/gestao/entrar/", {"email": manager.email, "password": STAFF_PASSWORD})
    assert response["Location"].startswith("/gestao/verificacao/")
    for name, _permission in pages():
        response = client.get(url_for(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/gestao/verificacao/"), name


@pytest.mark.django_db
def test_kitchen_navigation_shows_only_its_areas(staff_login):
    kitchen = staff_login(roles.KITCHEN)
    page = kitchen.get("/gestao/pedidos/").content.decode()
    for item in site.nav:
        shown = f'href="{reverse("backoffice:" + item.url_name)}"' in page
        assert shown == (item.permission in roles.ROLES[roles.KITCHEN]), item.url_name
