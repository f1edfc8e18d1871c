"""The participation rows of a booking, written as multi-row INSERTs.

Booking a 250-room meeting is the hot path of the booking benchmark. bulk_create prepares each of
the 1,500 values one by one (pre_save, get_db_prep_save per field), which costs more than the
INSERT itself; every row here carries the same two validated times of its meeting, so they are
adapted to the database once. On PostgreSQL the ids go as one array in one INSERT … SELECT
unnest. The audit entry for the rows is written by the caller
(booking_rules.record_endpoints), as it would be for bulk_create, which sends no signals either.
"""

from collections.abc import Collection
from datetime import datetime

from django.db import connection

from rooms.models import Participation

# SQLite allows 999 bound variables per statement in older builds: 150 rows × 6 columns stay under it.
INSERT_BATCH = 150
COLUMNS = ("meeting_id", "endpoint_id", "is_host", "start", "end", "active")


def insert_participations(
    *, meeting_id: int, endpoint_ids: Collection[int], host_id: int | None, start: datetime, end: datetime
) -> None:
    ops = connection.ops
    table = ops.quote_name(Participation._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in COLUMNS)
    db_start, db_end = ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)
    if connection.vendor == "postgresql":
        # One statement whatever the size: the ids travel as one array, the rest once.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, e, coalesce(e = %s, false), %s, %s, true "
                "FROM unnest(%s::integer[]) AS e",
                [meeting_id, host_id, db_start, db_end, list(endpoint_ids)],
            )
        return
    rows = [(meeting_id, pk, pk == host_id, db_start, db_end, True) for pk in endpoint_ids]
    with connection.cursor() as cursor:
        for first in range(0, len(rows), INSERT_BATCH):
            batch = rows[first : first + INSERT_BATCH]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", [v for row in batch for v in row])
