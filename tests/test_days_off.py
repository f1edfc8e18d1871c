"""Days off: a booking's start on a public holiday or a province's day off is refused (409), an
administrator may override with a reason, make-up working days are bookable, series skip days off,
monthly series never land on a Sunday, and the free-slot search uses the same calendar."""

from datetime import date

from auditlog.models import LogEntry

from rooms.models import DayOff, DayOffKind, Meeting
from rooms.services import days_off
from rooms.services.booking_recurrence import occurrences
from rooms.services.booking_rules import BookingRequest
from tests.helpers import at, meeting_body, snapshot

REFUSED = "Không thể đặt lịch: trùng lịch hoặc thiếu cổng cầu."


class TestBookingOnADayOff:
    def test_a_start_on_tet_is_refused_naming_the_holiday(self, api, staff, province, clock):
        before = snapshot()
        body = meeting_body(province, at(8, 9, month=2, year=2027), at(8, 10, month=2, year=2027))
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 409
        assert response.json() == {
            "detail": REFUSED,
            "conflicts": [{"holiday": "2027-02-08", "name": "Mùng ba Tết Nguyên Đán"}],
        }
        assert snapshot() == before

    def test_national_day_and_its_adjacent_day_are_refused(self, api, staff, province, clock):
        for day in (1, 2):
            body = meeting_body(province, at(day, 9, month=9), at(day, 10, month=9))
            response = api(staff).post("/api/meetings/", body, format="json")
            assert response.status_code == 409
            assert response.json()["conflicts"] == [{"holiday": f"2026-09-0{day}", "name": "Quốc khánh"}]
        assert not Meeting.objects.exists()

    def test_a_province_day_off_is_refused_and_another_provinces_is_not(self, api, staff, province, clock):
        DayOff.objects.create(date=date(2026, 3, 10), name="Ngày giải phóng tỉnh", province_code="20")
        DayOff.objects.create(date=date(2026, 3, 11), name="Ngày của tỉnh khác", province_code="01")
        refused = api(staff).post("/api/meetings/", meeting_body(province, at(10, 9), at(10, 10)), format="json")
        assert refused.status_code == 409
        assert refused.json()["conflicts"] == [{"holiday": "2026-03-10", "name": "Ngày giải phóng tỉnh"}]
        booked = api(staff).post("/api/meetings/", meeting_body(province, at(11, 9), at(11, 10)), format="json")
        assert booked.status_code == 201

    def test_an_administrator_overrides_with_a_reason_kept_in_the_audit_trail(self, api, admin_user, province, clock):
        reason = "Họp khẩn phòng chống bão số 5"
        body = meeting_body(province, at(2, 9, month=9), at(2, 10, month=9), holiday_override_reason=reason)
        response = api(admin_user).post("/api/meetings/", body, format="json")
        assert response.status_code == 201
        meeting = Meeting.objects.get()
        assert meeting.holiday_override_reason == reason
        entry = LogEntry.objects.get_for_object(meeting).get(action=LogEntry.Action.CREATE)
        assert reason in str(entry.changes)

    def test_office_staff_cannot_override_a_day_off(self, api, staff, province, clock):
        before = snapshot()
        body = meeting_body(province, at(2, 9, month=9), at(2, 10, month=9), holiday_override_reason="Cần họp")
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 403
        assert snapshot() == before

    def test_a_make_up_working_day_is_bookable(self, api, staff, province, clock):
        # Hùng Kings' day falls on Sunday 26 April 2026; suppose the Government has the Monday worked.
        DayOff.objects.create(date=date(2026, 4, 27), name="Làm bù", kind=DayOffKind.WORKING_DAY)
        response = api(staff).post("/api/meetings/", meeting_body(province, at(27, 9, month=4), at(27, 10, month=4)))
        assert response.status_code == 201
        assert Meeting.objects.filter(pk=response.json()["id"]).exists()

    def test_moving_a_meeting_onto_a_day_off_is_refused(self, api, staff, province, clock):
        created = api(staff).post("/api/meetings/", meeting_body(province, at(29, 9, month=4), at(29, 10, month=4)))
        pk = created.json()["id"]
        moved = api(staff).patch(f"/api/meetings/{pk}/", {"start": at(30, 9, month=4).isoformat()}, format="json")
        assert moved.status_code == 409
        assert moved.json()["conflicts"] == [{"holiday": "2026-04-30", "name": "Ngày Chiến thắng"}]
        assert Meeting.objects.get(pk=pk).start == at(29, 9, month=4)


