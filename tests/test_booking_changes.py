"""Listing, rescheduling (PATCH) and cancelling meetings."""

from datetime import timedelta

import pytest
from django.core import mail

from rooms.models import Meeting, Participation
from rooms.services import booking
from tests.helpers import at, book

pytestmark = pytest.mark.django_db


def state(meeting_id):
    meeting = Meeting.objects.get(pk=meeting_id)
    parts = sorted(meeting.participations.values_list("endpoint_id", "start", "end", "active"))
    return meeting.start, meeting.end, meeting.title, meeting.sequence, meeting.status, parts


class TestListing:
    def test_it_filters_by_time_endpoint_and_derived_status(self, api, staff, province, clock):
        a = book(province, staff, at(2, 9), at(2, 10), [province.ep_c1])
        b = book(province, staff, at(3, 9), at(3, 10), [province.ep_c2])
        c = book(province, staff, at(4, 9), at(4, 10), [province.ep_c3])
        booking.cancel_meeting(meeting=c, actor=staff, notify=False)
        clock.set(at(2, 9, 30))
        client = api(staff)

        def ids(query):
            response = client.get("/api/meetings/" + query)
            assert response.status_code == 200, response.content
            return [m["id"] for m in response.json()["results"]]

        assert ids("") == [a.pk, b.pk, c.pk]
        assert ids("?start_after=2026-03-03") == [b.pk, c.pk]
        assert ids("?start_before=2026-03-03T09:00:00%2B07:00") == [a.pk]
        assert ids(f"?endpoint={province.ep_c2.pk}") == [b.pk]
        assert ids(f"?endpoint={province.host.pk}") == [a.pk, b.pk, c.pk]
        assert ids("?status=in_progress") == [a.pk]
        assert ids("?status=scheduled") == [b.pk]
        assert ids("?status=cancelled") == [c.pk]
        clock.set(at(3, 12))
        assert ids("?status=held") == [a.pk, b.pk]
        statuses = {m["id"]: m["status"] for m in client.get("/api/meetings/").json()["results"]}
        assert statuses == {a.pk: "held", b.pk: "held", c.pk: "cancelled"}

    @pytest.mark.parametrize("query", ["?status=done", "?start_after=soon", "?endpoint=x", "?start_before=3000-01-01"])
    def test_bad_filters_are_400_naming_the_parameter(self, api, staff, province, clock, query):
        response = api(staff).get("/api/meetings/" + query)
        assert response.status_code == 400
        assert query[1:].split("=")[0] in response.json()

    def test_it_is_paginated_and_readable_by_every_role(self, api, leader, operator, staff, province, clock):
        for day in range(3, 6):
            book(province, staff, at(day, 9), at(day, 10))
        for user in (leader, operator):
            data = api(user).get("/api/meetings/").json()
            assert set(data) == {"count", "next", "previous", "results"}
            assert data["count"] == 3
        assert api().get("/api/meetings/").status_code == 401

    def test_the_list_costs_a_fixed_number_of_queries(self, api, staff, province, clock, django_assert_max_num_queries):
        for day in range(3, 13):
            book(province, staff, at(day, 9), at(day, 10), [province.ep_c1, province.ep_c2])
        client = api(staff)
        with django_assert_max_num_queries(8):
            assert client.get("/api/meetings/").json()["count"] == 10


