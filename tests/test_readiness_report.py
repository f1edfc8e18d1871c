"""GET /api/reports/readiness/ (#16, Operations): per meeting and per room, tested on time,
tested late, failed, not tested, escalated, late check-ins; CSV for people."""

import uuid
from datetime import timedelta

import pytest

from rooms.models import CheckIn, Notice, NoticeKind

pytestmark = pytest.mark.usefixtures("clock")
URL = "/api/reports/readiness/"


@pytest.fixture
def tested_meeting(clock, attendance_meeting, province):
    """Yesterday's meeting: c1 tested ok at -45, c2 failed at -50 then ok at -20 (late), d1
    escalated and checked in late, the others untested."""
    meeting = attendance_meeting(start=clock.now() - timedelta(days=1))

    def record(endpoint, kind, minutes, **fields):
        CheckIn.objects.create(
            meeting=meeting,
            endpoint=endpoint,
            kind=kind,
            at=meeting.start + timedelta(minutes=minutes),
            client_id=uuid.uuid4(),
            **fields,
        )

    record(province.ep_c1, "test", -45, result="ok")
    record(province.ep_c2, "test", -50, result="failed", note="Không có tiếng")
    record(province.ep_c2, "test", -20, result="ok")
    record(province.ep_d1, "in", 25, attendees=5)
    Notice.objects.create(
        kind=NoticeKind.ESCALATION,
        meeting=meeting,
        endpoint=province.ep_d1,
        sent_at=meeting.start - timedelta(minutes=30),
    )
    return meeting


def test_the_report_counts_each_rung_per_meeting(api, leader, tested_meeting):
    response = api(leader).get(URL, {"group_by": "meeting"})
    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {
        "rooms": 6,
        "tested_on_time": 1,
        "tested_late": 1,
        "test_failed": 1,
        "not_tested": 4,
        "escalated": 1,
        "late": 1,
    }
    (row,) = body["rows"]
    assert row["meeting"] == tested_meeting.pk and row["start"].endswith("+07:00")


def test_the_report_per_room_over_time(api, staff, tested_meeting, province):
    rows = api(staff).get(URL, {"group_by": "endpoint"}).json()["rows"]
    by_room = {row["endpoint"]: row for row in rows}
    assert by_room[province.ep_c2.pk]["tested_late"] == 1 and by_room[province.ep_c2.pk]["test_failed"] == 1
    assert by_room[province.ep_d1.pk]["escalated"] == 1 and by_room[province.ep_d1.pk]["late"] == 1


def test_the_report_of_one_meeting_as_csv(api, staff, tested_meeting):
    response = api(staff).get(URL, {"meeting": tested_meeting.pk, "group_by": "endpoint", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã điểm cầu,Điểm cầu,Số điểm cầu,Gọi thử đúng giờ")
    assert len(text.splitlines()) == 7


def test_an_operator_may_not_read_it(api, operator, tested_meeting):
    assert api(operator).get(URL).status_code == 403


def test_an_end_before_the_start_is_refused(api, staff):
    response = api(staff).get(URL, {"start": "2026-03-02", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "end" in response.json()


def test_district_staff_see_only_their_rooms(api, district_staff, tested_meeting, province):
    rows = api(district_staff).get(URL, {"group_by": "endpoint"}).json()["rows"]
    assert {row["endpoint"] for row in rows} == {province.ep_d1.pk, province.ep_c1.pk, province.ep_c2.pk}


def test_the_meeting_page_shows_the_readiness_figures(client, staff, tested_meeting):
    client.force_login(staff)
    html = client.get(f"/lich-hop/{tested_meeting.pk}/").content.decode()
    assert 'id="readiness-summary"' in html and "Sẵn sàng trước họp" in html
