"""Head counts kept by the database: rooms_headcount holds, for each (meeting, endpoint) that
checked in, the head count of its latest "in" record (by `at`, then id).

A trigger on check-in inserts keeps it: every writer (the API, the history import, bulk loads,
a restore) goes through it, and the savings report reads one row per attended participation from
a covering index instead of sorting every check-in (bench/reports.py). Existing check-ins are
copied in by the migration. The same upsert runs on both databases.
"""

import django.db.models.deletion
from django.db import migrations, models


# Insert the new record's head count, or replace the stored one if the new record is later.
UPSERT = """
INSERT INTO rooms_headcount (meeting_id, endpoint_id, attendees, "at", checkin_id)
VALUES (NEW.meeting_id, NEW.endpoint_id, COALESCE(NEW.attendees, 0), NEW."at", NEW.id)
ON CONFLICT (meeting_id, endpoint_id) DO UPDATE
SET attendees = excluded.attendees, "at" = excluded."at", checkin_id = excluded.checkin_id
WHERE (excluded."at", excluded.checkin_id) > (rooms_headcount."at", rooms_headcount.checkin_id);
"""
# A deleted "in" record (with its meeting, or by hand) gives way to the latest one left, if any.
RECOUNT = """
DELETE FROM rooms_headcount
WHERE meeting_id = OLD.meeting_id AND endpoint_id = OLD.endpoint_id AND checkin_id = OLD.id;
INSERT INTO rooms_headcount (meeting_id, endpoint_id, attendees, "at", checkin_id)
SELECT meeting_id, endpoint_id, COALESCE(attendees, 0), "at", id FROM rooms_checkin
WHERE meeting_id = OLD.meeting_id AND endpoint_id = OLD.endpoint_id AND kind = 'in'
ORDER BY "at" DESC, id DESC LIMIT 1
ON CONFLICT (meeting_id, endpoint_id) DO NOTHING;
"""
SQLITE_ADD = [
    f"CREATE TRIGGER checkin_head_count AFTER INSERT ON rooms_checkin WHEN NEW.kind = 'in' BEGIN {UPSERT} END",
    f"CREATE TRIGGER checkin_head_recount AFTER DELETE ON rooms_checkin WHEN OLD.kind = 'in' BEGIN {RECOUNT} END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS checkin_head_count", "DROP TRIGGER IF EXISTS checkin_head_recount"]
POSTGRES_ADD = [
    f"""CREATE FUNCTION rooms_checkin_head_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {UPSERT} RETURN NULL; END $$""",
    """CREATE TRIGGER checkin_head_count AFTER INSERT ON rooms_checkin
    FOR EACH ROW WHEN (NEW.kind = 'in') EXECUTE FUNCTION rooms_checkin_head_count()""",
    f"""CREATE FUNCTION rooms_checkin_head_recount() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {RECOUNT} RETURN NULL; END $$""",
    """CREATE TRIGGER checkin_head_recount AFTER DELETE ON rooms_checkin
    FOR EACH ROW WHEN (OLD.kind = 'in') EXECUTE FUNCTION rooms_checkin_head_recount()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS checkin_head_count ON rooms_checkin",
    "DROP TRIGGER IF EXISTS checkin_head_recount ON rooms_checkin",
    "DROP FUNCTION IF EXISTS rooms_checkin_head_count()",
    "DROP FUNCTION IF EXISTS rooms_checkin_head_recount()",
]
BACKFILL = """
INSERT INTO rooms_headcount (meeting_id, endpoint_id, attendees, "at", checkin_id)
SELECT meeting_id, endpoint_id, COALESCE(attendees, 0), "at", id FROM (
    SELECT c.*, ROW_NUMBER() OVER (PARTITION BY meeting_id, endpoint_id ORDER BY "at" DESC, id DESC) AS latest
    FROM rooms_checkin c WHERE kind = 'in'
) AS records WHERE latest = 1
"""


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES_ADD, "sqlite": SQLITE_ADD}.get(vendor, []):
        schema_editor.execute(sql)
    schema_editor.execute(BACKFILL)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0002_no_overlapping_bookings"),
    ]

    operations = [
        migrations.CreateModel(
            name="HeadCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("attendees", models.PositiveIntegerField(help_text="0 when the check-in gave no number")),
                ("at", models.DateTimeField()),
                (
                    "checkin",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="rooms.checkin",
                    ),
                ),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="rooms.endpoint"
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="rooms.meeting",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["meeting", "endpoint", "attendees"], name="headcount_read_idx")],
                "constraints": [models.UniqueConstraint(fields=("meeting", "endpoint"), name="headcount_once")],
            },
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
