"""Delegated scope (#14): a province sees and manages its part of a national meeting.

A national conference: the Government hall hosts the rooms of two provinces. Lạng Sơn's staff,
leader and operator see Lạng Sơn's rooms only, may withdraw or swap them, and are refused any
other change briefly; `?unit=` narrows the API and the socket.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from rooms import consumers
from rooms.models import Bridge, Level, Meeting, Participation, Role, Structure, Unit
from tests.conftest import make_endpoint, make_user, orm_meeting
from tests.helpers import LiveBoard
from vconf.asgi import application

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
# A refusal never lists the country: a few names and a count.
SHORT = 300


@pytest.fixture
def nation(db, clock):
    current = Structure.CURRENT
    vn = Unit.objects.create(structure=current, code="VN", name="Việt Nam", level=Level.COUNTRY)
    ls = Unit.objects.create(structure=current, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE, parent=vn)
    cb = Unit.objects.create(structure=current, code="04", name="Tỉnh Cao Bằng", level=Level.PROVINCE, parent=vn)
    bridge = Bridge.objects.create(name="MCU trung ương", ports=200)
    hall = make_endpoint(vn, "Hội trường Chính phủ", bridge=bridge)
    rooms = {}
    for province, prefix, count in ((ls, "20", 4), (cb, "04", 6)):
        rooms[province.code] = []
        for i in range(count):
            commune = Unit.objects.create(
                structure=current,
                code=f"{prefix}{i:03d}",
                name=f"Xã {prefix}-{i}",
                level=Level.COMMUNE,
                parent=province,
            )
            rooms[province.code].append(make_endpoint(commune, f"UBND xã {prefix}-{i}", bridge=bridge))
    government = make_user("vpcp", Role.STAFF, vn)
    # Lạng Sơn's fourth commune room is not in the meeting: the one a swap brings in.
    booked = [*rooms["20"][:3], *rooms["04"]]
    start = clock.now() + timedelta(hours=2)
    meeting = orm_meeting(
        None, government, start, 120, host=hall, endpoints=booked, title="Hội nghị toàn quốc", bridge=bridge
    )
    operator = make_user("kythuat_ls0", Role.OPERATOR, rooms["20"][0].unit)
    rooms["20"][0].operators.add(operator)
    return SimpleNamespace(
        vn=vn,
        ls=ls,
        cb=cb,
        hall=hall,
        ls_rooms=rooms["20"],
        cb_rooms=rooms["04"],
        meeting=meeting,
        government=government,
        staff=make_user("vanphong_ls", Role.STAFF, ls),
        leader=make_user("lanhdao_ls", Role.LEADER, ls),
        operator=operator,
    )


def booked_ids(meeting: Meeting) -> list[int]:
    return sorted(Participation.objects.filter(meeting=meeting, active=True).values_list("endpoint_id", flat=True))


def row_ids(body: dict) -> set[int]:
    return {row["endpoint"] for row in body["endpoints"]}


class TestWhatAProvinceSees:
    def test_its_staff_leader_and_operator_see_its_rooms_only(self, nation, api):
        mine = {e.pk for e in nation.ls_rooms[:3]}
        for user in (nation.staff, nation.leader):
            response = api(user).get(f"/api/meetings/{nation.meeting.pk}/attendance/")
            assert response.status_code == 200
            assert row_ids(response.json()) == mine
            assert response.json()["totals"]["endpoints"] == 3
        operator_view = api(nation.operator).get(f"/api/meetings/{nation.meeting.pk}/attendance/").json()
        assert row_ids(operator_view) == {nation.ls_rooms[0].pk}

    def test_the_government_sees_every_room_and_one_line_per_province(self, nation, api):
        body = api(nation.government).get(f"/api/meetings/{nation.meeting.pk}/attendance/").json()
        assert len(body["endpoints"]) == 10
        lines = {line["province"]: line["endpoints"] for line in body["provinces"]}
        assert lines == {"04": 6, "20": 3, "VN": 1}
        assert {row["province"] for row in body["endpoints"]} == {"04", "20", "VN"}

    def test_unit_narrows_to_that_province(self, nation, api):
        body = api(nation.government).get(f"/api/meetings/{nation.meeting.pk}/attendance/?unit=04").json()
        assert row_ids(body) == {e.pk for e in nation.cb_rooms}
        assert [line["province"] for line in body["provinces"]] == ["04"]

    def test_a_province_asking_for_the_nation_gets_its_part(self, nation, api):
        body = api(nation.staff).get(f"/api/meetings/{nation.meeting.pk}/attendance/?unit=VN").json()
        assert row_ids(body) == {e.pk for e in nation.ls_rooms[:3]}

    def test_a_province_asking_for_another_is_refused(self, nation, api):
        response = api(nation.staff).get(f"/api/meetings/{nation.meeting.pk}/attendance/?unit=04")
        assert response.status_code == 403
        assert len(response.content) < SHORT

    def test_an_unknown_unit_is_a_400(self, nation, api):
        response = api(nation.staff).get(f"/api/meetings/{nation.meeting.pk}/attendance/?unit=nope")
        assert response.status_code == 400
        assert "unit" in response.json()

    def test_the_meeting_is_listed_and_readable(self, nation, api):
        assert api(nation.staff).get(f"/api/meetings/{nation.meeting.pk}/").status_code == 200
        listed = api(nation.staff).get(f"/api/meetings/?endpoint={nation.ls_rooms[0].pk}").json()
        assert nation.meeting.pk in {m["id"] for m in listed["results"]}


class TestWhatAProvinceMayDo:
    def test_its_staff_withdraw_one_of_their_rooms(self, nation, api):
        withdrawn = nation.ls_rooms[2]
        keep = [e.pk for e in nation.ls_rooms[:2]]
        response = api(nation.staff).patch(f"/api/meetings/{nation.meeting.pk}/", {"endpoints": keep}, format="json")
        assert response.status_code == 200
        assert withdrawn.pk not in booked_ids(nation.meeting)
        # The other province's rooms and the host stay.
        assert set(booked_ids(nation.meeting)) >= {nation.hall.pk, *(e.pk for e in nation.cb_rooms)}
        assert len(booked_ids(nation.meeting)) == 9

    def test_its_staff_swap_a_room_for_another_of_theirs(self, nation, api):
        new = [nation.ls_rooms[0].pk, nation.ls_rooms[1].pk, nation.ls_rooms[3].pk]
        response = api(nation.staff).patch(f"/api/meetings/{nation.meeting.pk}/", {"endpoints": new}, format="json")
        assert response.status_code == 200
        booked = booked_ids(nation.meeting)
        assert nation.ls_rooms[3].pk in booked and nation.ls_rooms[2].pk not in booked
        assert len(booked) == 10

    def test_adding_a_room_of_another_province_is_refused_briefly(self, nation, api):
        before = booked_ids(nation.meeting)
        outsider = make_endpoint(nation.cb, "UBND tỉnh Cao Bằng")
        asked = [e.pk for e in nation.ls_rooms[:3]] + [outsider.pk]
        response = api(nation.staff).patch(f"/api/meetings/{nation.meeting.pk}/", {"endpoints": asked}, format="json")
        assert response.status_code == 403
        assert len(response.content) < SHORT and "Cao Bằng" in response.json()["detail"]
        assert booked_ids(nation.meeting) == before

    @pytest.mark.parametrize(
        "change",
        [
            {"title": "Đổi tên"},
            {"start": "2026-03-11T09:00:00"},
            {"endpoints": [], "scope": "following"},
        ],
    )
    def test_changing_what_is_not_theirs_is_refused_briefly(self, nation, api, change):
        before = (booked_ids(nation.meeting), Meeting.objects.values_list("title", "start", "sequence").get())
        response = api(nation.staff).patch(f"/api/meetings/{nation.meeting.pk}/", change, format="json")
        assert response.status_code == 403
        assert len(response.content) < SHORT
        assert "điểm cầu khác" in response.json()["detail"]
        assert (booked_ids(nation.meeting), Meeting.objects.values_list("title", "start", "sequence").get()) == before

    def test_cancelling_a_national_meeting_is_refused_briefly(self, nation, api):
        response = api(nation.staff).post(f"/api/meetings/{nation.meeting.pk}/cancel/", {}, format="json")
        assert response.status_code == 403
        assert len(response.content) < SHORT
        assert Meeting.objects.get().status == "scheduled"

    def test_a_leader_may_not_change_it(self, nation, api):
        before = booked_ids(nation.meeting)
        response = api(nation.leader).patch(f"/api/meetings/{nation.meeting.pk}/", {"endpoints": []}, format="json")
        assert response.status_code == 403
        assert booked_ids(nation.meeting) == before

    def test_the_operator_checks_in_their_room(self, nation, api, clock):
        clock.advance(minutes=110)
        room = nation.ls_rooms[0]
        body = {"endpoint": room.pk, "kind": "in", "attendees": 8, "client_id": "7d1c4c1e-1111-4a4a-9a9a-000000000001"}
        response = api(nation.operator).post(f"/api/meetings/{nation.meeting.pk}/checkins/", body, format="json")
        assert response.status_code == 201

    def test_the_government_still_changes_the_whole_meeting(self, nation, api):
        response = api(nation.government).patch(
            f"/api/meetings/{nation.meeting.pk}/", {"title": "Hội nghị trực tuyến toàn quốc"}, format="json"
        )
        assert response.status_code == 200
        assert Meeting.objects.get().title == "Hội nghị trực tuyến toàn quốc"


# --- the socket -------------------------------------------------------------------------------


async def socket_for(user, meeting_id: int, query: str = "") -> WebsocketCommunicator:
    key = (await database_sync_to_async(Token.objects.get_or_create)(user=user))[0].key
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{meeting_id}/?token={key}{query}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_province_socket_shows_its_part_and_deltas_of_its_rooms_only(nation, clock):
    from rooms.services.attendance import record_checkin

    clock.advance(minutes=110)
    communicator = await socket_for(nation.staff, nation.meeting.pk)
    board = LiveBoard(communicator)
    first = await board.next()
    assert first["type"] == "attendance" and row_ids(first) == {e.pk for e in nation.ls_rooms[:3]}

    cb_operator = await database_sync_to_async(make_user)("kythuat_cb0", Role.OPERATOR, nation.cb_rooms[0].unit)
    await database_sync_to_async(nation.cb_rooms[0].operators.add)(cb_operator)
    await database_sync_to_async(record_checkin)(
        user=cb_operator,
        meeting=nation.meeting,
        endpoint=nation.cb_rooms[0],
        kind="in",
        attendees=5,
        client_id="7d1c4c1e-1111-4a4a-9a9a-000000000002",
    )
    await database_sync_to_async(record_checkin)(
        user=nation.operator,
        meeting=nation.meeting,
        endpoint=nation.ls_rooms[0],
        kind="in",
        attendees=7,
        client_id="7d1c4c1e-1111-4a4a-9a9a-000000000003",
    )
    deltas = []
    while not any(row["endpoint"] == nation.ls_rooms[0].pk for d in deltas for row in d["endpoints"]):
        await board.next()
        deltas.append(board.messages[-1])
    assert all(m["type"] == "attendance.delta" for m in deltas)
    # Only Lạng Sơn's row travels to Lạng Sơn: never Cao Bằng's.
    assert {row["endpoint"] for d in deltas for row in d["endpoints"]} == {nation.ls_rooms[0].pk}
    assert board.board["totals"]["attended"] == 1 and board.board["totals"]["endpoints"] == 3
    assert max(len(m) for m in map(str, deltas)) < 2048

    await communicator.send_to(text_data='{"type": "resync"}')
    whole = await board.next()
    assert board.messages[-1]["type"] == "attendance"
    assert row_ids(whole) == {e.pk for e in nation.ls_rooms[:3]}
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_socket_narrows_to_a_unit_and_refuses_unknown_or_foreign_ones(nation):
    communicator = await socket_for(nation.government, nation.meeting.pk, "&unit=04")
    first = await LiveBoard(communicator).next()
    assert row_ids(first) == {e.pk for e in nation.cb_rooms}
    await communicator.disconnect()
    for user, query, code in (
        (nation.government, "&unit=nope", consumers.CLOSE_BAD_UNIT),
        (nation.staff, "&unit=04", consumers.CLOSE_FORBIDDEN),
    ):
        communicator = await socket_for(user, nation.meeting.pk, query)
        output = await communicator.receive_output(timeout=3)
        assert output["type"] == "websocket.close" and output["code"] == code


def test_the_meeting_page_sums_up_the_provinces_part_only(nation, client):
    client.force_login(nation.staff)
    response = client.get(f"/lich-hop/{nation.meeting.pk}/")
    assert response.status_code == 200
    assert response.context["attendance"].totals.endpoints == 3
    client.force_login(nation.government)
    assert client.get(f"/lich-hop/{nation.meeting.pk}/").context["attendance"].totals.endpoints == 10
