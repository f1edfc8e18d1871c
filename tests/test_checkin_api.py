"""POST /api/meetings/<id>/checkins/: who may record, what is refused, and replays."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection

from rooms.models import CheckIn, Meeting, MeetingStatus, Participation
from rooms.services.attendance import record_checkin
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
# Savepoints of the service and of the insert (4), the operator's groups and rooms (2), the replay
# before and under the lock (2), the lock (1), the insert and its audit entry (2).
CHECK_IN_QUERIES = 11


def url(meeting: Meeting) -> str:
    return f"/api/meetings/{meeting.pk}/checkins/"


def body(endpoint, kind="in", attendees=12, **extra) -> dict:
    return {"endpoint": endpoint.pk, "kind": kind, "attendees": attendees, "client_id": str(uuid.uuid4()), **extra}


@pytest.fixture
def meeting(clock, attendance_meeting):
    return attendance_meeting(start=clock.now() + timedelta(minutes=5))


def test_an_operator_checks_their_room_in(api, operator, meeting, province, clock):
    response = api(operator).post(url(meeting), body(province.ep_c1), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "in" and data["attendees"] == 12 and data["endpoint"] == province.ep_c1.pk
    assert data["recorded_by"] == operator.username
    assert data["at"].endswith("+07:00")
    record = CheckIn.objects.get()
    assert record.at == clock.now() and record.recorded_by == operator and record.meeting == meeting


def test_the_same_client_id_again_returns_the_first_record_and_adds_nothing(api, operator, meeting, province):
    payload = body(province.ep_c1)
    first = api(operator).post(url(meeting), payload, format="json")
    again = api(operator).post(url(meeting), {**payload, "attendees": 30}, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1


def test_a_replay_is_answered_even_after_the_window_closed(api, operator, meeting, province, clock):
    payload = body(province.ep_c1)
    api(operator).post(url(meeting), payload, format="json")
    clock.set(meeting.end + timedelta(hours=3))
    assert api(operator).post(url(meeting), payload, format="json").status_code == 200
    fresh = api(operator).post(url(meeting), body(province.ep_c1, "out"), format="json")
    assert fresh.status_code == 400
    assert CheckIn.objects.count() == 1


def test_a_client_id_used_for_another_endpoint_is_a_conflict(api, admin_user, meeting, province):
    payload = body(province.ep_c1)
    api(admin_user).post(url(meeting), payload, format="json")
    response = api(admin_user).post(url(meeting), {**payload, "endpoint": province.ep_c2.pk}, format="json")
    assert response.status_code == 409
    assert CheckIn.objects.count() == 1


def test_only_operators_of_that_endpoint_or_administrators_may_record(
    api, operator, leader, staff, admin_user, meeting, province
):
    other_operator = make_user("kythuat_hoangviet", "operator", province.c2)
    province.ep_c2.operators.add(other_operator)
    assert api(other_operator).post(url(meeting), body(province.ep_c1), format="json").status_code == 403
    assert api(leader).post(url(meeting), body(province.ep_c1), format="json").status_code == 403
    assert api(staff).post(url(meeting), body(province.ep_c1), format="json").status_code == 403
    assert api().post(url(meeting), body(province.ep_c1), format="json").status_code == 401
    assert CheckIn.objects.count() == 0
    assert api(admin_user).post(url(meeting), body(province.ep_c1), format="json").status_code == 201
    assert api(other_operator).post(url(meeting), body(province.ep_c2), format="json").status_code == 201
    assert CheckIn.objects.count() == 2


def test_a_forbidden_answer_says_why(api, leader, meeting, province):
    response = api(leader).post(url(meeting), body(province.ep_c1), format="json")
    assert "kỹ thuật viên" in response.json()["detail"]


def test_an_unknown_meeting_is_404(api, operator, province):
    assert api(operator).post("/api/meetings/999999/checkins/", body(province.ep_c1), format="json").status_code == 404


def refused(api, user, meeting, payload, field):
    response = api(user).post(url(meeting), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert CheckIn.objects.count() == 0
    return response.json()[field][0]


def test_a_cancelled_meeting_refuses_check_ins(api, operator, meeting, province, clock):
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED, cancelled_at=clock.now())
    Participation.objects.filter(meeting=meeting).update(active=False)
    meeting.refresh_from_db()
    assert "hủy" in refused(api, operator, meeting, body(province.ep_c1), "meeting")


def test_an_endpoint_not_in_the_meeting_is_refused(api, operator, clock, attendance_meeting, province):
    meeting = attendance_meeting(start=clock.now(), endpoints=[province.ep_c2])
    assert "không tham gia" in refused(api, operator, meeting, body(province.ep_c1), "endpoint")


def test_check_ins_open_thirty_minutes_before_the_start(api, operator, clock, attendance_meeting, province):
    meeting = attendance_meeting(start=clock.now() + timedelta(minutes=31))
    assert "Chưa đến giờ" in refused(api, operator, meeting, body(province.ep_c1), "meeting")
    clock.advance(minutes=1)
    assert api(operator).post(url(meeting), body(province.ep_c1), format="json").status_code == 201


def test_check_ins_close_after_the_end_plus_the_grace(api, operator, meeting, province, clock):
    clock.set(meeting.end + timedelta(minutes=10, seconds=1))
    assert "hết giờ" in refused(api, operator, meeting, body(province.ep_c1), "meeting")
    clock.set(meeting.end + timedelta(minutes=10))
    assert api(operator).post(url(meeting), body(province.ep_c1), format="json").status_code == 201


@pytest.mark.parametrize("attendees", [-1, 10001, "many"])
def test_head_counts_outside_0_to_10000_are_refused(api, operator, meeting, province, attendees):
    refused(api, operator, meeting, body(province.ep_c1, attendees=attendees), "attendees")


def test_a_head_count_above_twice_the_seats_is_refused(api, operator, meeting, province):
    assert province.ep_c1.seats == 30
    assert "60" in refused(api, operator, meeting, body(province.ep_c1, attendees=61), "attendees")
    assert api(operator).post(url(meeting), body(province.ep_c1, attendees=60), format="json").status_code == 201


def test_a_check_in_needs_a_head_count(api, operator, meeting, province):
    refused(api, operator, meeting, body(province.ep_c1, attendees=None), "attendees")


def test_an_issue_needs_its_type_and_other_needs_a_note(api, operator, meeting, province):
    refused(api, operator, meeting, body(province.ep_c1, "issue", None), "issue_type")
    refused(api, operator, meeting, body(province.ep_c1, "issue", None, issue_type="other"), "note")
    refused(api, operator, meeting, body(province.ep_c1, "issue", None, issue_type="fire"), "issue_type")
    refused(api, operator, meeting, body(province.ep_c1, "in", 5, issue_type="no_sound"), "issue_type")
    ok = api(operator).post(
        url(meeting), body(province.ep_c1, "issue", None, issue_type="no_sound", note="Mic hỏng"), format="json"
    )
    assert ok.status_code == 201 and ok.json()["issue_type"] == "no_sound"


def test_checking_out_needs_a_check_in_first_and_happens_once(api, operator, meeting, province):
    assert "chưa báo kết nối" in refused(api, operator, meeting, body(province.ep_c1, "out", None), "kind")
    api(operator).post(url(meeting), body(province.ep_c1), format="json")
    assert api(operator).post(url(meeting), body(province.ep_c1, "out", None), format="json").status_code == 201
    response = api(operator).post(url(meeting), body(province.ep_c1, "out", None), format="json")
    assert response.status_code == 400 and "đã báo kết thúc" in response.json()["kind"][0]
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "in", "attendees": 3},
        {"endpoint": "x", "kind": "in", "attendees": 3, "client_id": str(uuid.uuid4())},
        {"endpoint": 99999, "kind": "in", "attendees": 3, "client_id": str(uuid.uuid4())},
        {"endpoint": 1, "kind": "sideways", "attendees": 3, "client_id": str(uuid.uuid4())},
        {"endpoint": 1, "kind": "in", "attendees": 3, "client_id": "not-a-uuid"},
        {"endpoint": 1, "kind": "in", "attendees": 3, "client_id": str(uuid.uuid4()), "note": "x" * 501},
    ],
)
def test_malformed_bodies_get_400_and_change_nothing(api, admin_user, meeting, payload):
    response = api(admin_user).post(url(meeting), payload, format="json")
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_garbage_json_gets_400(api, admin_user, meeting):
    response = api(admin_user).post(url(meeting), "{oops", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_replays_record_one_row(province, operator, attendance_meeting, clock):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("in-memory SQLite (shared cache) fails at once on a lock instead of waiting")
    meeting = attendance_meeting(start=clock.now())
    client_id = uuid.uuid4()
    results, errors = [], []
    barrier = threading.Barrier(4)

    def tap() -> None:
        try:
            barrier.wait()
            results.append(
                record_checkin(
                    user=operator, meeting=meeting, endpoint=province.ep_c1, kind="in", attendees=7, client_id=client_id
                )
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert CheckIn.objects.count() == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert {record.pk for record, _ in results} == {CheckIn.objects.get().pk}


def test_recording_a_check_in_costs_a_fixed_number_of_queries(operator, meeting, province):
    """Permission, replay (twice: before and under the booking's lock), the lock, the insert
    (the head count follows by trigger): no query per foreign key or per table constraint."""
    from django.contrib.contenttypes.models import ContentType
    from django.test.utils import CaptureQueriesContext

    ContentType.objects.get_for_model(CheckIn)  # cached per process once any check-in is logged
    with CaptureQueriesContext(connection) as queries:
        record_checkin(
            user=operator, meeting=meeting, endpoint=province.ep_c1, kind="in", attendees=9, client_id=uuid.uuid4()
        )
    assert CheckIn.objects.filter(meeting=meeting, endpoint=province.ep_c1, attendees=9).count() == 1
    assert len(queries) == CHECK_IN_QUERIES, "\n".join(q["sql"][:120] for q in queries.captured_queries)
