"""The readiness ladder's messages on a fixed clock (#16, Operations): the tick records each
message once (NoticeMail) and queues its delivery; the worker sends it once, retries a failure
and, after the last try, marks the meeting for staff to resend; the tick's cost does not grow
with the number of meetings due."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from rooms.models import Meeting, NoticeKind, NoticeMail, Participation, ProvinceSettings, Role
from rooms.services import notice_mail, readiness
from tests.conftest import make_user
from tests.helpers import HANOI

pytestmark = pytest.mark.usefixtures("clock")
FOUR_PM = datetime(2026, 3, 2, 16, 0, tzinfo=HANOI)  # the reminder minute, the day before
TOMORROW_NINE = datetime(2026, 3, 3, 9, 0, tzinfo=HANOI)


def remind(now: datetime, *, deliver: bool = True) -> int:
    with TestCase.captureOnCommitCallbacks(execute=deliver):
        return readiness.send_reminders(now)


class TestEachMessageIsRecordedOnce:
    def test_two_claims_of_the_same_reminder_yield_one_message(self, clock, attendance_meeting, mailed_operator):
        clock.set(FOUR_PM)
        meeting = attendance_meeting(start=TOMORROW_NINE)
        assert remind(FOUR_PM) == 1
        assert remind(FOUR_PM) == 0  # a second worker at the same minute
        assert remind(FOUR_PM + timedelta(minutes=1)) == 0
        message = NoticeMail.objects.get()
        assert (message.kind, message.meeting_id, message.recipient) == (
            NoticeKind.REMINDER,
            meeting.pk,
            mailed_operator.email,
        )
        assert message.sent_at == FOUR_PM and message.attempts == 1
        assert [m.to for m in mail.outbox] == [[mailed_operator.email]]

    def test_recording_the_same_message_again_inserts_nothing(self, attendance_meeting):
        meeting = attendance_meeting(start=TOMORROW_NINE)
        draft = notice_mail.Draft(NoticeKind.REMINDER, meeting.pk, "a@b.example", "Nhắc lịch họp", "…")
        first = notice_mail.record([draft], FOUR_PM)
        assert len(first) == 1
        assert notice_mail.record([draft], FOUR_PM) == []
        assert NoticeMail.objects.count() == 1

    def test_the_tick_sends_nothing_itself(self, attendance_meeting, mailed_operator):
        attendance_meeting(start=TOMORROW_NINE)
        assert remind(FOUR_PM, deliver=False) == 1
        assert mail.outbox == []
        assert NoticeMail.objects.get().sent_at is None


class TestDelivery:
    @pytest.fixture
    def recorded(self, attendance_meeting, mailed_operator):
        meeting = attendance_meeting(start=TOMORROW_NINE)
        remind(FOUR_PM, deliver=False)
        return meeting, NoticeMail.objects.get()

    def test_a_failed_delivery_is_retried_then_marks_the_meeting(self, recorded, monkeypatch):
        meeting, message = recorded

        def refuse(self, fail_silently=False):
            raise ConnectionRefusedError("mail server down")

        monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
        with pytest.raises(ConnectionRefusedError):
            notice_mail.deliver(message.pk, last_try=False)  # the worker retries later
        message.refresh_from_db()
        assert (message.attempts, message.sent_at, message.last_error) == (1, None, "mail server down")
        assert Meeting.objects.get(pk=meeting.pk).invitations_unsent == ""
        assert notice_mail.deliver(message.pk, last_try=True) is False
        message.refresh_from_db()
        assert (message.attempts, message.sent_at) == (2, None)
        assert Meeting.objects.get(pk=meeting.pk).invitations_unsent == notice_mail.UNSENT_MARK
        assert notice_mail.unsent_of(meeting) == [message.pk]
        assert mail.outbox == []

    def test_a_delivery_run_again_after_sending_sends_nothing(self, recorded, mailed_operator):
        _meeting, message = recorded
        assert notice_mail.deliver(message.pk, last_try=False) is True
        assert notice_mail.deliver(message.pk, last_try=False) is False
        assert notice_mail.deliver(message.pk, last_try=True) is False
        assert [m.to for m in mail.outbox] == [[mailed_operator.email]]
        message.refresh_from_db()
        assert message.attempts == 1 and message.sent_at is not None
        assert "BEGIN:VCALENDAR" in mail.outbox[0].attachments[0].get_payload(decode=True).decode()


def tick_queries(job, now: datetime) -> int:
    with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks(execute=False):
        assert job(now) > 0
    return len(queries)


class TestTheTickCostsTheSameForManyMeetings:
    def test_reminders_of_two_or_five_meetings_take_the_same_queries(self, attendance_meeting, mailed_operator):
        for hour in (8, 9):
            attendance_meeting(start=TOMORROW_NINE.replace(hour=hour))
        two = tick_queries(readiness.send_reminders, FOUR_PM)
        for hour in (10, 11, 13, 14, 15):
            attendance_meeting(start=TOMORROW_NINE.replace(hour=hour))
        five = tick_queries(readiness.send_reminders, FOUR_PM + timedelta(minutes=1))
        assert NoticeMail.objects.filter(kind=NoticeKind.REMINDER).count() == 7
        assert two == five

    def test_escalations_of_two_or_five_meetings_take_the_same_queries(self, attendance_meeting, clock):
        ProvinceSettings.objects.filter(province_code="20").update(desk_email="kythuat@langson.example")
        now = clock.now()
        for minutes in (10, 20):
            attendance_meeting(start=now + timedelta(minutes=minutes), minutes=1)
        two = tick_queries(readiness.escalate_unready, now)
        for minutes in (11, 12, 13, 14, 15):
            attendance_meeting(start=now + timedelta(minutes=minutes), minutes=1)
        five = tick_queries(readiness.escalate_unready, now)
        assert NoticeMail.objects.filter(kind=NoticeKind.ESCALATION).count() == 7
        assert two == five


class TestEachOperatorIsRemindedOfTheirOwnRoom:
    def test_two_operators_of_one_meeting_read_their_own_names_and_rooms(
        self, province, attendance_meeting, mailed_operator
    ):
        mailed_operator.profile.full_name = "Nguyễn Văn Tân"
        mailed_operator.profile.save(update_fields=["full_name"])
        other = make_user("kythuat_c2", Role.OPERATOR, province.c2, email="kythuat@c2.example", last_name="Lê")
        province.ep_c2.operators.add(other)
        attendance_meeting(start=TOMORROW_NINE)
        remind(FOUR_PM)
        bodies = {message.to[0]: message.body for message in mail.outbox}
        mine, theirs = bodies[mailed_operator.email], bodies[other.email]
        assert mine.startswith("Kính gửi Nguyễn Văn Tân,") and province.ep_c1.name in mine
        assert theirs.startswith("Kính gửi Lê,") and province.ep_c2.name in theirs
        assert province.ep_c2.name not in mine and "\x00" not in mine + theirs

    def test_a_room_added_between_two_deliveries_is_in_the_second_invitation(
        self, province, attendance_meeting, mailed_operator
    ):
        meeting = attendance_meeting(start=TOMORROW_NINE, endpoints=[province.ep_c1])
        remind(FOUR_PM)
        first = mail.outbox[0].attachments[0].get_payload(decode=True).decode()
        assert province.ep_c3.name not in first
        Participation.objects.create(
            meeting=meeting, endpoint=province.ep_c3, start=meeting.start, end=meeting.end, active=True
        )
        NoticeMail.objects.update(sent_at=None)
        notice_mail.deliver(NoticeMail.objects.get().pk, last_try=True)
        second = mail.outbox[1].attachments[0].get_payload(decode=True).decode()
        assert province.ep_c3.name in second
