"""Integer columns read from PostgreSQL with one binary COPY (analytics.frames.integer_frame).

A national report reads millions of (meeting, endpoint, head count) rows. Joining them into text
on the server (string_agg) and parsing it back costs seconds; COPY ... (FORMAT BINARY) sends
fixed-width rows that numpy reads in place: every column is cast to bigint, so each row is a
field count (int16) and, per column, a length (int32, always 8) and the value (int64), big-endian.
"""

import numpy as np
import pandas as pd
from django.db.backends.base.base import BaseDatabaseWrapper

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def copy_integers(connection: BaseDatabaseWrapper, inner: str, params: tuple, columns: list[str]) -> pd.DataFrame:
    """The rows of `inner` (SQL with %s parameters, selecting exactly these non-null integer columns)."""
    import psycopg

    quoted = [connection.ops.quote_name(name) for name in columns]
    select = ", ".join(f"CAST(records.{name} AS bigint)" for name in quoted)
    connection.ensure_connection()
    raw = connection.connection
    # COPY takes no server-side parameters: they are bound here, by the driver's own quoting.
    statement = psycopg.ClientCursor(raw).mogrify(f"SELECT {select} FROM ({inner}) AS records", params)
    with raw.cursor() as cursor, cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT BINARY)") as copy:
        data = b"".join(bytes(block) for block in copy)
    return parse_binary_copy(data, columns)


def parse_binary_copy(data: bytes, columns: list[str]) -> pd.DataFrame:
    if not data.startswith(SIGNATURE):
        raise ValueError("copy_integers: not a binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension : len(data) - 2]  # the trailer is an int16 -1
    fields = [("count", ">i2")]
    for name in columns:
        fields += [(f"{name}__length", ">i4"), (name, ">i8")]
    record = np.dtype(fields)
    if len(body) % record.itemsize:
        raise ValueError(f"copy_integers: {len(body)} bytes are not whole rows of {columns}")
    rows = np.frombuffer(body, dtype=record)
    if len(rows) and (
        (rows["count"] != len(columns)).any() or any((rows[f"{name}__length"] != 8).any() for name in columns)
    ):
        raise ValueError(f"copy_integers: a row of {columns} was not {len(columns)} non-null integers")
    return pd.DataFrame({name: rows[name].astype("int64") for name in columns}, copy=False)
