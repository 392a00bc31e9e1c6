"""``manage.py createstaff``: the operator's way to make the first manager and every staff member."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from backoffice import roles

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("createstaff", *args, stdout=out)
    return out.getvalue()


def test_creates_a_manager_from_the_environment(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "massa-de-fermentacao-lenta")
    output = run("Ana@Pizzaria.example", "--role", "gerente", "--name", "Ana", "--password-from-env")
    assert "Created ana@pizzaria.example as gerente" in output
    assert "authenticator" in output
    user = get_user_model().objects.get(username="ana@pizzaria.example")
    assert user.check_password("massa-de-fermentacao-lenta")
    assert roles.role_of(user) == roles.MANAGER
    assert all(user.has_perm(f"backoffice.{p}") for p in roles.PERMISSIONS)


def test_asks_for_the_password_twice(monkeypatch):
    answers = iter(["borda-recheada-2026", "borda-recheada-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run("joao@pizzaria.example", "--role", "cozinha")
    user = get_user_model().objects.get(username="joao@pizzaria.example")
    assert roles.role_of(user) == roles.KITCHEN
    assert user.has_perm("backoffice.view_orders") and not user.has_perm("backoffice.manage_menu")


def test_running_again_changes_role_and_password_without_a_second_user(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "primeira-senha-forte")
    run("bia@pizzaria.example", "--role", "cozinha", "--password-from-env")
    monkeypatch.setenv("STAFF_PASSWORD", "segunda-senha-forte")
    assert "Updated" in run("bia@pizzaria.example", "--role", "gerente", "--password-from-env")
    user = get_user_model().objects.get(username="bia@pizzaria.example")
    assert get_user_model().objects.filter(username="bia@pizzaria.example").count() == 1
    assert roles.role_of(user) == roles.MANAGER and user.check_password("segunda-senha-forte")


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["x@pizzaria.example"], "senha-bem-comprida", "Say which role"),
        (["x@pizzaria.example", "--role", "cozinha", "--password-from-env"], "", "Set $STAFF_PASSWORD"),
        (["x@pizzaria.example", "--role", "cozinha", "--password-from-env"], "12345", "Choose another"),
        (["ghost@pizzaria.example", "--disable"], "", "No staff member"),
    ],
)
def test_mistakes_say_what_to_do(monkeypatch, args, env, message):
    monkeypatch.setenv("STAFF_PASSWORD", env)
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)
    assert not get_user_model().objects.filter(username="x@pizzaria.example").exists()


def test_mismatched_typed_passwords_are_refused(monkeypatch):
    answers = iter(["borda-recheada-2026", "borda-recheada-2027"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        run("joao@pizzaria.example", "--role", "cozinha")


def test_disable_and_enable(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "primeira-senha-forte")
    run("bia@pizzaria.example", "--role", "cozinha", "--password-from-env")
    assert "disabled" in run("bia@pizzaria.example", "--disable")
    assert not get_user_model().objects.get(username="bia@pizzaria.example").is_active
    assert "enabled" in run("bia@pizzaria.example", "--enable")
    assert get_user_model().objects.get(username="bia@pizzaria.example").is_active


def test_roles_survive_a_repair():
    """``ensure_roles`` is idempotent and puts back a permission someone removed."""
    from django.contrib.auth.models import Group

    roles.ensure_roles()
    kitchen = Group.objects.get(name=roles.KITCHEN)
    kitchen.permissions.clear()
    roles.ensure_roles()
    assert {p.codename for p in kitchen.permissions.all()} == set(roles.ROLES[roles.KITCHEN])
