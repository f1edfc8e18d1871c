"""A department (requester) imports meetings from an iCalendar file: POST /api/meetings/import-ics/
makes every VEVENT a pending request, the lead time checked per event; one refused event names its
row and UID, and nothing of the file is written."""

import pytest

from rooms.models import Meeting, MeetingStatus, Role
from tests.conftest import make_user
from tests.helpers import snapshot
from tests.test_ical_import import calendar, vevent

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester(province):
    return make_user("so_noivu", Role.REQUESTER, province.unit, email="sonoivu@langson.gov.vn")


def event(province, uid, day):
    rooms = f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"
    return vevent(uid, start=f"202603{day:02d}T090000", end=f"202603{day:02d}T100000", extra=rooms)


def post(api, user, data):
    return api(user).generic("POST", "/api/meetings/import-ics/", data, content_type="text/calendar")


def test_every_event_becomes_a_pending_request(api, requester, province, clock):
    response = post(api, requester, calendar(event(province, "a@so", 4), event(province, "b@so", 5)))
    assert response.status_code == 200, response.content
    assert [b["uid"] for b in response.json()["booked"]] == ["a@so", "b@so"]
    meetings = Meeting.objects.order_by("start")
    assert [(m.uid, m.status, m.organizer) for m in meetings] == [
        ("a@so", MeetingStatus.PENDING, requester),
        ("b@so", MeetingStatus.PENDING, requester),
    ]


def test_an_event_too_soon_is_named_and_nothing_is_written(api, requester, province, clock):
    before = snapshot()
    response = post(api, requester, calendar(event(province, "a@so", 5), event(province, "soon@so", 3)))
    assert response.status_code == 400
    (refused,) = response.json()["events"]
    assert (refused["row"], refused["uid"]) == (2, "soon@so")
    assert snapshot() == before


def test_a_file_that_is_not_a_calendar_is_refused(api, requester, province, clock):
    response = post(api, requester, b"not a calendar")
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Meeting.objects.exists()


def test_a_leader_may_not_import(api, leader, province, clock):
    response = post(api, leader, calendar(event(province, "a@so", 5)))
    assert response.status_code == 403
    assert not Meeting.objects.exists()


class TestTheRequestsPage:
    def test_the_department_uploads_its_file_and_sees_its_requests(self, client, requester, province, clock):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.force_login(requester)
        assert 'id="import-ics"' in client.get("/de-nghi-hop/").content.decode()
        upload = SimpleUploadedFile("hop.ics", calendar(event(province, "a@so", 5)), content_type="text/calendar")
        response = client.post("/de-nghi-hop/nhap-ics/", {"file": upload})
        assert response.status_code == 302
        assert Meeting.objects.get().status == MeetingStatus.PENDING

    def test_a_refused_event_is_named_on_the_page(self, client, requester, province, clock):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.force_login(requester)
        data = calendar(event(province, "a@so", 5), event(province, "soon@so", 3))
        response = client.post("/de-nghi-hop/nhap-ics/", {"file": SimpleUploadedFile("hop.ics", data)})
        assert response.status_code == 400
        assert "soon@so" in response.content.decode()
        assert not Meeting.objects.exists()


def test_the_demo_adds_one_imported_pending_request_once(requester, province, clock, monkeypatch):
    from io import StringIO

    from django.core.management.base import OutputWrapper

    from rooms.demo import approval

    monkeypatch.setattr(approval, "the_rooms", lambda host: [province.ep_c1])  # the fixture's tree is legacy
    for _again in range(2):
        approval.imported_request(requester, province.host, OutputWrapper(StringIO()))
    meeting = Meeting.objects.get(uid=approval.IMPORT_UID)
    assert (meeting.status, meeting.organizer) == (MeetingStatus.PENDING, requester)
