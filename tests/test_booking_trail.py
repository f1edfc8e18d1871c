"""The booking rules' single homes: the audit trail records booking in and out alike, a refusal
keeps its message on the way to a 403, the SQLite and PostgreSQL refusals map to 409 in one
place, and the check before booking runs the booking's own path for one meeting and a series."""

import ast
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError
from django.urls import reverse

from rooms.models import Meeting, Participation, Series
from rooms.services import booking
from rooms.services.booking_rules import BookingRequest
from tests.helpers import booking_form
from tests.test_booking_api import at, body
from vconf.exceptions import api_exception_handler, is_conflict_error

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def endpoint_changes(meeting: Meeting) -> list[tuple[str, list[str]]]:
    entries = LogEntry.objects.get_for_object(meeting).order_by("id")
    changes = [(e.changes_dict or {}).get("endpoints") for e in entries]
    return [(c["operation"], sorted(c["objects"])) for c in changes if isinstance(c, dict)]


def test_booking_in_and_taking_out_are_recorded_the_same_way(api, staff, province, clock):
    client = api(staff)
    created = client.post(
        "/api/meetings/", body(province, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2]), format="json"
    )
    meeting = Meeting.objects.get(pk=created.json()["id"])
    moved = client.patch(f"/api/meetings/{meeting.pk}/", {"endpoints": [province.ep_c1.pk]}, format="json")
    assert moved.status_code == 200
    added, removed = endpoint_changes(meeting)
    assert added == ("add", sorted(str(e) for e in (province.host, province.ep_c1, province.ep_c2)))
    assert removed == ("delete", [str(province.ep_c2)])
    # One entry each way on the meeting, none per participation row in either direction.
    participation_type = ContentType.objects.get_for_model(Participation)
    assert not LogEntry.objects.filter(content_type=participation_type).exists()


def test_a_refused_booking_answers_403_with_the_services_message(api, district_staff, province, clock):
    response = api(district_staff).post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Ngoài phạm vi đơn vị của bạn")


def test_the_api_keeps_the_message_of_a_django_permission_denied():
    response = api_exception_handler(PermissionDenied("Chỉ văn phòng và quản trị được đặt lịch họp."), {})
    assert response.status_code == 403
    assert response.data == {"detail": "Chỉ văn phòng và quản trị được đặt lịch họp."}


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("overlapping booking of endpoint 3"),
        IntegrityError("UNIQUE constraint failed: rooms_meeting.uid"),
        OperationalError("database is locked"),
    ],
)
def test_sqlite_refusals_of_a_concurrent_write_are_conflicts(error):
    assert is_conflict_error(error)


def test_other_database_errors_are_not_conflicts():
    assert not is_conflict_error(IntegrityError("NOT NULL constraint failed: rooms_meeting.title"))


def test_no_service_or_selector_imports_django_rest_framework():
    offenders = []
    for path in [*ROOT.glob("rooms/services/*.py"), *ROOT.glob("rooms/selectors/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "rest_framework"]
    assert offenders == []


def test_a_preview_of_one_meeting_and_of_a_series_writes_nothing(staff, province, clock):
    request = BookingRequest(
        organizer=staff, title="Họp", start=at(3, 9), end=at(3, 10), host=province.host, endpoints=[province.ep_c1]
    )
    single = booking.book(request, preview=True)
    weekly = booking.book(request, rule="FREQ=WEEKLY;COUNT=3", preview=True)
    assert [m.pk for m in single.meetings + weekly.meetings] == [None] * 4
    assert [m.start for m in weekly.meetings] == [at(3, 9), at(10, 9), at(17, 9)]
    assert not Meeting.objects.exists() and not Series.objects.exists()


def test_the_check_button_counts_the_endpoints_of_one_meeting(client, staff, province, clock):
    client.force_login(staff)
    form = booking_form(province, endpoints=[province.ep_c1.pk, province.ep_c2.pk], action="check")
    response = client.post(reverse("meeting-book"), form)
    assert response.status_code == 200
    assert "3" in response.context["check_ok"]
    assert not Meeting.objects.exists()


def test_an_unknown_endpoint_id_on_the_booking_page_is_a_400(client, staff, province, clock):
    client.force_login(staff)
    form = booking_form(province, endpoints=["²"])
    assert client.post(reverse("meeting-book"), form).status_code == 400
    assert not Meeting.objects.exists()
