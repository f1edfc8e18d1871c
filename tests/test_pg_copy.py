"""The binary COPY reader of integer frames (analytics/pg_copy.py), on hand-built streams."""

import struct

import pytest

from analytics.pg_copy import SIGNATURE, parse_binary_copy


def stream(rows: list[tuple[int | None, ...]]) -> bytes:
    body = b""
    for row in rows:
        body += struct.pack(">h", len(row))
        for value in row:
            body += struct.pack(">i", -1) if value is None else struct.pack(">iq", 8, value)
    return SIGNATURE + struct.pack(">ii", 0, 0) + body + struct.pack(">h", -1)


def test_reads_rows_of_big_endian_integers():
    frame = parse_binary_copy(stream([(7, 3, 12), (7, 2**40, 0)]), ["meeting", "endpoint", "attendees"])
    assert frame.to_dict("list") == {"meeting": [7, 7], "endpoint": [3, 2**40], "attendees": [12, 0]}
    assert str(frame["endpoint"].dtype) == "int64"


def test_an_empty_result_is_an_empty_frame():
    assert len(parse_binary_copy(stream([]), ["meeting"])) == 0


def test_refuses_a_null_rather_than_misreading_the_rows():
    with pytest.raises(ValueError, match="not"):
        parse_binary_copy(stream([(1, None), (2, 3)]), ["meeting", "endpoint"])


def test_refuses_a_stream_that_is_not_a_binary_copy():
    with pytest.raises(ValueError, match="binary COPY"):
        parse_binary_copy(b"1,2,3", ["meeting"])
