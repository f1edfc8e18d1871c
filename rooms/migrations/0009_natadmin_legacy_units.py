from django.db import migrations, models


def copy_legacy_unit(apps, schema_editor):
    """Every room that names a legacy unit serves it: legacy_units starts with it."""
    Endpoint = apps.get_model("rooms", "Endpoint")
    Through = Endpoint.legacy_units.through
    pairs = Endpoint.objects.filter(legacy_unit__isnull=False).values_list("pk", "legacy_unit_id")
    Through.objects.bulk_create([Through(endpoint_id=pk, unit_id=unit) for pk, unit in pairs], ignore_conflicts=True)


def add_requester_group(apps, schema_editor):
    # Roles are groups of the same name (rooms/models/accounts.py Role); get_or_create: helper
    # `approval` may create the same group.
    apps.get_model("auth", "Group").objects.get_or_create(name="requester")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("rooms", "0008_national_root_and_cascaded_bridges"),
    ]

    operations = [
        migrations.AddField(
            model_name="endpoint",
            name="legacy_units",
            field=models.ManyToManyField(
                blank=True, related_name="legacy_rooms", to="rooms.unit", verbose_name="các đơn vị cũ phục vụ"
            ),
        ),
        migrations.RunPython(copy_legacy_unit, migrations.RunPython.noop),
        migrations.RunPython(add_requester_group, migrations.RunPython.noop),
    ]
