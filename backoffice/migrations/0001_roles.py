from django.db import migrations


def create_roles(apps, schema_editor):
    from backoffice.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    """The two staff roles (gerente, cozinha) and the back-office permissions they hold."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
