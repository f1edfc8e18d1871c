"""Requests and approval: a department's booking is pending, holds its rooms and ports, is invited
tentatively; office staff whose scope holds it approve or reject it; overdue requests are escalated."""

from datetime import timedelta

import pytest
from django.core import mail

from rooms.jobs import run_tick
from rooms.models import Bridge, Endpoint, Meeting, MeetingRequest, MeetingStatus, Participation, ProvinceSettings, Role
from rooms.services.approval import escalate_overdue_requests
from tests.conftest import make_user
from tests.helpers import at, meeting_body, snapshot

# Monday 2 March: two working days' notice makes Wednesday 4 March the earliest start.
START, END = at(4, 9), at(4, 10)


@pytest.fixture
def requester(province):
    return make_user("so_noivu", Role.REQUESTER, province.unit, email="sonoivu@langson.gov.vn")


@pytest.fixture
def request_meeting(api, requester, province, clock):
    response = api(requester).post("/api/meetings/", meeting_body(province, START, END), format="json")
    assert response.status_code == 201, response.content
    return Meeting.objects.get(pk=response.json()["id"])


class TestRequesting:
    def test_a_departments_booking_is_pending_with_an_answer_due(self, request_meeting, clock):
        assert request_meeting.status == MeetingStatus.PENDING
        request = MeetingRequest.objects.get(meeting=request_meeting)
        assert request.answer_due == at(4, 8)  # two working days after Monday 08:00
        assert request.decision == ""

    def test_the_api_says_pending_and_filters_by_it(self, api, staff, request_meeting, province, clock):
        api(staff).post("/api/meetings/", meeting_body(province, at(5, 9), at(5, 10)), format="json")
        listed = api(staff).get("/api/meetings/", {"status": "pending"})
        assert listed.status_code == 200
        assert [m["id"] for m in listed.json()["results"]] == [request_meeting.pk]
        assert listed.json()["results"][0]["status"] == "pending"

    def test_a_pending_request_holds_its_rooms(self, api, staff, request_meeting, province, clock):
        before = snapshot()
        response = api(staff).post("/api/meetings/", meeting_body(province, START, END), format="json")
        assert response.status_code == 409
        assert {c["meeting"] for c in response.json()["conflicts"]} == {request_meeting.pk}
        assert snapshot() == before

    def test_a_pending_request_holds_its_ports(self, api, staff, requester, province, clock):
        small = Bridge.objects.create(name="MCU nhỏ", ports=3)
        # Each room uses its own bridge: these rooms ride the meeting's small one.
        Endpoint.objects.update(bridge=None)
        body = meeting_body(province, START, END, bridge=small.pk)
        assert api(requester).post("/api/meetings/", body, format="json").status_code == 201
        other = meeting_body(province, START, END, endpoints=[province.ep_c2], bridge=small.pk)
        other["host"] = province.ep_d1.pk
        response = api(staff).post("/api/meetings/", other, format="json")
        assert response.status_code == 409
        assert response.json()["conflicts"][0]["bridge"] == small.pk

    def test_a_request_needs_the_provinces_notice(self, api, requester, province, clock):
        before = snapshot()
        response = api(requester).post("/api/meetings/", meeting_body(province, at(3, 9), at(3, 10)), format="json")
        assert response.status_code == 400
        assert response.json() == {
            "start": ["Đề nghị họp phải gửi trước ít nhất 2 ngày làm việc (sớm nhất ngày 04/03/2026)."]
        }
        assert snapshot() == before

    def test_the_notice_is_set_per_province(self, api, requester, province, clock):
        ProvinceSettings.objects.filter(province_code="20").update(request_lead_days=0)
        response = api(requester).post("/api/meetings/", meeting_body(province, at(3, 9), at(3, 10)), format="json")
        assert response.status_code == 201

    def test_the_invitation_of_a_pending_request_is_tentative(self, api, staff, request_meeting, clock):
        body = api(staff).get(f"/api/meetings/{request_meeting.pk}/invite.ics").content.decode()
        assert "STATUS:TENTATIVE" in body
        api(staff).post(f"/api/meetings/{request_meeting.pk}/approve/")
        body = api(staff).get(f"/api/meetings/{request_meeting.pk}/invite.ics").content.decode()
        assert "STATUS:CONFIRMED" in body and "TENTATIVE" not in body

    def test_a_requester_cannot_cancel_or_move(self, api, requester, request_meeting, clock):
        before = snapshot()
        assert api(requester).post(f"/api/meetings/{request_meeting.pk}/cancel/").status_code == 403
        assert snapshot() == before