class TestReschedule:
    def test_moving_a_meeting_moves_its_bookings_and_bumps_the_sequence(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2])
        # Half an hour later overlaps its own old time: its own bookings do not conflict with it.
        response = api(staff).patch(
            f"/api/meetings/{meeting.pk}/", {"start": "2026-03-03T09:30", "end": "2026-03-03T11:00"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["sequence"] == 1
        assert response.json()["start"] == "2026-03-03T09:30:00+07:00"
        start, end, _, sequence, _, parts = state(meeting.pk)
        assert (start, end, sequence) == (at(3, 9, 30), at(3, 11), 1)
        assert all(p[1:3] == (at(3, 9, 30), at(3, 11)) for p in parts)

    def test_changing_the_endpoints_adds_and_removes_bookings(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2])
        response = api(staff).patch(
            f"/api/meetings/{meeting.pk}/", {"endpoints": [province.ep_c2.pk, province.ep_c3.pk]}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["endpoints"] == sorted([province.ep_c2.pk, province.ep_c3.pk])
        assert sorted(Participation.objects.filter(meeting=meeting).values_list("endpoint_id", flat=True)) == sorted(
            [province.host.pk, province.ep_c2.pk, province.ep_c3.pk]
        )

    def test_a_title_change_also_bumps_the_sequence(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10))
        response = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"title": "Họp mới"}, format="json")
        assert (response.json()["title"], response.json()["sequence"]) == ("Họp mới", 1)
        unchanged = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"title": "Họp mới"}, format="json")
        assert unchanged.json()["sequence"] == 1

    def test_a_move_onto_another_meeting_is_409_and_changes_nothing(self, api, staff, province, clock):
        other = book(province, staff, at(3, 14), at(3, 15), [province.ep_c2], host=province.ep_d2)
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2])
        before = state(meeting.pk)
        response = api(staff).patch(
            f"/api/meetings/{meeting.pk}/", {"start": "2026-03-03T14:30", "end": "2026-03-03T15:30"}, format="json"
        )
        assert response.status_code == 409
        assert [(c["endpoint"], c["meeting"]) for c in response.json()["conflicts"]] == [(province.ep_c2.pk, other.pk)]
        assert state(meeting.pk) == before

    def test_held_and_cancelled_meetings_cannot_be_rescheduled(self, api, staff, province, clock):
        held = book(province, staff, at(2, 8, 30), at(2, 9), [province.ep_c1])
        cancelled = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        booking.cancel_meeting(meeting=cancelled, actor=staff, notify=False)
        clock.set(at(2, 10))
        for meeting in (held, cancelled):
            before = state(meeting.pk)
            response = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"title": "x"}, format="json")
            assert response.status_code == 409
            assert state(meeting.pk) == before

    def test_a_meeting_cannot_be_moved_into_the_past(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10))
        response = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"start": "2026-03-01T09:00"}, format="json")
        assert response.status_code == 400
        assert "start" in response.json()

    def test_a_meeting_in_progress_can_run_longer(self, api, staff, province, clock):
        meeting = book(province, staff, at(2, 8, 30), at(2, 9, 30))
        clock.set(at(2, 9))
        response = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"end": "2026-03-02T10:00"}, format="json")
        assert response.status_code == 200, response.content
        assert Meeting.objects.get(pk=meeting.pk).end == at(2, 10)

    def test_only_staff_whose_scope_holds_the_meeting_change_it(
        self, api, staff, district_staff, leader, province, clock
    ):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c3])
        before = state(meeting.pk)
        for user in (district_staff, leader):
            response = api(user).patch(f"/api/meetings/{meeting.pk}/", {"title": "x"}, format="json")
            assert response.status_code == 403
            assert api(user).post(f"/api/meetings/{meeting.pk}/cancel/").status_code == 403
        assert state(meeting.pk) == before

    def test_removed_endpoints_get_a_cancellation_and_the_rest_an_update(
        self, api, staff, province, clock, django_capture_on_commit_callbacks
    ):
        from tests.conftest import make_user

        one = make_user("op1", "operator", province.c1, email="op1@example.vn")
        two = make_user("op2", "operator", province.c2, email="op2@example.vn")
        province.ep_c1.operators.add(one)
        province.ep_c2.operators.add(two)
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2])
        with django_capture_on_commit_callbacks(execute=True):
            api(staff).patch(f"/api/meetings/{meeting.pk}/", {"endpoints": [province.ep_c2.pk]}, format="json")
        methods = {m.to[0]: m.attachments[0].get_param("method") for m in mail.outbox}
        assert methods == {"op1@example.vn": "CANCEL", "op2@example.vn": "REQUEST"}


class TestCancel:
    def test_cancelling_keeps_the_meeting_and_frees_its_endpoints(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        response = api(staff).post(f"/api/meetings/{meeting.pk}/cancel/")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["sequence"]) == ("cancelled", 1)
        meeting.refresh_from_db()
        assert meeting.status == "cancelled" and meeting.cancelled_at == at(2, 8)
        assert not meeting.participations.filter(active=True).exists()
        again = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        assert again.pk != meeting.pk

    def test_cancelling_twice_or_after_the_start_is_409(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10))
        assert api(staff).post(f"/api/meetings/{meeting.pk}/cancel/").status_code == 200
        before = state(meeting.pk)
        assert api(staff).post(f"/api/meetings/{meeting.pk}/cancel/").status_code == 409
        assert state(meeting.pk) == before
        running = book(province, staff, at(2, 8, 30), at(2, 9, 30), [province.ep_c2])
        clock.set(at(2, 9))
        assert api(staff).post(f"/api/meetings/{running.pk}/cancel/").status_code == 409
        assert Meeting.objects.get(pk=running.pk).status == "scheduled"

    def test_unknown_meetings_are_404(self, api, staff, province, clock):
        assert api(staff).post("/api/meetings/999999/cancel/").status_code == 404
        assert api(staff).patch("/api/meetings/999999/", {"title": "x"}, format="json").status_code == 404
        assert api(staff).get("/api/meetings/999999/").status_code == 404

    def test_meetings_are_never_deleted(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10))
        assert api(staff).delete(f"/api/meetings/{meeting.pk}/").status_code == 405
        assert Meeting.objects.filter(pk=meeting.pk).exists()

    def test_a_bad_scope_is_400(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10))
        response = api(staff).post(f"/api/meetings/{meeting.pk}/cancel/", {"scope": "all"}, format="json")
        assert response.status_code == 400 and "scope" in response.json()
        assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"

    def test_cancellation_is_mailed_with_method_cancel(
        self, api, staff, operator, province, clock, django_capture_on_commit_callbacks
    ):
        operator.email = "kt@example.vn"
        operator.save()
        meeting = book(province, staff, at(3, 9), at(3, 10))
        with django_capture_on_commit_callbacks(execute=True):
            api(staff).post(f"/api/meetings/{meeting.pk}/cancel/")
        (message,) = mail.outbox
        assert message.attachments[0].get_param("method") == "CANCEL"
        assert "STATUS:CANCELLED" in message.attachments[0].get_payload(decode=True).decode()
        assert message.subject.startswith("Hủy lịch họp")
        assert timedelta(0) == Meeting.objects.get(pk=meeting.pk).end - at(3, 10)
