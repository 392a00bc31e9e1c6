"""The security log of the back office: staff sign-in, second factor and sign-out, and every write a staff
member makes (``BackofficeSite.admin_view``), with who did it, from where and how it ended; never a
password, a TOTP code or a customer's e-mail address."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import roles, services
from ocipizza.security_log import email_ref

from . import test_board
from .conftest import LOGIN, STAFF_PASSWORD, staff_post, totp_now
from .test_board import BOARD, move, version_field

# The board tests' fixtures: an order placed through the shop's pages, at the board's frozen evening.
board_now, shopper, place = test_board.board_now, test_board.shopper, test_board.place

pytestmark = pytest.mark.django_db


def assert_clean(security_log, *secrets: str) -> None:
    assert security_log.lines, "nothing was logged"
    for line in security_log.lines:
        json.loads(line)
        for secret in (STAFF_PASSWORD, "sessionid", *secrets):
            assert secret not in line, (secret, line)


def test_staff_login_failure_success_second_factor_and_logout(make_staff, client, security_log):
    manager = make_staff(roles.MANAGER)
    staff_post(client, LOGIN, {"email": "Gerente@Pizzaria.example", "password": "errada-123456"})
    staff_post(client, LOGIN, {"email": manager.email, "password": STAFF_PASSWORD})
    client.get("/gestao/verificacao/configurar/")
    device = TOTPDevice.objects.get(user=manager)
    staff_post(client, "/gestao/verificacao/configurar/", {"token": "000000"})
    code = totp_now(device)
    assert staff_post(client, "/gestao/verificacao/configurar/", {"token": code}).status_code == 302
    staff_post(client, "/gestao/sair/")

    failure, success = security_log.of("staff_login")
    # What was typed on a failed sign-in is only a claim: a reference, not the address.
    assert failure == {
        "event": "staff_login",
        "outcome": "failure",
        "client": "127.0.0.1",
        "email_ref": email_ref(manager.email),
    }
    assert success == {
        "event": "staff_login",
        "outcome": "success",
        "client": "127.0.0.1",
        "staff": manager.email,
    }
    bad_code, good_code = security_log.of("staff_second_factor")
    assert (bad_code["outcome"], bad_code["staff"]) == ("failure", manager.email)
    assert (good_code["outcome"], good_code["staff"]) == ("success", manager.email)
    [logout] = security_log.of("staff_logout")
    assert (logout["staff"], logout["client"]) == (manager.email, "127.0.0.1")
    assert_clean(security_log, "errada-123456", code, "Gerente@Pizzaria")


def test_a_throttled_staff_login_is_logged_as_such(make_staff, client, security_log, monkeypatch):
    kitchen = make_staff(roles.KITCHEN)

    def throttled(**kwargs):
        raise services.StaffThrottled("Muitas tentativas.")

    monkeypatch.setattr(services, "staff_authenticate", throttled)
    response = staff_post(client, LOGIN, {"email": kitchen.email, "password": STAFF_PASSWORD})
    assert "Muitas tentativas" in response.content.decode()
    [event] = security_log.of("staff_login")
    assert event["outcome"] == "throttled" and event["email_ref"] == email_ref(kitchen.email)


def test_a_move_on_the_board_names_the_staff_member_and_the_order(place, staff_login, security_log):
    order = place()
    staff = staff_login(roles.KITCHEN, name="Rita")
    version = version_field(staff.get(BOARD).content.decode(), order.code)
    assert move(staff, order.code, "RECEIVED", version).status_code == 302
    # a GET of the board logs nothing: only writes are staff actions
    [action] = security_log.of("backoffice_action")
    assert action == {
        "event": "backoffice_action",
        "outcome": "success",
        "client": "127.0.0.1",
        "staff": staff.staff_user.username,
        "url_name": "order_move",
        "method": "POST",
        "status": 302,
        "code": order.code,
    }


def test_a_refused_move_and_a_page_without_permission_are_logged(place, staff_login, security_log):
    order = place()
    kitchen = staff_login(roles.KITCHEN)
    assert move(kitchen, order.code, "RECEIVED", "forged-version").status_code in (302, 409)
    refused = staff_post(kitchen, f"/gestao/clientes/{order.customer_id}/ativo/", {"active": "0"})
    assert refused.status_code == 403
    moved, denied = security_log.of("backoffice_action")
    assert moved["code"] == order.code and moved["staff"] == kitchen.staff_user.username
    assert (denied["outcome"], denied["status"], denied["url_name"]) == ("denied", 403, "customer_set_active")
    assert denied["customer_id"] == order.customer_id


def test_customers_disabled_enabled_exported_and_deleted_by_a_manager(staff_login, customer, security_log):
    manager = staff_login(roles.MANAGER)
    page = f"/gestao/clientes/{customer.id}/"
    staff_post(manager, f"{page}ativo/", {"active": "0"})
    staff_post(manager, f"{page}ativo/", {"active": "1"})
    assert manager.get(f"{page}exportar/").status_code == 200
    assert staff_post(manager, f"{page}excluir/", {"confirmation": customer.email}).status_code == 302
    events = [e for e in security_log.events if "customer" in e]
    assert [(e["event"], e["customer"], e["staff"]) for e in events] == [
        ("account_disabled", customer.id, manager.staff_user.username),
        ("account_enabled", customer.id, manager.staff_user.username),
        ("customer_exported", customer.id, manager.staff_user.username),
        ("account_deleted", customer.id, manager.staff_user.username),
    ]
    actions = security_log.of("backoffice_action")
    assert [a["url_name"] for a in actions] == ["customer_set_active"] * 2 + ["customer_delete"]
    assert all(a["customer_id"] == customer.id and a["outcome"] == "success" for a in actions)
    # the confirmation field held the customer's address: form fields are never logged
    assert_clean(security_log, customer.email)


def test_createstaff_names_the_operator(db, security_log, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", STAFF_PASSWORD)
    email = "cozinha@pizzaria.example"
    call_command("createstaff", email, "--role", roles.KITCHEN, "--password-from-env", stdout=StringIO())
    call_command("createstaff", email, "--disable", stdout=StringIO())
    created, disabled = security_log.events
    assert (created["event"], created["staff"], created["role"]) == ("staff_created", email, roles.KITCHEN)
    assert (disabled["event"], disabled["staff"]) == ("staff_disabled", email)
    assert disabled["operator"].startswith("manage.py createstaff by ") and disabled["client"] == "-"
    assert_clean(security_log)
