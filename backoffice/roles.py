"""Staff roles: two Django groups and the back-office permissions each one holds.

The back office has no ORM models of its own, so its permissions hang on one content type made for
them (``backoffice.staffarea``), as Django's own permissions hang on a model's. ``ensure_roles`` is
idempotent: the migration runs it, and ``createstaff`` runs it again so a role always means the same.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

APP_LABEL = "backoffice"
CONTENT_TYPE_MODEL = "staffarea"

MANAGER = "gerente"
KITCHEN = "cozinha"

PERMISSIONS = {
    "view_orders": _("Ver o quadro de pedidos e as comandas"),
    "change_orders": _("Mover pedidos pelo fluxo, recusar e cancelar"),
    "manage_availability": _("Pausar a loja e marcar itens esgotados"),
    "manage_menu": _("Editar o cardápio e as fotos"),
    "manage_pizzeria": _("Editar horários, zonas de entrega e dados da pizzaria"),
    "view_customers": _("Consultar clientes"),
    "view_reports": _("Ver relatórios de vendas"),
    "manage_staff": _("Gerenciar a equipe"),
    "take_phone_orders": _("Lançar pedidos por telefone e no balcão"),
}

ROLES = {
    MANAGER: frozenset(PERMISSIONS),
    KITCHEN: frozenset({"view_orders", "change_orders", "manage_availability"}),
}

# Roles whose members must confirm a second factor (TOTP) after the password.
TWO_FACTOR_ROLES = frozenset({MANAGER})


def ensure_roles(apps=None) -> None:
    """Create (or repair) the content type, the permissions and the two groups with their permissions."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    content_type, _created = content_type_model.objects.get_or_create(
        app_label=APP_LABEL, model=CONTENT_TYPE_MODEL
    )
    permissions = {}
    for codename, name in PERMISSIONS.items():
        permission, _created = permission_model.objects.update_or_create(
            content_type=content_type, codename=codename, defaults={"name": str(name)[:255]}
        )
        permissions[codename] = permission
    for role, codenames in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set([permissions[c] for c in sorted(codenames)])


def role_of(user) -> str | None:
    """The user's back-office role, or ``None`` for anyone who is not staff (customers included).

    Read once per request: the answer is kept on the user object, which lives as long as the request.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user._backoffice_role
    except AttributeError:
        pass
    if user.is_superuser:
        role = MANAGER
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in (MANAGER, KITCHEN) if r in names), None)
    user._backoffice_role = role
    return role


def staff_name(user) -> str:
    """How the audit trail and the pause name a staff member: their name, else their e-mail."""
    return user.get_full_name() or user.get_username()


def needs_second_factor(user) -> bool:
    return role_of(user) in TWO_FACTOR_ROLES
