"""HeadCount.confirmed: whether the bridge has a leg of that room in that booking, kept by the
database like the head count itself, so the savings report reads "confirmed by the bridge" with
the head counts instead of a semi-join of every participation against every leg.

The check-in trigger of 0003 now fills it when it writes a head count; triggers on the legs (a
leg inserted, deleted, or attributed to another booking) and on the participations (a booking
moved to another meeting or room) recompute it for the (meeting, endpoint) concerned. The same
statements run on both databases; existing rows are filled by the migration.
"""

from importlib import import_module

from django.db import migrations, models

HEAD_COUNTS = import_module("rooms.migrations.0003_head_counts")


def confirmed(meeting: str, endpoint: str) -> str:
    """SQL: does a leg attributed to the booking of this room in this meeting exist."""
    return (
        "EXISTS (SELECT 1 FROM rooms_bridgeleg l JOIN rooms_participation p ON p.id = l.participation_id"
        f" WHERE p.meeting_id = {meeting} AND p.endpoint_id = {endpoint})"
    )


def reconfirm_pair(meeting: str, endpoint: str) -> str:
    return (
        f"UPDATE rooms_headcount SET confirmed = {confirmed(meeting, endpoint)}"
        f" WHERE meeting_id = {meeting} AND endpoint_id = {endpoint};"
    )


def reconfirm_booking(participation: str) -> str:
    """Recompute the flag of the (meeting, endpoint) of this participation id."""
    return (
        f"UPDATE rooms_headcount SET confirmed = {confirmed('rooms_headcount.meeting_id', 'rooms_headcount.endpoint_id')}"
        " WHERE (meeting_id, endpoint_id) = (SELECT meeting_id, endpoint_id FROM rooms_participation"
        f" WHERE id = {participation});"
    )


UPSERT = f"""
INSERT INTO rooms_headcount (meeting_id, endpoint_id, attendees, "at", checkin_id, confirmed)
VALUES (NEW.meeting_id, NEW.endpoint_id, COALESCE(NEW.attendees, 0), NEW."at", NEW.id,
        {confirmed("NEW.meeting_id", "NEW.endpoint_id")})
ON CONFLICT (meeting_id, endpoint_id) DO UPDATE
SET attendees = excluded.attendees, "at" = excluded."at", checkin_id = excluded.checkin_id
WHERE (excluded."at", excluded.checkin_id) > (rooms_headcount."at", rooms_headcount.checkin_id);
"""
RECOUNT = f"""
DELETE FROM rooms_headcount
WHERE meeting_id = OLD.meeting_id AND endpoint_id = OLD.endpoint_id AND checkin_id = OLD.id;
INSERT INTO rooms_headcount (meeting_id, endpoint_id, attendees, "at", checkin_id, confirmed)
SELECT meeting_id, endpoint_id, COALESCE(attendees, 0), "at", id, {confirmed("OLD.meeting_id", "OLD.endpoint_id")}
FROM rooms_checkin
WHERE meeting_id = OLD.meeting_id AND endpoint_id = OLD.endpoint_id AND kind = 'in'
ORDER BY "at" DESC, id DESC LIMIT 1
ON CONFLICT (meeting_id, endpoint_id) DO NOTHING;
"""
LEG_ADDED = reconfirm_booking("NEW.participation_id")
LEG_REMOVED = reconfirm_booking("OLD.participation_id")
LEG_MOVED = LEG_REMOVED + LEG_ADDED
BOOKING_MOVED = reconfirm_pair("OLD.meeting_id", "OLD.endpoint_id") + reconfirm_pair("NEW.meeting_id", "NEW.endpoint_id")
BACKFILL = f"UPDATE rooms_headcount SET confirmed = {confirmed('rooms_headcount.meeting_id', 'rooms_headcount.endpoint_id')}"

# (name, table, event, condition, body): one trigger each, on both databases.
TRIGGERS = [
    ("checkin_head_count", "rooms_checkin", "INSERT", "NEW.kind = 'in'", UPSERT),
    ("checkin_head_recount", "rooms_checkin", "DELETE", "OLD.kind = 'in'", RECOUNT),
    ("bridgeleg_confirms", "rooms_bridgeleg", "INSERT", "NEW.participation_id IS NOT NULL", LEG_ADDED),
    ("bridgeleg_unconfirms", "rooms_bridgeleg", "DELETE", "OLD.participation_id IS NOT NULL", LEG_REMOVED),
    (
        "bridgeleg_reattributed",
        "rooms_bridgeleg",
        "UPDATE OF participation_id",
        "OLD.participation_id IS DISTINCT FROM NEW.participation_id",
        LEG_MOVED,
    ),
    (
        "participation_moved",
        "rooms_participation",
        "UPDATE OF meeting_id, endpoint_id",
        "OLD.meeting_id <> NEW.meeting_id OR OLD.endpoint_id <> NEW.endpoint_id",
        BOOKING_MOVED,
    ),
]


def sqlite_condition(condition: str) -> str:
    return condition.replace("IS DISTINCT FROM", "IS NOT")


def drop_head_count_triggers(apps, schema_editor):
    """0003's triggers go first: SQLite rebuilds rooms_headcount to add the column, and a trigger
    naming the table would not survive the rebuild."""
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": HEAD_COUNTS.POSTGRES_DROP, "sqlite": HEAD_COUNTS.SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(sql)


def restore_head_count_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": HEAD_COUNTS.POSTGRES_ADD, "sqlite": HEAD_COUNTS.SQLITE_ADD}.get(vendor, []):
        schema_editor.execute(sql)


def add(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, event, condition, body in TRIGGERS:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {name}()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {sqlite_condition(condition)} BEGIN {body} END"
            )
    schema_editor.execute(BACKFILL)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, *_ in TRIGGERS:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0013_ticks_notice_mail"),
    ]

    operations = [
        migrations.RunPython(drop_head_count_triggers, restore_head_count_triggers),
        migrations.AddField(
            model_name="headcount",
            name="confirmed",
            field=models.BooleanField(
                db_default=False,
                help_text="the bridge has a leg of this room in this booking (kept by the database)",
                verbose_name="MCU xác nhận",
            ),
        ),
        migrations.RunPython(add, remove),
    ]
