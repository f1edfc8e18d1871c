"""The savings report's reads: confirmed participations by semi-join, integer columns packed."""

from datetime import timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from analytics.frames import held_meetings, integer_frame
from analytics.verified import confirmed_pairs, is_member
from rooms.cdr.ingest import store_records
from rooms.cdr.parsing import csv_record
from rooms.models import BridgeLeg, Meeting, RecordSource
from tests.test_savings_api import FEB, URL


def test_a_room_that_dropped_and_rejoined_is_confirmed_once(api, leader, province, held_meeting, clock):
    province.ep_d1.road_km, province.ep_d1.dial_address = Decimal(40), "sip:vanlang@ls"
    province.ep_d1.save()
    meeting = held_meeting(start=FEB, heads={province.ep_d1: 5})
    records = [
        csv_record(remote_address="sip:vanlang@ls", connected_at=begin, disconnected_at=begin + timedelta(minutes=30))
        for begin in (FEB, FEB + timedelta(minutes=40))
    ]
    store_records(bridge=province.bridge, source=RecordSource.CSV, records=records)
    assert BridgeLeg.objects.filter(participation__meeting=meeting, participation__endpoint=province.ep_d1).count() == 2
    pairs = confirmed_pairs(held_meetings(start=None, end=None, now=clock.now()))
    assert pairs.tolist() == [meeting.pk * (1 << 32) + province.ep_d1.pk]
    body = api(leader).get(URL, {"group_by": "endpoint"}).json()
    row = next(row for row in body["rows"] if row["endpoint"] == province.ep_d1.pk)
    assert row["verified_money_vnd"] == row["money_vnd"] > 0


def test_integer_columns_read_packed_keep_every_value_in_order(province, held_meeting, clock):
    for day in range(3):
        held_meeting(start=FEB + timedelta(days=day), heads={province.ep_d1: 5})
    ids = list(Meeting.objects.order_by("pk").values_list("pk", flat=True))
    rows = Meeting.objects.order_by("pk").values_list("pk", "host_id")
    frame = integer_frame(rows, ["pk", "host_id"])
    assert len(ids) == 3
    assert frame["pk"].tolist() == ids
    assert frame["host_id"].tolist() == [province.host.pk] * 3
    assert frame["pk"].dtype == "int64"
    assert integer_frame(Meeting.objects.filter(pk__lt=0).values_list("pk"), ["pk"]).empty


@given(
    st.lists(st.integers(0, 1 << 40), max_size=40),
    st.lists(st.integers(0, 1 << 40), max_size=40),
)
def test_membership_by_binary_search_agrees_with_numpy(keys, candidates):
    keys_array, candidates_array = np.array(keys, dtype="int64"), np.array(candidates, dtype="int64")
    expected = np.isin(keys_array, candidates_array)
    assert is_member(keys_array, candidates_array).tolist() == expected.tolist()
    assert is_member(candidates_array, candidates_array).all()
