"""The readiness ladder on a fixed clock (#16, Operations): the reminder the day before, test
calls from 60 minutes before, escalation to the province's technical desk at 30, the board's
flags; each rung sends once, however many ticks run."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import TestCase

from rooms import jobs
from rooms.models import CheckIn, MeetingStatus, Notice, NoticeKind, ProvinceSettings
from tests.helpers import HANOI

pytestmark = pytest.mark.usefixtures("clock")
# Tuesday 3 March 2026, 09:00 in Hanoi: the day after the fixed clock's Monday morning.
TOMORROW_NINE = datetime(2026, 3, 3, 9, 0, tzinfo=HANOI)


@pytest.fixture
def desk(province):
    ProvinceSettings.objects.filter(province_code="20").update(
        desk_email="kythuat@langson.example", desk_phone="0205 3812 345"
    )
    return "kythuat@langson.example"


def tick(clock, when: datetime) -> dict[str, int]:
    clock.set(when)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the tick queues its mail after commit
        return jobs.run_tick(when)


def test_check_in(api, user, meeting, endpoint, **body):
    return api(user).post(
        f"/api/meetings/{meeting.pk}/checkins/",
        {"endpoint": endpoint.pk, "client_id": str(uuid.uuid4()), **body},
        format="json",
    )


test_check_in.__test__ = False  # a helper, not a test


class TestTheReminderTheDayBefore:
    def test_nothing_is_sent_before_four_in_the_afternoon(self, clock, attendance_meeting, mailed_operator):
        attendance_meeting(start=TOMORROW_NINE)
        assert tick(clock, datetime(2026, 3, 2, 15, 59, tzinfo=HANOI))["send_reminders"] == 0
        assert mail.outbox == []
        assert Notice.objects.count() == 0

    def test_each_room_operator_gets_one_reminder_with_the_invitation(self, clock, attendance_meeting, mailed_operator):
        meeting = attendance_meeting(start=TOMORROW_NINE, title="Giao ban thứ ba")
        assert tick(clock, datetime(2026, 3, 2, 16, 0, tzinfo=HANOI))["send_reminders"] == 1
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [mailed_operator.email]
        assert "Giao ban thứ ba" in message.subject and "03/03/2026 09:00" in message.subject
        ics = message.attachments[0].get_payload(decode=True).decode()
        assert "BEGIN:VALARM" in ics and "TRIGGER:-P1D" in ics and "TRIGGER:-PT1H" in ics
        assert "08:00" in message.body  # the test-call window opens 60 minutes before
        notice = Notice.objects.get()
        assert (notice.kind, notice.meeting_id, notice.sent_to) == (
            NoticeKind.REMINDER,
            meeting.pk,
            mailed_operator.email,
        )

    def test_ticking_again_sends_nothing_more(self, clock, attendance_meeting, mailed_operator):
        attendance_meeting(start=TOMORROW_NINE)
        tick(clock, datetime(2026, 3, 2, 16, 0, tzinfo=HANOI))
        assert tick(clock, datetime(2026, 3, 2, 16, 1, tzinfo=HANOI))["send_reminders"] == 0
        assert tick(clock, datetime(2026, 3, 3, 7, 0, tzinfo=HANOI))["send_reminders"] == 0
        assert len(mail.outbox) == 1
        assert Notice.objects.count() == 1

    def test_a_missed_afternoon_is_caught_up_by_the_next_tick(self, clock, attendance_meeting, mailed_operator):
        attendance_meeting(start=TOMORROW_NINE)
        # The worker was down from 15:00 to the next morning: the first tick still reminds.
        assert tick(clock, datetime(2026, 3, 3, 6, 30, tzinfo=HANOI))["send_reminders"] == 1
        assert len(mail.outbox) == 1

    def test_a_cancelled_meeting_is_not_reminded(self, clock, attendance_meeting, mailed_operator):
        meeting = attendance_meeting(start=TOMORROW_NINE)
        meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, clock.now()
        meeting.save()
        tick(clock, datetime(2026, 3, 2, 16, 0, tzinfo=HANOI))
        assert mail.outbox == []
        assert Notice.objects.count() == 0

    def test_the_reminder_time_is_a_setting(self, clock, attendance_meeting, mailed_operator, settings):
        settings.VCONF = {**settings.VCONF, "REMINDER_AT": "14:00"}
        attendance_meeting(start=TOMORROW_NINE)
        assert tick(clock, datetime(2026, 3, 2, 14, 0, tzinfo=HANOI))["send_reminders"] == 1


class TestTestCalls:
    def test_a_test_call_is_refused_more_than_60_minutes_before(
        self, api, clock, attendance_meeting, operator, province
    ):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=61))
        response = test_check_in(api, operator, meeting, province.ep_c1, kind="test", result="ok")
        assert response.status_code == 400
        assert "meeting" in response.json()
        assert CheckIn.objects.count() == 0

    def test_a_test_call_is_accepted_from_60_minutes_before(self, api, clock, attendance_meeting, operator, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=60))
        response = test_check_in(
            api, operator, meeting, province.ep_c1, kind="test", result="failed", note="Không có tiếng"
        )
        assert response.status_code == 201, response.content
        assert response.json()["result"] == "failed"
        record = CheckIn.objects.get()
        assert (record.kind, record.result, record.note) == ("test", "failed", "Không có tiếng")

    def test_a_test_call_needs_its_result(self, api, clock, attendance_meeting, operator, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=50))
        response = test_check_in(api, operator, meeting, province.ep_c1, kind="test")
        assert response.status_code == 400
        assert "result" in response.json()
        assert CheckIn.objects.count() == 0

    def test_a_result_on_a_check_in_is_refused(self, api, clock, attendance_meeting, operator, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=10))
        response = test_check_in(api, operator, meeting, province.ep_c1, kind="in", attendees=5, result="ok")
        assert response.status_code == 400
        assert "result" in response.json()
        assert CheckIn.objects.count() == 0

    def test_a_test_call_does_not_check_the_room_in(self, api, clock, attendance_meeting, operator, province, staff):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=40))
        test_check_in(api, operator, meeting, province.ep_c1, kind="test", result="ok")
        board = api(staff).get(f"/api/meetings/{meeting.pk}/attendance/").json()
        row = next(r for r in board["endpoints"] if r["endpoint"] == province.ep_c1.pk)
        assert (row["state"], row["readiness"], row["escalated"]) == ("invited", "tested", False)
        other = next(r for r in board["endpoints"] if r["endpoint"] == province.ep_c2.pk)
        assert other["readiness"] == "not_tested"

    def test_my_room_records_a_failed_test_call_without_javascript(
        self, client, clock, attendance_meeting, operator, province
    ):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=45))
        client.force_login(operator)
        page = client.get("/phong-cua-toi/").content.decode()
        assert "Gọi thử: tốt" in page and "Gọi thử: lỗi" in page
        client_id = page.split('name="kind" value="test"><input type="hidden" name="client_id" value="')[1][:36]
        body = {"meeting": meeting.pk, "endpoint": province.ep_c1.pk, "kind": "test", "client_id": client_id}
        response = client.post("/phong-cua-toi/", {**body, "result": "failed"}, follow=True)
        assert "Đã báo gọi thử: lỗi." in response.content.decode()
        assert CheckIn.objects.get().result == "failed"


class TestEscalation:
    def test_nothing_is_escalated_31_minutes_before(self, clock, attendance_meeting, desk):
        meeting = attendance_meeting(start=clock.now() + timedelta(hours=2))
        assert tick(clock, meeting.start - timedelta(minutes=31))["escalate_unready"] == 0
        assert mail.outbox == []

    def test_rooms_not_ready_at_30_minutes_are_escalated_to_the_desk_once(
        self, api, clock, attendance_meeting, desk, operator, province
    ):
        meeting = attendance_meeting(start=clock.now() + timedelta(hours=2))
        clock.set(meeting.start - timedelta(minutes=50))
        test_check_in(api, operator, meeting, province.ep_c1, kind="test", result="failed", note="Mất hình")
        # The host tested fine, and one room already checked in: both are ready.
        CheckIn.objects.create(
            meeting=meeting, endpoint=province.host, kind="test", result="ok", client_id=uuid.uuid4(), at=clock.now()
        )
        CheckIn.objects.create(
            meeting=meeting, endpoint=province.ep_d1, kind="in", attendees=4, client_id=uuid.uuid4(), at=clock.now()
        )
        assert tick(clock, meeting.start - timedelta(minutes=30))["escalate_unready"] == 4
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [desk]
        assert province.ep_c1.name in message.body
        assert "gọi thử lỗi (Mất hình)" in message.body
        assert province.host.name not in message.body.split("\n- ", 1)[1]
        assert province.ep_d1.name not in message.body
        assert tick(clock, meeting.start - timedelta(minutes=29))["escalate_unready"] == 0
        assert len(mail.outbox) == 1
        escalated = set(Notice.objects.filter(kind=NoticeKind.ESCALATION).values_list("endpoint_id", flat=True))
        assert escalated == {province.ep_c1.pk, province.ep_c2.pk, province.ep_c3.pk, province.ep_d2.pk}

    def test_the_board_flags_the_escalated_rooms(self, api, client, clock, attendance_meeting, desk, staff, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(hours=1))
        tick(clock, meeting.start - timedelta(minutes=30))
        board = api(staff).get(f"/api/meetings/{meeting.pk}/attendance/").json()
        assert all(row["escalated"] for row in board["endpoints"])
        client.force_login(staff)
        page = client.get(f"/truc-tiep/{meeting.pk}/")
        assert "đã báo bàn kỹ thuật" in page.content.decode()

    def test_without_a_desk_address_the_escalation_is_recorded_for_the_board(self, clock, attendance_meeting, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(hours=1))
        assert tick(clock, meeting.start - timedelta(minutes=20))["escalate_unready"] == 6
        assert mail.outbox == []
        assert Notice.objects.filter(kind=NoticeKind.ESCALATION, sent_to="").count() == 6

    def test_a_meeting_already_started_is_not_escalated(self, clock, attendance_meeting, desk):
        meeting = attendance_meeting(start=clock.now() + timedelta(hours=1))
        assert tick(clock, meeting.start + timedelta(minutes=1))["escalate_unready"] == 0
        assert mail.outbox == []


class TestTheLaterRungsAsToday:
    def test_not_ready_at_15_minutes_and_no_show_after_the_grace(self, api, clock, attendance_meeting, staff, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(hours=1))
        clock.set(meeting.start - timedelta(minutes=15))
        row = api(staff).get(f"/api/meetings/{meeting.pk}/attendance/").json()["endpoints"][1]
        assert row["not_ready"] is True and row["state"] == "invited"
        clock.set(meeting.start + timedelta(minutes=10))
        row = api(staff).get(f"/api/meetings/{meeting.pk}/attendance/").json()["endpoints"][1]
        assert row["state"] == "no_show"
