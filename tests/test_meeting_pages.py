"""The office staff's pages: week calendar, booking form with its check, meeting page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rooms.models import Meeting
from tests.helpers import at, book, booking_form

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(province, **extra):
    return booking_form(province, **{"title": "Họp tuần", **extra})


def no_external_urls(html: str) -> bool:
    return "https://" not in html and "http://" not in html.replace("http://testserver", "")


class TestCalendar:
    def test_the_week_shows_each_meeting_on_its_day(self, staff, province, clock):
        book(province, staff, at(3, 9), at(3, 10), [province.ep_c1], title="Họp Tân Thanh")
        book(province, staff, at(5, 14), at(5, 15), [province.ep_c3], host=province.ep_d2, title="Họp Cao Lộc")
        book(province, staff, at(10, 9), at(10, 10), [province.ep_c1], title="Họp tuần kế tiếp")
        response = browser(staff).get(reverse("meeting-calendar"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Họp Tân Thanh" in html and "Họp Cao Lộc" in html and "Họp tuần kế tiếp" not in html
        assert html.index("Họp Tân Thanh") < html.index("Họp Cao Lộc")
        assert reverse("meeting-book") in html
        assert no_external_urls(html)
        assert (
            "Họp tuần kế tiếp" in browser(staff).get(reverse("meeting-calendar") + "?week=2026-03-12").content.decode()
        )

    def test_it_filters_by_endpoint_and_by_district(self, staff, province, clock):
        book(province, staff, at(3, 9), at(3, 10), [province.ep_c1], title="Họp Tân Thanh")
        book(province, staff, at(5, 14), at(5, 15), [province.ep_c3], host=province.ep_d2, title="Họp Cao Lộc")
        client = browser(staff)
        html = client.get(reverse("meeting-calendar") + f"?endpoint={province.ep_c3.pk}").content.decode()
        assert "Họp Cao Lộc" in html and "Họp Tân Thanh" not in html
        html = client.get(reverse("meeting-calendar") + f"?unit={province.d1.pk}").content.decode()
        assert "Họp Tân Thanh" in html and "Họp Cao Lộc" not in html

    def test_bad_parameters_fall_back_and_other_roles_read_without_booking(self, leader, province, clock):
        response = browser(leader).get(reverse("meeting-calendar") + "?week=garbage&endpoint=x&unit=%00")
        assert response.status_code == 200
        assert reverse("meeting-book") not in response.content.decode()

    def test_it_needs_a_login(self, province):
        response = Client().get(reverse("meeting-calendar"))
        assert response.status_code == 302 and reverse("login") in response["Location"]


class TestBookingForm:
    def test_the_form_shows_the_unit_tree_with_select_all(self, staff, province, clock):
        html = browser(staff).get(reverse("meeting-book")).content.decode()
        assert "Huyện Văn Lãng" in html and "Xã Thụy Hùng" in html
        assert f'name="units" value="{province.d1.pk}"' in html
        assert f'name="endpoints" value="{province.ep_c1.pk}"' in html
        assert "js/booking.js" in html
        assert no_external_urls(html)

    def test_district_staff_see_only_their_district(self, district_staff, province, clock):
        html = browser(district_staff).get(reverse("meeting-book")).content.decode()
        assert "Xã Tân Thanh" in html and "Xã Thụy Hùng" not in html
        # The province cannot be ticked whole: that would reach outside the district.
        assert f'name="units" value="{province.unit.pk}"' not in html

    def test_check_without_conflicts_saves_nothing(self, staff, province, clock):
        response = browser(staff).post(reverse("meeting-book"), form(province, action="check"))
        assert response.status_code == 200
        assert "Không có xung đột" in response.content.decode()
        assert not Meeting.objects.exists()

    def test_check_lists_every_conflict_and_saves_nothing(self, staff, province, clock):
        busy = book(province, staff, at(3, 9, 30), at(3, 11), [province.ep_c1, province.ep_c2], title="Đang bận")
        response = browser(staff).post(
            reverse("meeting-book"), form(province, action="check", endpoints=[province.ep_c1.pk, province.ep_c2.pk])
        )
        html = response.content.decode()
        assert response.status_code == 409
        assert html.count(reverse("meeting-detail", args=[busy.pk])) == 3  # host, Tân Thanh, Hoàng Việt
        assert "UBND Xã Hoàng Việt" in html and "Đang bận" in html
        assert Meeting.objects.count() == 1

    def test_booking_a_ticked_unit_books_everything_below_it(self, staff, province, clock):
        response = browser(staff).post(reverse("meeting-book"), form(province, endpoints=[], units=[province.d2.pk]))
        meeting = Meeting.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("meeting-detail", args=[meeting.pk])
        assert sorted(meeting.participations.values_list("endpoint_id", flat=True)) == sorted(
            [province.host.pk, province.ep_d2.pk, province.ep_c3.pk]
        )

    def test_a_refused_submit_shows_every_conflict_and_keeps_the_choices(self, staff, province, clock):
        book(province, staff, at(3, 9), at(3, 10), [province.ep_c1], host=province.ep_d1, title="Trước")
        book(province, staff, at(3, 9, 30), at(3, 11), [province.ep_c2], host=province.ep_d2, title="Sau")
        response = browser(staff).post(
            reverse("meeting-book"), form(province, endpoints=[province.ep_c1.pk, province.ep_c2.pk])
        )
        html = response.content.decode()
        assert response.status_code == 409
        assert "Trước" in html and "Sau" in html
        assert re.search(rf'name="endpoints" value="{province.ep_c2.pk}"\s+checked', html)
        assert Meeting.objects.count() == 2

    def test_a_weekly_series_with_skip_conflicts(self, staff, province, clock):
        book(province, staff, at(10, 9), at(10, 10), [province.ep_c1], host=province.ep_d1, title="Chặn")
        response = browser(staff).post(
            reverse("meeting-book"), form(province, repeat="weekly", count=3, skip_conflicts="on")
        )
        assert response.status_code == 302
        series_meetings = Meeting.objects.filter(series__isnull=False).order_by("start")
        assert [m.start.day for m in series_meetings] == [3, 17]

    def test_checking_a_series_reports_what_would_be_skipped(self, staff, province, clock):
        book(province, staff, at(10, 9), at(10, 10), [province.ep_c1], host=province.ep_d1, title="Chặn")
        response = browser(staff).post(
            reverse("meeting-book"), form(province, repeat="weekly", count=3, skip_conflicts="on", action="check")
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Có thể đặt 2 buổi họp" in html and "10/03/2026" in html
        assert Meeting.objects.count() == 1

    def test_invalid_input_is_400_with_messages(self, staff, province, clock):
        response = browser(staff).post(reverse("meeting-book"), form(province, title="", end_time="nope"))
        assert response.status_code == 400
        past = browser(staff).post(reverse("meeting-book"), form(province, day="2026-03-01"))
        assert past.status_code == 400 and "quá khứ" in past.content.decode()
        assert not Meeting.objects.exists()

    def test_operators_cannot_open_the_booking_form(self, operator, province, clock):
        assert browser(operator).get(reverse("meeting-book")).status_code == 403
        assert browser(operator).post(reverse("meeting-book"), form(province)).status_code == 403
        assert not Meeting.objects.exists()


class TestMeetingPage:
    def test_it_shows_the_endpoints_invite_and_forms(self, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2], title="Họp xem")
        html = browser(staff).get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
        assert "Họp xem" in html and "UBND Xã Tân Thanh" in html and "UBND Xã Hoàng Việt" in html
        assert f"/api/meetings/{meeting.pk}/invite.ics" in html
        assert reverse("meeting-cancel", args=[meeting.pk]) in html
        assert reverse("meeting-reschedule", args=[meeting.pk]) in html
        assert no_external_urls(html)

    def test_readers_see_no_change_forms(self, leader, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        html = browser(leader).get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
        assert reverse("meeting-cancel", args=[meeting.pk]) not in html
        assert browser(leader).get(reverse("meeting-detail", args=[999999])).status_code == 404

    def test_cancel_from_the_page(self, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        response = browser(staff).post(reverse("meeting-cancel", args=[meeting.pk]), follow=True)
        assert "Đã hủy cuộc họp" in response.content.decode()
        assert Meeting.objects.get(pk=meeting.pk).status == "cancelled"

    def test_reschedule_from_the_page_and_see_conflicts(self, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        blocker = book(province, staff, at(4, 9), at(4, 10), [province.ep_c1], host=province.ep_d1, title="Chặn")
        client = browser(staff)
        moved = client.post(
            reverse("meeting-reschedule", args=[meeting.pk]),
            {"day": "2026-03-03", "start_time": "14:00", "end_time": "15:00", "title": "Họp dời"},
        )
        assert moved.status_code == 302
        meeting.refresh_from_db()
        assert (meeting.start, meeting.title, meeting.sequence) == (at(3, 14), "Họp dời", 1)
        refused = client.post(
            reverse("meeting-reschedule", args=[meeting.pk]),
            {"day": "2026-03-04", "start_time": "09:30", "end_time": "10:30"},
        )
        assert refused.status_code == 409
        assert reverse("meeting-detail", args=[blocker.pk]) in refused.content.decode()
        meeting.refresh_from_db()
        assert meeting.start == at(3, 14)

    def test_the_page_changes_the_endpoints_from_the_tree(self, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        browser(staff).post(
            reverse("meeting-reschedule", args=[meeting.pk]),
            {
                "day": "2026-03-03",
                "start_time": "09:00",
                "end_time": "10:00",
                "participants": "1",
                "endpoints": [province.ep_c2.pk],
            },
        )
        assert sorted(meeting.participations.values_list("endpoint_id", flat=True)) == sorted(
            [province.host.pk, province.ep_c2.pk]
        )

    def test_a_district_officer_cannot_cancel_a_province_meeting(self, staff, district_staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c3])
        response = browser(district_staff).post(reverse("meeting-cancel", args=[meeting.pk]), follow=True)
        assert "Ngoài phạm vi" in response.content.decode()
        assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"

    def test_the_header_links_the_calendar_for_staff(self, staff, province, clock):
        html = browser(staff).get(reverse("meeting-calendar")).content.decode()
        assert f'href="{reverse("meeting-calendar")}"' in html
