"""The database keeps HeadCount.confirmed (migration 0014): a checked-in room is confirmed when the
bridge has a leg of it in that booking, whatever came first, and stops being confirmed when the
leg goes or the booking moves. The flag always agrees with the semi-join the usage report reads
(verified.confirmed_pairs), so the savings report may read it instead."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from analytics.frames import held_meetings
from analytics.verified import confirmed_pairs
from rooms.cdr.ingest import rederive_bridge, store_records
from rooms.cdr.parsing import csv_record
from rooms.models import BridgeLeg, CheckIn, HeadCount, Participation, RecordSource
from tests.test_savings_api import FEB, URL


def flagged() -> set[tuple[int, int]]:
    return set(HeadCount.objects.filter(confirmed=True).values_list("meeting_id", "endpoint_id"))


def semi_join(clock) -> set[tuple[int, int]]:
    """The pairs confirmed_pairs finds, among those with a head count."""
    keys = confirmed_pairs(held_meetings(start=None, end=None, now=clock.now())).tolist()
    pairs = {(key >> 32, key & 0xFFFFFFFF) for key in keys}
    return pairs & set(HeadCount.objects.values_list("meeting_id", "endpoint_id"))


def connect(bridge, address: str, minutes: int = 30) -> None:
    record = csv_record(remote_address=address, connected_at=FEB, disconnected_at=FEB + timedelta(minutes=minutes))
    store_records(bridge=bridge, source=RecordSource.CSV, records=[record])


@pytest.fixture
def dialled(province):
    province.ep_d1.dial_address, province.ep_d1.road_km = "sip:vanlang@ls", Decimal(40)
    province.ep_d1.save()
    return province.ep_d1


def test_a_leg_after_the_check_in_confirms_it(province, held_meeting, dialled, clock):
    meeting = held_meeting(start=FEB, heads={dialled: 5, province.ep_d2: 3})
    assert flagged() == set()
    connect(province.bridge, "sip:vanlang@ls")
    assert flagged() == {(meeting.pk, dialled.pk)} == semi_join(clock)


def test_a_check_in_after_the_leg_is_confirmed_at_once(province, held_meeting, dialled, clock):
    meeting = held_meeting(start=FEB)
    connect(province.bridge, "sip:vanlang@ls")
    assert BridgeLeg.objects.filter(participation__meeting=meeting).count() == 1
    CheckIn.objects.create(meeting=meeting, endpoint=dialled, kind="in", attendees=4, client_id=uuid.uuid4(), at=FEB)
    assert flagged() == {(meeting.pk, dialled.pk)} == semi_join(clock)


def test_a_leg_rederived_away_from_the_booking_unconfirms_it(province, held_meeting, dialled, clock):
    meeting = held_meeting(start=FEB, heads={dialled: 5})
    connect(province.bridge, "sip:vanlang@ls")
    assert flagged() == {(meeting.pk, dialled.pk)}
    dialled.dial_address = "sip:another@ls"  # the leg's remote party is no longer this room
    dialled.save(update_fields=["dial_address"])
    rederive_bridge(bridge=province.bridge)
    assert BridgeLeg.objects.filter(participation__isnull=False).count() == 0
    assert flagged() == set() == semi_join(clock)


def test_one_of_two_legs_removed_keeps_the_room_confirmed(province, held_meeting, dialled, clock):
    meeting = held_meeting(start=FEB, heads={dialled: 5})
    connect(province.bridge, "sip:vanlang@ls", minutes=10)
    later = csv_record(
        remote_address="sip:vanlang@ls",
        connected_at=FEB + timedelta(minutes=40),
        disconnected_at=FEB + timedelta(minutes=80),
    )
    store_records(bridge=province.bridge, source=RecordSource.CSV, records=[later])
    legs = BridgeLeg.objects.filter(participation__meeting=meeting).order_by("connected_at")
    assert legs.count() == 2
    legs.first().delete()
    assert flagged() == {(meeting.pk, dialled.pk)} == semi_join(clock)


def test_a_booking_moved_to_another_room_takes_its_confirmation_along(province, held_meeting, dialled, clock):
    meeting = held_meeting(start=FEB, endpoints=[dialled], heads={dialled: 5})
    connect(province.bridge, "sip:vanlang@ls")
    CheckIn.objects.create(
        meeting=meeting, endpoint=province.ep_c1, kind="in", attendees=2, client_id=uuid.uuid4(), at=FEB
    )
    Participation.objects.filter(meeting=meeting, endpoint=dialled).update(endpoint=province.ep_c1)
    assert flagged() == {(meeting.pk, province.ep_c1.pk)} == semi_join(clock)


def test_a_newer_head_count_and_a_deleted_check_in_keep_the_flag(province, held_meeting, dialled, clock):
    meeting = held_meeting(start=FEB, heads={dialled: 5})
    connect(province.bridge, "sip:vanlang@ls")
    later = CheckIn.objects.create(
        meeting=meeting, endpoint=dialled, kind="in", attendees=9, client_id=uuid.uuid4(), at=FEB + timedelta(minutes=5)
    )
    assert HeadCount.objects.get(meeting=meeting, endpoint=dialled).attendees == 9
    later.delete()
    count = HeadCount.objects.get(meeting=meeting, endpoint=dialled)
    assert (count.attendees, count.confirmed) == (5, True)


def test_the_savings_report_values_what_the_flag_confirms(api, leader, province, held_meeting, dialled):
    province.ep_d2.road_km = Decimal(40)
    province.ep_d2.save()
    held_meeting(start=FEB, heads={dialled: 5, province.ep_d2: 5})
    connect(province.bridge, "sip:vanlang@ls")
    response = api(leader).get(URL, {"group_by": "endpoint"})
    assert response.status_code == 200
    rows = {row["endpoint"]: row for row in response.json()["rows"]}
    assert rows[dialled.pk]["verified_money_vnd"] == rows[dialled.pk]["money_vnd"] > 0
    assert rows[province.ep_d2.pk]["verified_money_vnd"] == 0 < rows[province.ep_d2.pk]["money_vnd"]