class TestSeries:
    RULE = "FREQ=WEEKLY;BYDAY=MO;COUNT=3"

    def test_a_series_skips_a_holiday_and_says_why(self, api, staff, province, clock):
        body = meeting_body(province, at(20, 8, month=4), at(20, 9, month=4), recurrence=self.RULE, skip_conflicts=True)
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 201
        assert [m["start"] for m in response.json()["meetings"]] == [
            "2026-04-20T08:00:00+07:00",
            "2026-05-04T08:00:00+07:00",
        ]
        assert response.json()["skipped"] == [
            {
                "start": "2026-04-27T08:00:00+07:00",
                "end": "2026-04-27T09:00:00+07:00",
                "conflicts": [{"holiday": "2026-04-27", "name": "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"}],
            }
        ]

    def test_without_skipping_a_series_over_a_holiday_is_refused(self, api, staff, province, clock):
        body = meeting_body(province, at(20, 8, month=4), at(20, 9, month=4), recurrence=self.RULE)
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 409
        assert response.json()["conflicts"] == [
            {
                "holiday": "2026-04-27",
                "name": "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)",
                "occurrence": "2026-04-27T08:00:00+07:00",
            }
        ]
        assert not Meeting.objects.exists()

    def test_a_monthly_occurrence_on_a_sunday_moves_to_the_monday(self, api, staff, province, clock):
        # 15 March and 15 November 2026 are Sundays.
        body = meeting_body(province, at(15, 8), at(15, 9), recurrence="FREQ=MONTHLY;BYMONTHDAY=15;COUNT=9")
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 201
        meetings = Meeting.objects.order_by("start")
        assert all(m.start.astimezone(at(1, 0).tzinfo).weekday() != 6 for m in meetings)
        first = meetings[0]
        assert (first.start, first.recurrence_id) == (at(16, 8), at(15, 8))
        assert meetings.filter(start=at(16, 8, month=11), recurrence_id=at(15, 8, month=11)).exists()
        assert meetings.filter(start=at(15, 8, month=4), recurrence_id=at(15, 8, month=4)).exists()

    def test_a_monthly_rule_asking_for_sundays_is_refused(self, api, staff, province, clock):
        body = meeting_body(province, at(1, 8, month=4), at(1, 9, month=4), recurrence="FREQ=MONTHLY;BYDAY=1SU")
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 400
        assert response.json() == {"recurrence": ["Cuộc họp hằng tháng không tổ chức vào Chủ nhật."]}
        assert not Meeting.objects.exists()

    def test_a_weekly_rule_may_still_meet_on_sundays(self, clock, province):
        _rule, slots = occurrences(
            "FREQ=WEEKLY;BYDAY=SU;COUNT=2", start=at(8, 8), end=at(8, 9), now=clock.now(), exclude=()
        )
        assert [s for s, _e in slots] == [at(8, 8), at(15, 8)]


