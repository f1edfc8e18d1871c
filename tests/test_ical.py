"""Invitations and subscription feeds, read back by icalendar and by a second parser (ics)."""

import icalendar
import ics
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from rooms.models import Endpoint
from rooms.services import booking
from rooms.services.endpoints import rotate_feed_token
from tests.conftest import make_user
from tests.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def meeting(staff, province, clock):
    staff.email, staff.first_name, staff.last_name = "vanphong@example.vn", "Lan", "Nguyễn Thị"
    staff.save()
    province.host.dial_address = "sip:hoitruong@langson.gov.vn"
    province.host.save()
    province.ep_c1.dial_address = "10.20.1.7"
    province.ep_c1.save()
    for endpoint, name in [(province.ep_c1, "kt_tanthanh"), (province.ep_c2, "kt_hoangviet")]:
        endpoint.operators.add(make_user(name, "operator", endpoint.unit, email=f"{name}@example.vn"))
    province.ep_c2.operators.add(make_user("no_mail", "operator", province.c2))
    return booking.book_meeting(
        organizer=staff,
        title="Họp triển khai",
        description="Nội dung: chuyển đổi số",
        start=at(3, 9),
        end=at(3, 11),
        host=province.host,
        endpoints=[province.ep_c1, province.ep_c2],
        notify=False,
    )


def invite(api, user, meeting):
    response = api(user).get(f"/api/meetings/{meeting.pk}/invite.ics")
    assert response.status_code == 200
    return response


