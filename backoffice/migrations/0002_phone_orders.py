from django.db import migrations


def update_roles(apps, schema_editor):
    from backoffice.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    """Roles gain the permission to take phone and counter orders (managers)."""

    dependencies = [("backoffice", "0001_roles")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
