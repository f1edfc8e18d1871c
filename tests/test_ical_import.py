"""POST /api/meetings/import/: every VEVENT booked under the same rules, refusals reported."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rooms.models import Meeting, Series
from rooms.services import booking
from tests.helpers import at, book

pytestmark = pytest.mark.django_db


def vevent(uid, summary="Họp nhập", start="20260303T090000", end="20260303T100000", extra=""):
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260301T000000Z",
        f"DTSTART;TZID=Asia/Ho_Chi_Minh:{start}",
        f"DTEND;TZID=Asia/Ho_Chi_Minh:{end}",
        f"SUMMARY:{summary}",
        *[line for line in extra.strip().splitlines() if line.strip()],
        "END:VEVENT",
    ]
    return "\r\n".join(lines)


def calendar(*events):
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events, "END:VCALENDAR", ""]).encode()


def post(api, user, data, **params):
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return api(user).generic("POST", f"/api/meetings/import/{query}", data, content_type="text/calendar")


def test_events_with_vconf_properties_are_booked(api, staff, province, clock):
    ids = f"{province.ep_c1.pk},{province.ep_c2.pk}"
    data = calendar(vevent("a@test", extra=f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{ids}"))
    response = post(api, staff, data)
    assert response.status_code == 200, response.content
    (booked,) = response.json()["booked"]
    assert response.json()["refused"] == []
    meeting = Meeting.objects.get(pk=booked["meetings"][0])
    assert (booked["uid"], meeting.uid, meeting.title) == ("a@test", "a@test", "Họp nhập")
    assert (meeting.start, meeting.end, meeting.organizer) == (at(3, 9), at(3, 10), staff)
    assert sorted(meeting.participations.values_list("endpoint_id", flat=True)) == sorted(
        [province.host.pk, province.ep_c1.pk, province.ep_c2.pk]
    )


def test_location_names_the_host_and_attendees_select_their_endpoints(api, staff, operator, province, clock):
    operator.email = "kythuat@example.vn"
    operator.save()
    extra = "LOCATION:hội trường ubnd tỉnh\nATTENDEE;CN=Kỹ thuật:mailto:KyThuat@example.vn\nATTENDEE:mailto:nobody@x.vn"
    response = post(api, staff, calendar(vevent("b@test", extra=extra)))
    (booked,) = response.json()["booked"]
    meeting = Meeting.objects.get(pk=booked["meetings"][0])
    assert meeting.host == province.host
    assert sorted(meeting.participations.values_list("endpoint_id", flat=True)) == sorted(
        [province.host.pk, province.ep_c1.pk]
    )


def test_a_recurring_event_becomes_a_series_and_exdate_is_honoured(api, staff, province, clock):
    extra = (
        f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-UNITS:178\nRRULE:FREQ=WEEKLY;COUNT=4\n"
        "EXDATE;TZID=Asia/Ho_Chi_Minh:20260310T090000"
    )
    response = post(api, staff, calendar(vevent("c@test", extra=extra)))
    (booked,) = response.json()["booked"]
    series = Series.objects.get(pk=booked["series"])
    assert series.uid == "c@test"
    assert [m.start.day for m in series.meetings.order_by("start")] == [3, 17, 24]


def test_each_refusal_is_reported_with_its_reason_and_the_rest_is_booked(api, staff, province, clock):
    busy = book(province, staff, at(4, 9), at(4, 10), [province.ep_c3], host=province.ep_d2, title="Bận")
    host = f"X-VCONF-HOST:{province.host.pk}"
    data = calendar(
        vevent("ok@test", extra=f"{host}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"),
        vevent(
            "busy@test",
            start="20260304T093000",
            end="20260304T103000",
            extra=f"{host}\nX-VCONF-ENDPOINTS:{province.ep_c3.pk}",
        ),
        vevent(
            "past@test",
            start="20260301T090000",
            end="20260301T100000",
            extra=f"{host}\nX-VCONF-ENDPOINTS:{province.ep_c2.pk}",
        ),
        vevent("nohost@test", extra="LOCATION:Không có phòng này"),
        vevent("unknown@test", extra=f"{host}\nX-VCONF-ENDPOINTS:999999"),
        vevent("allday@test", start="20260305", end="20260306")
        .replace("DTSTART;TZID=Asia/Ho_Chi_Minh:20260305", "DTSTART;VALUE=DATE:20260305")
        .replace("DTEND;TZID=Asia/Ho_Chi_Minh:20260306", "DTEND;VALUE=DATE:20260306"),
        vevent("bad@test", extra=f"X-VCONF-HOST:abc\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"),
    )
    response = post(api, staff, data)
    assert response.status_code == 200
    result = response.json()
    assert [b["uid"] for b in result["booked"]] == ["ok@test"]
    refused = {r["uid"]: r for r in result["refused"]}
    assert {uid: r["status"] for uid, r in refused.items()} == {
        "busy@test": 409,
        "past@test": 400,
        "nohost@test": 400,
        "unknown@test": 400,
        "allday@test": 400,
        "bad@test": 400,
    }
    assert [(c["endpoint"], c["meeting"]) for c in refused["busy@test"]["conflicts"]] == [(province.ep_c3.pk, busy.pk)]
    assert "start" in refused["past@test"]["errors"]
    assert "host" in refused["nohost@test"]["errors"]
    assert Meeting.objects.count() == 2


def test_an_event_already_imported_is_refused(api, staff, province, clock):
    data = calendar(vevent("dup@test", extra=f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"))
    assert post(api, staff, data).json()["booked"]
    again = post(api, staff, data).json()
    assert again["booked"] == [] and again["refused"][0]["status"] == 409
    assert Meeting.objects.count() == 1


def test_scope_applies_to_imports(api, district_staff, province, clock):
    data = calendar(
        vevent("far@test", extra=f"X-VCONF-HOST:{province.ep_d1.pk}\nX-VCONF-ENDPOINTS:{province.ep_c3.pk}")
    )
    (refused,) = post(api, district_staff, data).json()["refused"]
    assert refused["status"] == 403
    assert not Meeting.objects.exists()


def test_an_exported_invitation_imports_into_the_same_endpoints(api, staff, province, clock):
    meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2], title="Gốc")
    exported = api(staff).get(f"/api/meetings/{meeting.pk}/invite.ics").content
    booking.cancel_meeting(meeting=meeting, actor=staff, notify=False)
    Meeting.objects.filter(pk=meeting.pk).update(uid="old@vconf")
    (booked,) = post(api, staff, exported).json()["booked"]
    copy = Meeting.objects.get(pk=booked["meetings"][0])
    assert sorted(copy.participations.values_list("endpoint_id", flat=True)) == sorted(
        meeting.participations.values_list("endpoint_id", flat=True)
    )


def test_a_file_upload_works_too(api, staff, province, clock):
    data = calendar(vevent("f@test", extra=f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"))
    upload = SimpleUploadedFile("lich.ics", data, content_type="text/calendar")
    response = api(staff).post("/api/meetings/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200
    assert len(response.json()["booked"]) == 1


@pytest.mark.parametrize("data", [b"", b"not a calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"\xff\xfe\x00"])
def test_unreadable_files_are_400(api, staff, province, clock, data):
    response = post(api, staff, data)
    assert response.status_code == 400, response.content
    assert "file" in response.json()


def test_only_staff_import(api, leader, province, clock):
    data = calendar(vevent("l@test", extra=f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"))
    assert post(api, leader, data).status_code == 403
    assert not Meeting.objects.exists()
