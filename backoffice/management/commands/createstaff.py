import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from backoffice import roles, services
from ocipizza.security_log import command_operator, security_event

PASSWORD_ENV = "STAFF_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = (
        "Create a back-office staff member (or reset one's password and role): "
        "`createstaff ana@pizzaria.com.br --role gerente`. Managers enrol a TOTP app at first sign-in. "
        "`--disable` signs a member out and blocks them; `--enable` lets them back in."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="the e-mail the staff member signs in with")
        parser.add_argument("--role", choices=sorted(roles.ROLES), help="gerente (everything) or cozinha")
        parser.add_argument("--name", default="", help="how the orders board names them (audit trail)")
        parser.add_argument(
            "--password-from-env",
            action="store_true",
            help=f"read the password from ${PASSWORD_ENV} instead of asking (for scripts)",
        )
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--disable", action="store_true", help="block the member and end their sessions")
        state.add_argument("--enable", action="store_true", help="unblock a disabled member")

    def handle(self, *args, email, role, name, password_from_env, disable, enable, **options):
        if disable or enable:
            try:
                services.staff_set_active(email=email, active=enable)
            except LookupError:
                raise CommandError(f"No staff member signs in as {email}. Check the address.") from None
            event = "staff_enabled" if enable else "staff_disabled"
            security_event(event, staff=email.strip().lower(), operator=command_operator("createstaff"))
            self.stdout.write(self.style.SUCCESS(f"{email} {'enabled' if enable else 'disabled'}."))
            return
        if not role:
            raise CommandError("Say which role: --role gerente (manager) or --role cozinha (kitchen).")
        password = self._password(password_from_env)
        user, created = services.staff_create(email=email, password=password, role=role, name=name)
        event = "staff_created" if created else "staff_updated"  # a new password, and maybe a new role
        security_event(event, staff=user.get_username(), role=role, operator=command_operator("createstaff"))
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.email} as {role}."))
        if role in roles.TWO_FACTOR_ROLES:
            self.stdout.write(
                "At the first sign-in on /gestao/ they scan a QR code with an authenticator app (TOTP)."
            )

    def _password(self, from_env: bool) -> str:
        if from_env:
            password = os.environ.get(PASSWORD_ENV, "")
            if not password:
                raise CommandError(f"Set ${PASSWORD_ENV} or drop --password-from-env to type the password.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ. Run the command again.")
        try:
            validate_password(password)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages) + " Choose another password.") from e
        return password
