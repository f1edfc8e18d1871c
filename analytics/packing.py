"""How integer_frame packs a column of one query into one value, and reads it back with numpy."""

from typing import Any

import numpy as np
import pandas as pd
from django.db.backends.base.base import BaseDatabaseWrapper

# Per database: comma-separated text on SQLite; on PostgreSQL big-endian 8-byte integers (int8send)
# in one bytea, which numpy reads as is, with no text to write or parse.
JOINED = {"sqlite": "group_concat({}, ',')", "postgresql": "string_agg(int8send(CAST({} AS bigint)), ''::bytea)"}


def unpacked(packed: str | bytes | memoryview | None) -> np.ndarray:
    """The int64 values of one packed column (an empty column packs to NULL)."""
    if isinstance(packed, (bytes, memoryview)):
        return np.frombuffer(packed, dtype=">i8").astype("int64")
    return np.fromstring(packed or "", dtype="int64", sep=",")


def packed_frame(inner: str, params: Any, columns: list[str], *, connection: BaseDatabaseWrapper) -> pd.DataFrame:
    """The rows of a SELECT (in SQL) of non-null integer columns with these names, as int64
    columns, each packed by the database into one value (JOINED) and unpacked by numpy."""
    joined = JOINED[connection.vendor]
    names = [f"records.{connection.ops.quote_name(name)}" for name in columns]
    sql = f"SELECT COUNT(*), {', '.join(joined.format(name) for name in names)} FROM ({inner}) AS records"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, *texts = cursor.fetchone()
    values = [unpacked(packed) for packed in texts]
    if any(len(column) != count for column in values):
        raise ValueError(f"integer_frame: a column of {columns} did not parse into {count} integers")
    return pd.DataFrame(dict(zip(columns, values, strict=True)), copy=False)
