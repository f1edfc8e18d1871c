"""A series is one invitation: RRULE, EXDATE for what will not take place, RECURRENCE-ID for
what moved; every invitation names its rooms and its operators."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail

from rooms.services import booking
from tests.conftest import make_user
from tests.helpers import book_series

pytestmark = pytest.mark.django_db
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=HANOI)


@pytest.fixture
def weekly(staff, province, clock):
    staff.email = "lan@example.vn"
    staff.save()
    staff.profile.full_name = "Nguyễn Thị Lan"
    staff.profile.save()
    operator = make_user("kt_tanthanh", "operator", province.c1, email="kt@example.vn")
    operator.profile.full_name = "Hoàng Văn Minh"
    operator.profile.save()
    province.ep_c1.operators.add(operator)
    # 10 March is taken: with skip_conflicts that occurrence is skipped.
    booking.book_meeting(
        organizer=staff, title="Đã có", start=at(10, 9), end=at(10, 10), host=province.ep_d1, endpoints=[province.ep_c1]
    )
    endpoints = [province.ep_c1, province.ep_c2]
    return book_series(
        province, staff, at(3, 9), at(3, 10), endpoints, rule="FREQ=WEEKLY;COUNT=4", skip_conflicts=True, notify=False
    )


def events(api, user, meeting):
    response = api(user).get(f"/api/meetings/{meeting.pk}/invite.ics")
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_a_series_is_one_invitation_with_its_rule_and_the_skipped_date(api, staff, province, weekly):
    (master,) = events(api, staff, weekly.meetings[1])
    assert str(master["uid"]) == weekly.series.uid
    assert master["rrule"]["FREQ"] == ["WEEKLY"]
    assert "COUNT" not in master["rrule"]
    assert master.decoded("dtstart") == at(3, 9)
    assert [d.dt for d in master["exdate"].dts] == [at(10, 9)]
    assert str(master["location"]) == "Hội trường UBND tỉnh; UBND Xã Tân Thanh; UBND Xã Hoàng Việt"
    assert master["organizer"].params["CN"] == "Nguyễn Thị Lan"
    (attendee,) = [master["attendee"]] if not isinstance(master["attendee"], list) else master["attendee"]
    assert attendee.params["CN"] == "Hoàng Văn Minh"


def test_a_cancelled_occurrence_is_an_exdate_and_a_moved_one_a_recurrence_id(api, staff, province, weekly):
    first, second, third = weekly.meetings
    booking.cancel_meeting(meeting=second, actor=staff, notify=False)
    booking.reschedule_meeting(meeting=third, actor=staff, start=at(24, 14), end=at(24, 15), notify=False)
    master, moved = events(api, staff, first)
    assert sorted(d.dt for d in master["exdate"].dts) == [at(10, 9), at(17, 9)]
    assert str(moved["uid"]) == weekly.series.uid
    assert moved.decoded("recurrence-id") == at(24, 9)
    assert moved.decoded("dtstart") == at(24, 14)


def test_a_cancelled_occurrence_alone_is_withdrawn_by_its_recurrence_id(api, staff, province, weekly):
    second = weekly.meetings[1]
    booking.cancel_meeting(meeting=second, actor=staff, notify=False)
    response = api(staff).get(f"/api/meetings/{second.pk}/invite.ics")
    cal = icalendar.Calendar.from_ical(response.content)
    assert cal["method"] == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == weekly.series.uid
    assert event.decoded("recurrence-id") == at(17, 9)


def test_the_mail_for_a_series_carries_one_invitation(staff, province, clock, django_capture_on_commit_callbacks):
    operator = make_user("kt_hoangviet", "operator", province.c2, email="hv@example.vn")
    province.ep_c2.operators.add(operator)
    with django_capture_on_commit_callbacks(execute=True):
        booked = book_series(province, staff, at(3, 14), at(3, 15), [province.ep_c2], rule="FREQ=WEEKLY;COUNT=5")
    assert len(booked.meetings) == 5
    (message,) = [m for m in mail.outbox if "hv@example.vn" in m.to]
    (part,) = message.attachments
    assert "RRULE:FREQ=WEEKLY" in part.get_payload(decode=True).decode()
