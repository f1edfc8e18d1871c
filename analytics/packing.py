"""How integer_frame packs a column of one query into one value, and reads it back with numpy."""

import numpy as np

# Per database: comma-separated text on SQLite; on PostgreSQL big-endian 8-byte integers (int8send)
# in one bytea, which numpy reads as is, with no text to write or parse.
JOINED = {"sqlite": "group_concat({}, ',')", "postgresql": "string_agg(int8send(CAST({} AS bigint)), ''::bytea)"}


def unpacked(packed: str | bytes | memoryview | None) -> np.ndarray:
    """The int64 values of one packed column (an empty column packs to NULL)."""
    if isinstance(packed, (bytes, memoryview)):
        return np.frombuffer(packed, dtype=">i8").astype("int64")
    return np.fromstring(packed or "", dtype="int64", sep=",")
