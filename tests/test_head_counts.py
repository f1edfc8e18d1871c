"""The database keeps each endpoint's latest head count per meeting (rooms_headcount), whoever
writes the check-ins: the savings report reads it instead of sorting every check-in."""

import uuid
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.db import connection

from analytics import frames
from rooms.models import CheckIn, HeadCount, Meeting
from rooms.services.attendance import record_checkin

migration = import_module("rooms.migrations.0003_head_counts")


def counts() -> dict[tuple[int, int], int]:
    return {(h.meeting_id, h.endpoint_id): h.attendees for h in HeadCount.objects.all()}


def check_in(meeting: Meeting, endpoint: object, kind: str, at: object, attendees: int | None = None) -> CheckIn:
    return CheckIn.objects.create(
        meeting=meeting, endpoint=endpoint, kind=kind, attendees=attendees, client_id=uuid.uuid4(), at=at
    )


def test_a_check_in_through_the_service_sets_the_head_count_and_a_later_one_replaces_it(
    clock, province, operator, attendance_meeting
):
    meeting = attendance_meeting()
    room = province.ep_c1
    record_checkin(user=operator, meeting=meeting, endpoint=room, kind="in", attendees=12, client_id=uuid.uuid4())
    assert counts() == {(meeting.pk, room.pk): 12}
    clock.advance(minutes=5)
    record_checkin(
        user=operator, meeting=meeting, endpoint=room, kind="issue", issue_type="no_sound", client_id=uuid.uuid4()
    )
    record_checkin(user=operator, meeting=meeting, endpoint=room, kind="in", attendees=15, client_id=uuid.uuid4())
    assert counts() == {(meeting.pk, room.pk): 15}


def test_a_check_out_or_an_issue_leaves_the_head_count_alone(province, held_meeting):
    meeting = held_meeting(heads={province.ep_c1: 9})
    check_in(meeting, province.ep_c1, "issue", meeting.end + timedelta(minutes=1))
    assert counts() == {(meeting.pk, province.ep_c1.pk): 9}


def test_an_earlier_record_written_late_does_not_replace_the_latest(province, held_meeting):
    meeting = held_meeting(heads={province.ep_d1: 30})
    check_in(meeting, province.ep_d1, "in", meeting.start - timedelta(minutes=10), attendees=3)
    assert counts() == {(meeting.pk, province.ep_d1.pk): 30}


def test_records_at_the_same_instant_are_ordered_by_id_as_the_attendance_board_does(province, held_meeting):
    meeting = held_meeting(heads={})
    check_in(meeting, province.ep_c2, "in", meeting.start, attendees=4)
    check_in(meeting, province.ep_c2, "in", meeting.start, attendees=6)
    assert counts() == {(meeting.pk, province.ep_c2.pk): 6}


def test_an_in_record_without_a_number_counts_as_zero_people(province, held_meeting):
    meeting = held_meeting(heads={})
    check_in(meeting, province.ep_c3, "in", meeting.start)
    assert counts() == {(meeting.pk, province.ep_c3.pk): 0}


def test_bulk_written_check_ins_keep_it_too(province, held_meeting):
    meeting = held_meeting(heads={})
    CheckIn.objects.bulk_create(
        CheckIn(meeting=meeting, endpoint=room, kind="in", attendees=n, client_id=uuid.uuid4(), at=meeting.start)
        for n, room in enumerate([province.ep_d1, province.ep_d2], start=20)
    )
    assert counts() == {(meeting.pk, province.ep_d1.pk): 20, (meeting.pk, province.ep_d2.pk): 21}


def test_the_migration_fills_it_from_existing_check_ins(province, held_meeting):
    first = held_meeting(heads={province.ep_d1: 30, province.ep_c1: 8})
    check_in(first, province.ep_c1, "in", first.start + timedelta(minutes=3), attendees=11)
    second = held_meeting(start=first.start + timedelta(days=7), heads={province.ep_d2: 25})
    expected = counts()
    HeadCount.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert (
        counts()
        == expected
        == {
            (first.pk, province.ep_d1.pk): 30,
            (first.pk, province.ep_c1.pk): 11,
            (second.pk, province.ep_d2.pk): 25,
        }
    )


def test_deleting_a_meeting_takes_its_head_counts_with_it(province, held_meeting):
    meeting = held_meeting(heads={province.ep_d1: 30})
    meeting.delete()
    assert not HeadCount.objects.exists()


def test_the_savings_frame_reads_one_row_per_attended_endpoint(province, held_meeting):
    meeting = held_meeting(heads={province.ep_d1: 30, province.ep_c1: 8})
    check_in(meeting, province.ep_c1, "in", meeting.start + timedelta(minutes=3), attendees=11)
    frame = frames.head_counts_frame(Meeting.objects.filter(pk=meeting.pk))
    assert sorted(frame.itertuples(index=False, name=None)) == sorted(
        [(meeting.pk, province.ep_d1.pk, 30), (meeting.pk, province.ep_c1.pk, 11)]
    )
    assert frame.dtypes.tolist() == ["int64", "int64", "int64"]


def test_deleting_the_latest_record_falls_back_to_the_one_before(province, held_meeting):
    meeting = held_meeting(heads={province.ep_c1: 8})
    later = check_in(meeting, province.ep_c1, "in", meeting.start + timedelta(minutes=3), attendees=11)
    later.delete()
    assert counts() == {(meeting.pk, province.ep_c1.pk): 8}
    CheckIn.objects.filter(meeting=meeting).delete()
    assert counts() == {}


def test_the_meetings_frame_lines_up_ids_hosts_and_times_read_as_joined_text(province, held_meeting):
    first = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    made = [held_meeting(start=first + timedelta(days=7 * n), minutes=30 + n) for n in range(3)]
    frame = frames.meetings_frame(Meeting.objects.filter(pk__in=[m.pk for m in made]))
    rows = sorted(zip(frame["meeting"], frame["host"], frame["start"], frame["end"], strict=True))
    assert rows == [(m.pk, m.host_id, m.start, m.end) for m in made]


def test_an_empty_query_gives_an_empty_integer_frame(db):
    frame = frames.integer_frame(HeadCount.objects.values_list("meeting_id", "attendees"), ["meeting_id", "attendees"])
    assert frame.empty
    assert frame.columns.tolist() == ["meeting_id", "attendees"]
    assert frame.dtypes.tolist() == ["int64", "int64"]


def test_it_agrees_with_the_head_counts_the_attendance_board_derives(clock, province, operator, attendance_meeting):
    from rooms.selectors.attendance import meeting_attendance

    meeting = attendance_meeting()
    for minutes, room, kind, people in [
        (0, province.ep_d1, "in", 30),
        (1, province.ep_c1, "in", 8),
        (2, province.ep_c1, "out", None),
        (3, province.ep_c1, "in", 9),
        (4, province.ep_d1, "in", 28),
        (5, province.ep_d1, "issue", None),
    ]:
        check_in(meeting, room, kind, meeting.start + timedelta(minutes=minutes), attendees=people)
    board = meeting_attendance(meeting, now=meeting.end)
    derived = {(meeting.pk, row.endpoint): row.derived.attendees for row in board.endpoints if row.derived.attended}
    assert counts() == derived == {(meeting.pk, province.ep_d1.pk): 28, (meeting.pk, province.ep_c1.pk): 9}
