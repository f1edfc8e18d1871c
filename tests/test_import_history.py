"""Backfill of past meetings: all rows or none, errors named by row and column, re-import adds nothing."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from rooms.models import CheckIn, Meeting, Participation

pytestmark = pytest.mark.django_db
HEADER = "meeting_ref,title,start,end,host_endpoint,endpoint,attendees\n"


def history(province) -> str:
    host = f"id:{province.host.pk}"
    return HEADER + "".join(
        [
            f"gb-2015-03-02,Giao ban tuần,2015-03-02T07:30,2015-03-02T09:30,{host},{host},25\n",
            f"gb-2015-03-02,Giao ban tuần,2015-03-02T07:30,2015-03-02T09:30,{host},178,6\n",
            f"gb-2015-03-02,Giao ban tuần,2015-03-02T07:30,2015-03-02T09:30,{host},180,\n",
            f"gb-2015-03-09,Giao ban tuần,2015-03-09T07:30,2015-03-09T09:30,{host},178,4\n",
            f"gb-2015-03-09,Giao ban tuần,2015-03-09T07:30,2015-03-09T09:30,{host},id:{province.ep_c3.pk},3\n",
        ]
    )


def upload(client, text: str):
    data = {"file": SimpleUploadedFile("lich-su.csv", text.encode("utf-8-sig"))}
    return client.post("/api/history/import/", data, format="multipart")


def counts() -> tuple[int, int, int]:
    return Meeting.objects.count(), Participation.objects.count(), CheckIn.objects.count()


def test_an_administrator_imports_past_meetings_with_head_counts(api, admin_user, province, clock):
    response = upload(api(admin_user), history(province))
    assert response.status_code == 201, response.json()
    assert response.json() == {"meetings": 2, "participations": 6, "checkins": 8, "skipped_meetings": 0}
    meeting = Meeting.objects.get(uid="gb-2015-03-02")
    assert meeting.imported and meeting.organizer == admin_user
    assert meeting.start == datetime(2015, 3, 2, 0, 30, tzinfo=UTC)  # 07:30 in Hanoi
    parts = {p.endpoint_id: p for p in meeting.participations.all()}
    assert parts[province.host.pk].is_host and parts[province.ep_d2.pk].active
    assert parts[province.ep_d2.pk].start == meeting.start
    # Cao Lộc was invited but never connected: a participation and no check-in.
    assert not CheckIn.objects.filter(meeting=meeting, endpoint=province.ep_d2).exists()
    check_in = CheckIn.objects.get(meeting=meeting, endpoint=province.ep_d1, kind="in")
    assert check_in.attendees == 6 and check_in.at == meeting.start
    assert CheckIn.objects.get(meeting=meeting, endpoint=province.ep_d1, kind="out").at == meeting.end


def test_the_imported_history_counts_in_the_savings_report(api, admin_user, leader, province, clock):
    province.ep_d1.road_km = 40
    province.ep_d1.save()
    upload(api(admin_user), history(province))
    body = api(leader).get("/api/reports/savings/", {"group_by": "meeting"}).json()
    # March 2015: Circular 97/2010 (3,280 VND/km, per diem 150,000): 6 people in Văn Lãng, of whom
    # the default delegation of 3 would have travelled: 3 × (80 × 3,280 + 150,000).
    assert body["rows"][0]["money_vnd"] == 3 * (80 * 3280 + 150_000)
    assert body["cost_models"][0]["effective_from"] == "2010-08-20"


def test_importing_the_same_file_again_adds_nothing(api, admin_user, province, clock):
    upload(api(admin_user), history(province))
    before = counts()
    again = upload(api(admin_user), history(province))
    assert again.status_code == 201
    assert again.json() == {"meetings": 0, "participations": 0, "checkins": 0, "skipped_meetings": 2}
    assert counts() == before


def test_one_bad_row_refuses_the_whole_file_and_names_row_and_column(api, admin_user, province, clock):
    text = history(province).replace(",6\n", ",six\n").replace("2015-03-09T09:30", "2015-03-09T07:00", 1)
    text += "x,Họp,2015-04-01T08:00,2015-04-01T09:00,99999,id:999999,3\n"
    text += "y,Họp,2030-01-01T08:00,2030-01-01T09:00,178,180,3\n"
    response = upload(api(admin_user), text)
    assert response.status_code == 400
    errors = {entry["row"]: entry["errors"] for entry in response.json()["rows"]}
    assert set(errors[3]) == {"attendees"}
    assert "end" in errors[5]  # ends before it starts
    assert set(errors[7]) == {"host_endpoint", "endpoint"}  # no such unit, no such id
    assert "end" in errors[8]  # not over yet: only past meetings are imported
    assert counts() == (0, 0, 0)


def test_rows_of_one_meeting_must_agree_and_not_repeat_an_endpoint(api, admin_user, province, clock):
    text = history(province) + (
        f"gb-2015-03-09,Khác,2015-03-09T07:30,2015-03-09T09:30,id:{province.host.pk},180,3\n"
        f"gb-2015-03-09,Giao ban tuần,2015-03-09T07:30,2015-03-09T09:30,id:{province.host.pk},178,3\n"
    )
    errors = {e["row"]: e["errors"] for e in upload(api(admin_user), text).json()["rows"]}
    assert "title" in errors[7]
    assert "endpoint" in errors[8]
    assert counts() == (0, 0, 0)


def test_an_endpoint_already_in_a_meeting_at_that_time_is_a_row_error(api, admin_user, province, clock, held_meeting):
    held_meeting(start=datetime(2015, 3, 9, 1, 0, tzinfo=UTC), endpoints=[province.ep_c3])
    overlapping = history(province) + (
        f"other,Họp khác,2015-03-02T09:00,2015-03-02T10:00,id:{province.ep_d1.pk},id:{province.ep_c1.pk},3\n"
    )
    errors = {e["row"]: e["errors"] for e in upload(api(admin_user), overlapping).json()["rows"]}
    # Row 6 (host of "other") overlaps row 3's meeting at Văn Lãng; rows 5/6 of the 9 March
    # meeting overlap the meeting already booked for the province hall and Thụy Hùng.
    assert "host_endpoint" in errors[7]
    assert "endpoint" in errors[6]
    assert counts() == (1, 2, 0)


def test_an_ambiguous_unit_code_asks_for_the_endpoint_id(api, admin_user, province, clock):
    from tests.conftest import make_endpoint

    make_endpoint(province.d1, "Phòng họp 2 huyện Văn Lãng")
    errors = upload(api(admin_user), history(province)).json()["rows"]
    assert errors[0]["row"] == 3 and "id:" in errors[0]["errors"]["endpoint"][0]


def test_only_administrators_import(api, staff, leader, province, clock):
    for user in (staff, leader):
        assert upload(api(user), history(province)).status_code == 403
    assert counts() == (0, 0, 0)


def test_a_file_that_is_not_csv_is_refused(api, admin_user, province, clock):
    assert upload(api(admin_user), "name,seats\nx,1\n").status_code == 400
    assert api(admin_user).post("/api/history/import/", {}, format="multipart").status_code == 400


def test_the_upload_page_imports_and_lists_errors(admin_user, staff, province, clock):
    client = Client()
    client.force_login(admin_user)
    assert client.get("/bao-cao/nhap-lich-su/").status_code == 200
    bad = client.post("/bao-cao/nhap-lich-su/", {"file": SimpleUploadedFile("h.csv", b"meeting_ref\n")})
    assert bad.status_code == 400
    wrong_row = history(province).replace(",6\n", ",-1\n")
    page = client.post("/bao-cao/nhap-lich-su/", {"file": SimpleUploadedFile("h.csv", wrong_row.encode())})
    assert page.status_code == 400
    assert "attendees" in page.content.decode()
    done = client.post("/bao-cao/nhap-lich-su/", {"file": SimpleUploadedFile("h.csv", history(province).encode())})
    assert done.status_code == 302
    assert Meeting.objects.count() == 2
    other = Client()
    other.force_login(staff)
    assert other.get("/bao-cao/nhap-lich-su/").status_code == 403


def test_the_command_imports_a_file_and_reports_bad_rows(admin_user, province, clock, tmp_path):
    path = tmp_path / "lich-su.csv"
    path.write_text(history(province).replace(",6\n", ",six\n"), encoding="utf-8")
    with pytest.raises(CommandError, match="Dòng 3"):
        call_command("import_history", str(path))
    assert counts() == (0, 0, 0)
    path.write_text(history(province), encoding="utf-8")
    out = io.StringIO()
    call_command("import_history", str(path), stdout=out)
    assert "2 cuộc họp" in out.getvalue()
    call_command("import_history", str(path), stdout=out)
    assert Meeting.objects.count() == 2


def test_a_room_carried_onto_the_current_tree_is_found_by_its_legacy_commune(api, admin_user, province, clock):
    from rooms.models import Level, Structure, Unit
    from tests.conftest import make_endpoint

    old = Unit.objects.create(
        structure=Structure.LEGACY, code="06301", name="Xã Cũ", level=Level.COMMUNE, parent=province.d2
    )
    new_province = Unit.objects.create(
        structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE
    )
    new = Unit.objects.create(
        structure=Structure.CURRENT, code="06301", name="Xã Mới", level=Level.COMMUNE, parent=new_province
    )
    room = make_endpoint(new, legacy_unit=old)
    text = HEADER + f"m1,Họp,2015-03-02T07:30,2015-03-02T09:30,id:{province.host.pk},06301,4\n"
    assert upload(api(admin_user), text).status_code == 201
    assert CheckIn.objects.get(kind="in").endpoint == room


@pytest.mark.parametrize(("column", "value"), [("attendees", "²"), ("endpoint", "id:²")])
def test_a_superscript_digit_is_a_row_error_not_a_crash(api, admin_user, province, clock, column, value):
    host = f"id:{province.host.pk}"
    cells = {"endpoint": "178", "attendees": "6", column: value}
    text = HEADER + f"gb-1,Giao ban,2015-03-02T07:30,2015-03-02T09:30,{host},{cells['endpoint']},{cells['attendees']}\n"
    response = upload(api(admin_user), text)
    assert response.status_code == 400
    assert column in response.json()["rows"][0]["errors"]
    assert counts() == (0, 0, 0)