class TestAnswering:
    def test_in_scope_staff_approve_and_the_operators_are_invited(
        self, api, staff, operator, requester, request_meeting, clock, django_capture_on_commit_callbacks
    ):
        operator.email = "kythuat@tanthanh.vn"
        operator.save()
        with django_capture_on_commit_callbacks(execute=True):
            response = api(staff).post(f"/api/meetings/{request_meeting.pk}/approve/")
        assert response.status_code == 200
        assert response.json()["status"] == "scheduled"
        request = MeetingRequest.objects.get(meeting=request_meeting)
        assert (request.decision, request.answered_by, request.answered_at) == ("approved", staff, clock.now())
        assert {tuple(m.to) for m in mail.outbox} == {("kythuat@tanthanh.vn",), ("sonoivu@langson.gov.vn",)}

    def test_staff_outside_the_scope_cannot_answer(self, api, district_staff, request_meeting, clock):
        before = snapshot()
        assert api(district_staff).post(f"/api/meetings/{request_meeting.pk}/approve/").status_code == 403
        rejected = api(district_staff).post(f"/api/meetings/{request_meeting.pk}/reject/", {"reason": "Không"})
        assert rejected.status_code == 403
        assert snapshot() == before
        assert MeetingRequest.objects.get(meeting=request_meeting).decision == ""

    def test_a_requester_cannot_approve(self, api, requester, request_meeting, clock):
        before = snapshot()
        assert api(requester).post(f"/api/meetings/{request_meeting.pk}/approve/").status_code == 403
        assert snapshot() == before
        assert Meeting.objects.get(pk=request_meeting.pk).status == MeetingStatus.PENDING

    def test_an_answered_request_cannot_be_answered_again(self, api, staff, request_meeting, clock):
        api(staff).post(f"/api/meetings/{request_meeting.pk}/approve/")
        again = api(staff).post(f"/api/meetings/{request_meeting.pk}/reject/", {"reason": "Đổi ý"})
        assert again.status_code == 409
        assert Meeting.objects.get(pk=request_meeting.pk).status == MeetingStatus.SCHEDULED

    def test_a_rejection_needs_a_reason(self, api, staff, request_meeting, clock):
        response = api(staff).post(f"/api/meetings/{request_meeting.pk}/reject/", {"reason": " "}, format="json")
        assert response.status_code == 400
        assert Meeting.objects.get(pk=request_meeting.pk).status == MeetingStatus.PENDING

    def test_a_rejection_frees_the_rooms_and_tells_the_requester(
        self, api, staff, request_meeting, province, clock, django_capture_on_commit_callbacks
    ):
        reason = "Trùng hội nghị của Tỉnh ủy"
        with django_capture_on_commit_callbacks(execute=True):
            response = api(staff).post(f"/api/meetings/{request_meeting.pk}/reject/", {"reason": reason})
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        request = MeetingRequest.objects.get(meeting=request_meeting)
        assert (request.decision, request.reason) == ("rejected", reason)
        assert not Participation.objects.filter(meeting=request_meeting, active=True).exists()
        told = [m for m in mail.outbox if m.to == ["sonoivu@langson.gov.vn"]]
        assert len(told) == 1 and reason in told[0].body
        again = api(staff).post("/api/meetings/", meeting_body(province, START, END), format="json")
        assert again.status_code == 201


class TestEscalation:
    def test_an_overdue_request_is_escalated_once(self, staff, request_meeting, clock):
        staff.email = "vanphong@langson.gov.vn"
        staff.save()
        assert escalate_overdue_requests(at(4, 7)) == 0
        assert escalate_overdue_requests(at(4, 8)) == 1
        assert escalate_overdue_requests(at(4, 8, 30)) == 0
        assert [m.to for m in mail.outbox] == [["vanphong@langson.gov.vn"]]
        request = MeetingRequest.objects.get(meeting=request_meeting)
        assert (request.escalated_at, request.escalated_to) == (at(4, 8), "vanphong@langson.gov.vn")

    def test_a_failed_mail_leaves_the_request_for_the_next_tick(self, staff, request_meeting, clock, monkeypatch):
        staff.email = "vanphong@langson.gov.vn"
        staff.save()

        def down(*args, **kwargs):
            raise OSError("SMTP down")

        with monkeypatch.context() as patched:
            patched.setattr("rooms.services.approval.send_mail", down)
            assert escalate_overdue_requests(at(4, 8)) == 0
        assert MeetingRequest.objects.get(meeting=request_meeting).escalated_at is None
        assert escalate_overdue_requests(at(4, 9)) == 1

    def test_the_worker_tick_escalates_an_overdue_request_once(self, staff, request_meeting, clock):
        staff.email = "vanphong@langson.gov.vn"
        staff.save()
        assert run_tick(at(4, 8))["escalate_overdue_requests"] == 1
        assert run_tick(at(4, 8, 1))["escalate_overdue_requests"] == 0
        assert MeetingRequest.objects.get(meeting=request_meeting).escalated_at == at(4, 8)

    def test_an_answered_request_is_not_escalated(self, api, staff, request_meeting, clock):
        api(staff).post(f"/api/meetings/{request_meeting.pk}/approve/")
        assert escalate_overdue_requests(at(4, 8) + timedelta(hours=1)) == 0


class TestPages:
    def test_staff_see_pending_requests_and_approve_from_the_page(self, client, staff, request_meeting, clock):
        client.force_login(staff)
        page = client.get("/de-nghi-hop/")
        assert page.status_code == 200
        assert f"/de-nghi-hop/{request_meeting.pk}/duyet/" in page.content.decode()
        response = client.post(f"/de-nghi-hop/{request_meeting.pk}/tu-choi/", {"reason": "Không cần họp"})
        assert response.status_code == 302
        assert MeetingRequest.objects.get(meeting=request_meeting).reason == "Không cần họp"

    def test_a_requester_follows_their_own_requests(self, client, requester, request_meeting, clock):
        client.force_login(requester)
        page = client.get("/de-nghi-hop/")
        assert page.status_code == 200
        text = page.content.decode()
        assert request_meeting.title in text and "Chờ duyệt" in text
        assert "/duyet/" not in text

    def test_a_requester_uses_the_booking_page(self, client, requester, province, clock):
        client.force_login(requester)
        form = {"title": "Họp sở", "day": "2026-03-05", "start_time": "09:00", "end_time": "10:00"}
        form |= {"host": province.host.pk, "endpoints": [province.ep_c1.pk], "action": "book"}
        response = client.post("/lich-hop/dat-lich/", form)
        assert response.status_code == 302
        assert Meeting.objects.get().status == MeetingStatus.PENDING
