from django.db import migrations, models


def mark_existing_staff(apps, schema_editor):
    """Staff and administrators who existed before the flag must not slip past MFA. Migrations run as
    the table owner, whose maintenance policy sees every tenant's memberships."""
    db = schema_editor.connection.alias  # the owner's connection, not the app role's
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "Membership")
    staff = Membership.objects.using(db).filter(kind__in=["admin", "staff"]).values("user_id")
    User.objects.using(db).filter(pk__in=staff).update(requires_mfa=True)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="requires_mfa",
            field=models.BooleanField(default=False, help_text="Staff or administrator in some tenant"),
        ),
        migrations.RunPython(mark_existing_staff, migrations.RunPython.noop),
    ]
