"""The database's own guard against double booking, whatever slips past the booking service.

PostgreSQL: an exclusion constraint over (endpoint, [start, end)) for live participations.
SQLite: triggers that abort an insert or update overlapping a live participation of the same
endpoint (the connection uses IMMEDIATE transactions, so the check and the write are atomic).
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

POSTGRES_ADD = """
ALTER TABLE rooms_participation ADD CONSTRAINT participation_no_overlap
EXCLUDE USING gist (endpoint_id WITH =, tstzrange("start", "end", '[)') WITH &&) WHERE (active)
"""
POSTGRES_DROP = "ALTER TABLE rooms_participation DROP CONSTRAINT participation_no_overlap"

SQLITE_CHECK = """
SELECT RAISE(ABORT, 'overlapping booking: participation_no_overlap')
WHERE NEW.active AND EXISTS (
    SELECT 1 FROM rooms_participation p
    WHERE p.endpoint_id = NEW.endpoint_id AND p.active AND p.id IS NOT NEW.id
      AND p."start" < NEW."end" AND p."end" > NEW."start"
);
"""
SQLITE_ADD = [
    f"CREATE TRIGGER participation_no_overlap_insert BEFORE INSERT ON rooms_participation BEGIN {SQLITE_CHECK} END",
    f"CREATE TRIGGER participation_no_overlap_update BEFORE UPDATE ON rooms_participation BEGIN {SQLITE_CHECK} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS participation_no_overlap_insert",
    "DROP TRIGGER IF EXISTS participation_no_overlap_update",
]


def add_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_ADD], "sqlite": SQLITE_ADD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_DROP], "sqlite": SQLITE_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


ROLES = ["administrator", "staff", "operator", "leader"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_guard, drop_guard),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