class TestCalendar:
    def test_free_slots_skip_days_off_and_open_on_a_make_up_saturday(self, api, staff, province, clock):
        DayOff.objects.create(date=date(2026, 5, 9), name="Làm bù", kind=DayOffKind.WORKING_DAY)
        params = {
            "endpoints": f"{province.host.pk},{province.ep_c1.pk}",
            "start": at(29, 0, month=4).isoformat(),
            "end": at(11, 0, month=5).isoformat(),
            "duration": 60,
        }
        response = api(staff).get("/api/availability/", params)
        assert response.status_code == 200
        days = sorted({slot["start"][:10] for slot in response.json()["free"]})
        assert days == [
            "2026-04-29",
            "2026-05-04",
            "2026-05-05",
            "2026-05-06",
            "2026-05-07",
            "2026-05-08",
            "2026-05-09",
        ]

    def test_working_days_count_the_holidays_and_make_up_days(self, province):
        # Wednesday 29 April 2026; 30 April and 1 May are days off, then the weekend.
        assert days_off.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
        assert days_off.working_days_between(date(2026, 4, 27), date(2026, 5, 3)) == 2
        DayOff.objects.create(date=date(2026, 5, 2), name="Làm bù", kind=DayOffKind.WORKING_DAY)
        assert days_off.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 2)

    def test_the_booking_preview_refuses_a_holiday_too(self, staff, province, clock):
        request = BookingRequest(
            organizer=staff, title="Họp", start=at(1, 9, month=5), end=at(1, 10, month=5), host=province.host,
            endpoints=[province.ep_c1],
        )  # fmt: skip
        checker = days_off.booking_refusals([(request.start, request.end)], endpoints=[province.host], actor=staff)
        assert checker == {request.start: [{"holiday": "2026-05-01", "name": "Ngày Quốc tế Lao động"}]}


class TestHolidayApi:
    def test_it_lists_the_years_days_off_with_those_entered(self, api, staff, province, clock):
        DayOff.objects.create(date=date(2026, 8, 22), name="Làm bù cho 31/8", kind=DayOffKind.WORKING_DAY)
        response = api(staff).get("/api/holidays/", {"year": 2026})
        assert response.status_code == 200
        rows = response.json()
        assert {"date": "2026-09-02", "name": "Quốc khánh", "kind": "day_off", "province": "", "source": "law"} in rows
        assert {
            "date": "2026-08-22",
            "name": "Làm bù cho 31/8",
            "kind": "working_day",
            "province": "",
            "source": "entered",
        } in rows

    def test_only_administrators_enter_days(self, api, staff, admin_user, province, clock):
        body = {"date": "2026-03-10", "name": "Ngày của tỉnh", "province": "20"}
        assert api(staff).post("/api/holidays/", body, format="json").status_code == 403
        assert not DayOff.objects.exists()
        response = api(admin_user).post("/api/holidays/", body, format="json")
        assert response.status_code == 201
        assert DayOff.objects.get().province_code == "20"

    def test_the_same_day_twice_is_refused(self, api, admin_user, province, clock):
        body = {"date": "2026-03-10", "name": "Ngày của tỉnh", "province": "20"}
        api(admin_user).post("/api/holidays/", body, format="json")
        response = api(admin_user).post("/api/holidays/", body, format="json")
        assert response.status_code == 400
        assert response.json() == {"date": ["Ngày này đã được khai báo."]}
        assert DayOff.objects.count() == 1

    def test_an_unknown_kind_is_refused(self, api, admin_user, province, clock):
        body = {"date": "2026-03-10", "name": "Ngày của tỉnh", "kind": "holiday"}
        response = api(admin_user).post("/api/holidays/", body, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["kind"]
        assert not DayOff.objects.exists()

    def test_the_page_lists_the_year(self, client, staff, province, clock):
        client.force_login(staff)
        response = client.get("/ngay-nghi/", {"nam": 2027})
        assert response.status_code == 200
        assert "Mùng ba Tết Nguyên Đán" in response.content.decode()


def test_the_day_a_swapped_day_off_comes_from_is_a_working_day(province):
    # The package moves 31 August 2026 off "thay cho ngày 22/08/2026": Saturday 22 August is worked.
    calendar = days_off.Calendar(date(2026, 8, 22), date(2026, 8, 31))
    assert calendar.is_working_day(date(2026, 8, 22))
    assert calendar.day_off(date(2026, 8, 31)) == "Ngày nghỉ (thay cho ngày 22/08/2026)"