class TestInvite:
    def test_it_is_a_request_both_parsers_read(self, api, staff, meeting, province):
        response = invite(api, staff, meeting)
        assert response["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
        cal = icalendar.Calendar.from_ical(response.content)
        assert cal["method"] == "REQUEST"
        (tz,) = cal.walk("VTIMEZONE")
        assert tz["tzid"] == "Asia/Ho_Chi_Minh"
        (event,) = cal.walk("VEVENT")
        assert str(event["uid"]) == meeting.uid
        assert event["sequence"] == 0
        assert event.decoded("dtstart") == at(3, 9) and event.decoded("dtend") == at(3, 11)
        assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
        assert event.decoded("dtstamp").tzinfo is not None
        assert str(event["summary"]) == "Họp triển khai"
        assert str(event["location"]) == "Hội trường UBND tỉnh; UBND Xã Tân Thanh; UBND Xã Hoàng Việt"
        assert str(event["organizer"]) == "mailto:vanphong@example.vn"
        assert event["organizer"].params["CN"] == "Nguyễn Thị Lan"
        attendees = sorted(str(a) for a in event["attendee"])
        assert attendees == ["mailto:kt_hoangviet@example.vn", "mailto:kt_tanthanh@example.vn"]
        description = str(event["description"])
        assert "sip:hoitruong@langson.gov.vn" in description and "10.20.1.7" in description
        assert "Nội dung: chuyển đổi số" in description
        assert str(event["status"]) == "CONFIRMED"

        (other,) = ics.Calendar(response.content.decode()).events
        assert other.uid == meeting.uid
        assert other.name == "Họp triển khai"
        assert other.begin.datetime == at(3, 9) and other.end.datetime == at(3, 11)
        assert other.location == "Hội trường UBND tỉnh; UBND Xã Tân Thanh; UBND Xã Hoàng Việt"
        assert {a.email for a in other.attendees} == {"kt_hoangviet@example.vn", "kt_tanthanh@example.vn"}

    def test_sequence_grows_and_a_cancelled_meeting_is_a_cancel(self, api, staff, meeting):
        booking.reschedule_meeting(meeting=meeting, actor=staff, start=at(3, 10), end=at(3, 12), notify=False)
        event = icalendar.Calendar.from_ical(invite(api, staff, meeting).content).walk("VEVENT")[0]
        assert event["sequence"] == 1 and event.decoded("dtstart") == at(3, 10)
        booking.cancel_meeting(meeting=meeting, actor=staff, notify=False)
        response = invite(api, staff, meeting)
        assert "method=CANCEL" in response["Content-Type"]
        cal = icalendar.Calendar.from_ical(response.content)
        event = cal.walk("VEVENT")[0]
        assert (cal["method"], str(event["status"]), event["sequence"]) == ("CANCEL", "CANCELLED", 2)
        assert ics.Calendar(response.content.decode()).events.pop().status == "CANCELLED"

    def test_it_needs_a_login_and_an_existing_meeting(self, api, staff, meeting):
        assert api().get(f"/api/meetings/{meeting.pk}/invite.ics").status_code == 401
        assert api(staff).get("/api/meetings/999999/invite.ics").status_code == 404


def feed(api, endpoint, token=None, **headers):
    return api().get(f"/api/endpoints/{endpoint.pk}/calendar.ics?token={token or endpoint.feed_token}", **headers)


class TestFeed:
    def test_the_feed_lists_the_endpoints_meetings_without_a_login(self, api, meeting, province, staff):
        other = book(province, staff, at(4, 9), at(4, 10), [province.ep_c3], host=province.ep_d2, title="Họp khác")
        response = feed(api, province.ep_c1)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["ETag"]
        cal = icalendar.Calendar.from_ical(response.content)
        assert [str(e["uid"]) for e in cal.walk("VEVENT")] == [meeting.uid]
        assert str(cal["x-wr-calname"]) == province.ep_c1.name
        parsed = ics.Calendar(response.content.decode())
        assert [e.uid for e in parsed.events] == [meeting.uid]
        assert other.uid in feed(api, province.ep_c3).content.decode()

    def test_a_wrong_or_missing_token_is_404(self, api, meeting, province):
        assert feed(api, province.ep_c1, token="guess").status_code == 404
        assert api().get(f"/api/endpoints/{province.ep_c1.pk}/calendar.ics").status_code == 404
        assert api().get("/api/endpoints/999999/calendar.ics?token=x").status_code == 404
        # Another endpoint's token does not open this one.
        assert feed(api, province.ep_c1, token=province.ep_c2.feed_token).status_code == 404

    def test_a_repeat_with_the_etag_is_304_and_served_from_the_cache(
        self, api, meeting, province, django_assert_max_num_queries
    ):
        first = feed(api, province.ep_c1)
        with django_assert_max_num_queries(1):  # the token check only: the body comes from the cache
            again = feed(api, province.ep_c1, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        with django_assert_max_num_queries(1):
            assert feed(api, province.ep_c1).content == first.content

    def test_a_booking_change_renews_the_feed_after_commit(
        self, api, staff, meeting, province, django_capture_on_commit_callbacks
    ):
        first = feed(api, province.ep_c1)
        with django_capture_on_commit_callbacks(execute=True):
            booking.reschedule_meeting(meeting=meeting, actor=staff, title="Họp triển khai (dời)", notify=False)
        second = feed(api, province.ep_c1, HTTP_IF_NONE_MATCH=first["ETag"])
        assert second.status_code == 200
        assert second["ETag"] != first["ETag"]
        assert "SEQUENCE:1" in second.content.decode()
        # An endpoint the change did not touch keeps its feed.
        untouched = feed(api, province.ep_c3)
        assert feed(api, province.ep_c3, HTTP_IF_NONE_MATCH=untouched["ETag"]).status_code == 304

    def test_cancelled_meetings_stay_in_the_feed_as_cancelled(
        self, api, staff, meeting, province, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            booking.cancel_meeting(meeting=meeting, actor=staff, notify=False)
        event = icalendar.Calendar.from_ical(feed(api, province.ep_c1).content).walk("VEVENT")[0]
        assert str(event["status"]) == "CANCELLED"


class TestRotateToken:
    def test_an_operator_rotates_the_token_and_the_old_link_stops_working(self, api, meeting, province):
        operator = province.ep_c1.operators.get()
        old = province.ep_c1.feed_token
        response = api(operator).post(f"/api/endpoints/{province.ep_c1.pk}/rotate-feed-token/")
        assert response.status_code == 200
        new = Endpoint.objects.get(pk=province.ep_c1.pk).feed_token
        assert new != old
        assert response.json()["calendar_url"].endswith(f"/api/endpoints/{province.ep_c1.pk}/calendar.ics?token={new}")
        assert feed(api, province.ep_c1, token=old).status_code == 404
        assert feed(api, province.ep_c1, token=new).status_code == 200

    def test_others_may_not_rotate_it(self, api, staff, leader, meeting, province, admin_user):
        other_operator = province.ep_c2.operators.filter(email__gt="").get()
        old = province.ep_c1.feed_token
        for user in (staff, leader, other_operator):
            assert api(user).post(f"/api/endpoints/{province.ep_c1.pk}/rotate-feed-token/").status_code == 403
        assert api().post(f"/api/endpoints/{province.ep_c1.pk}/rotate-feed-token/").status_code == 401
        assert Endpoint.objects.get(pk=province.ep_c1.pk).feed_token == old
        assert api(admin_user).post(f"/api/endpoints/{province.ep_c1.pk}/rotate-feed-token/").status_code == 200
        assert api(admin_user).post("/api/endpoints/999999/rotate-feed-token/").status_code == 404


def test_the_rotation_is_a_service_that_refuses_other_users(province, staff, operator):
    old = province.ep_c1.feed_token
    with pytest.raises(PermissionDenied):
        rotate_feed_token(endpoint=province.ep_c1, by=staff)
    assert Endpoint.objects.get(pk=province.ep_c1.pk).feed_token == old
    rotate_feed_token(endpoint=province.ep_c1, by=operator)
    assert Endpoint.objects.get(pk=province.ep_c1.pk).feed_token not in ("", old)
