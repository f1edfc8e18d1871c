"""An administrator books on a day off from the pages: "Vẫn đặt vào ngày nghỉ" with a "Lý do" on the
booking page and on the meeting's change form; the reason is kept on the meeting and so in its audit
trail. Anyone else ticking it is refused (400 on the page, 403 on PATCH) and nothing is written."""

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from rooms.models import Meeting
from tests.helpers import at, book, booking_form, snapshot

pytestmark = pytest.mark.django_db

ON_VICTORY_DAY = {"day": "2026-04-30", "start_time": "09:00", "end_time": "10:00"}
REASON = "Họp khẩn phòng chống bão số 5"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestTheBookingPage:
    def test_a_day_off_is_refused_naming_the_holiday(self, admin_user, province, clock):
        response = browser(admin_user).post(reverse("meeting-book"), booking_form(province, **ON_VICTORY_DAY))
        assert response.status_code == 409
        assert "Ngày Chiến thắng" in response.content.decode()
        assert not Meeting.objects.exists()

    def test_the_administrator_sees_the_override_and_books_with_a_reason(self, admin_user, province, clock):
        page = browser(admin_user).get(reverse("meeting-book")).content.decode()
        assert "Vẫn đặt vào ngày nghỉ" in page
        body = booking_form(province, **ON_VICTORY_DAY, holiday_override="on", holiday_override_reason=REASON)
        response = browser(admin_user).post(reverse("meeting-book"), body)
        assert response.status_code == 302
        meeting = Meeting.objects.get()
        assert (meeting.start, meeting.holiday_override_reason) == (at(30, 9, month=4), REASON)
        entry = LogEntry.objects.get_for_object(meeting).get(action=LogEntry.Action.CREATE)
        assert REASON in str(entry.changes)

    def test_the_override_needs_a_reason(self, admin_user, province, clock):
        body = booking_form(province, **ON_VICTORY_DAY, holiday_override="on", holiday_override_reason=" ")
        response = browser(admin_user).post(reverse("meeting-book"), body)
        assert response.status_code == 400
        assert "Cần ghi lý do đặt vào ngày nghỉ." in response.content.decode()
        assert not Meeting.objects.exists()

    def test_office_staff_neither_see_nor_may_send_the_override(self, staff, province, clock):
        assert "Vẫn đặt vào ngày nghỉ" not in browser(staff).get(reverse("meeting-book")).content.decode()
        body = booking_form(province, **ON_VICTORY_DAY, holiday_override="on", holiday_override_reason=REASON)
        response = browser(staff).post(reverse("meeting-book"), body)
        assert response.status_code == 400
        assert "Chỉ quản trị được đặt lịch vào ngày nghỉ." in response.content.decode()
        assert not Meeting.objects.exists()


class TestTheChangeForm:
    def test_the_administrator_moves_a_meeting_onto_a_day_off_with_a_reason(self, admin_user, staff, province, clock):
        meeting = book(province, staff, at(29, 9, month=4), at(29, 10, month=4), [province.ep_c1])
        client = browser(admin_user)
        assert "Vẫn đặt vào ngày nghỉ" in client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
        url = reverse("meeting-reschedule", args=[meeting.pk])
        refused = client.post(url, ON_VICTORY_DAY)
        assert refused.status_code == 409
        assert Meeting.objects.get(pk=meeting.pk).start == at(29, 9, month=4)
        moved = client.post(url, {**ON_VICTORY_DAY, "holiday_override": "on", "holiday_override_reason": REASON})
        assert moved.status_code == 302
        meeting.refresh_from_db()
        assert (meeting.start, meeting.holiday_override_reason) == (at(30, 9, month=4), REASON)
        entry = LogEntry.objects.get_for_object(meeting).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
        assert REASON in str(entry.changes)

    def test_office_staff_sending_the_override_get_a_400(self, staff, province, clock):
        meeting = book(province, staff, at(29, 9, month=4), at(29, 10, month=4), [province.ep_c1])
        before = snapshot()
        body = {**ON_VICTORY_DAY, "holiday_override": "on", "holiday_override_reason": REASON}
        response = browser(staff).post(reverse("meeting-reschedule", args=[meeting.pk]), body)
        assert response.status_code == 400
        assert snapshot() == before


class TestThePatch:
    def test_the_administrator_patches_onto_a_day_off_with_a_reason(self, api, admin_user, staff, province, clock):
        meeting = book(province, staff, at(29, 9, month=4), at(29, 10, month=4), [province.ep_c1])
        body = {"start": at(30, 9, month=4).isoformat(), "end": at(30, 10, month=4).isoformat()}
        response = api(admin_user).patch(
            f"/api/meetings/{meeting.pk}/", {**body, "holiday_override_reason": REASON}, format="json"
        )
        assert response.status_code == 200
        meeting.refresh_from_db()
        assert (meeting.start, meeting.holiday_override_reason) == (at(30, 9, month=4), REASON)

    def test_office_staff_patching_with_a_reason_get_a_403(self, api, staff, province, clock):
        meeting = book(province, staff, at(29, 9, month=4), at(29, 10, month=4), [province.ep_c1])
        before = snapshot()
        body = {"start": at(30, 9, month=4).isoformat(), "end": at(30, 10, month=4).isoformat()}
        response = api(staff).patch(
            f"/api/meetings/{meeting.pk}/", {**body, "holiday_override_reason": REASON}, format="json"
        )
        assert response.status_code == 403
        assert snapshot() == before
