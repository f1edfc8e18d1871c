"""Booking as offices think: by former district (the legacy tree), by saved endpoint groups, with
names shown as written and searches that ignore accents."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from rooms.models import EndpointGroup, EndpointStatus, Level, Meeting, Participation, Structure, Unit
from tests.conftest import make_endpoint, make_user

pytestmark = pytest.mark.django_db
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int) -> str:
    return datetime(2026, 3, day, hour, tzinfo=HANOI).isoformat()


@pytest.fixture
def today(province: SimpleNamespace) -> SimpleNamespace:
    """Today's tree over the legacy fixture: the legacy rooms were carried onto the new communes
    (retired where they stood), each serving the former commune it came from."""
    current = Structure.CURRENT
    p = Unit.objects.create(structure=current, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE)
    dong_dang = Unit.objects.create(structure=current, code="06300", name="Xã Đồng Đăng", level=Level.COMMUNE, parent=p)
    hoang_van_thu = Unit.objects.create(
        structure=current, code="06290", name="Xã Hoàng Văn Thụ", level=Level.COMMUNE, parent=p
    )
    for old in (province.ep_d1, province.ep_d2, province.ep_c1, province.ep_c2, province.ep_c3):
        old.status = EndpointStatus.RETIRED
        old.save()
    thuy_hung = make_endpoint(dong_dang, "UBND xã Đồng Đăng (Thụy Hùng cũ)", legacy_unit=province.c3)
    cao_loc = make_endpoint(dong_dang, "Hội trường huyện Cao Lộc cũ", legacy_unit=province.d2)
    tan_thanh = make_endpoint(hoang_van_thu, "UBND xã Hoàng Văn Thụ (Tân Thanh cũ)", legacy_unit=province.c1)
    province.host.legacy_unit = province.unit
    province.host.unit = p
    province.host.save()
    staff = make_user("vanphong_tinh", "staff", p, email="lan@example.vn")
    staff.profile.full_name = "Nguyễn Thị Lan"
    staff.profile.save()
    commune_staff = make_user("vanphong_dongdang", "staff", dong_dang)
    return SimpleNamespace(
        unit=p,
        dong_dang=dong_dang,
        thuy_hung=thuy_hung,
        cao_loc=cao_loc,
        tan_thanh=tan_thanh,
        staff=staff,
        commune_staff=commune_staff,
    )


def booking(province: SimpleNamespace, **extra: object) -> dict:
    return {"title": "Giao ban huyện cũ", "start": at(3, 9), "end": at(3, 10), "host": province.host.pk, **extra}


# ------------------------------------------------------------------ former districts


def test_the_api_books_every_current_room_of_a_former_district(api, province, today, clock):
    response = api(today.staff).post(
        "/api/meetings/", booking(province, units=["180"], unit_structure="legacy"), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["endpoints"] == sorted([today.thuy_hung.pk, today.cao_loc.pk])


def test_the_legacy_tree_of_the_booking_form_offers_the_current_rooms(client, province, today, clock):
    client.force_login(today.staff)
    page = client.get("/lich-hop/dat-lich/?structure=legacy").content.decode()
    assert "Huyện Cao Lộc" in page
    assert "UBND xã Đồng Đăng (Thụy Hùng cũ)" in page
    assert f'name="units" value="{province.d2.pk}"' in page


def test_the_legacy_tree_is_not_empty_for_the_administrator(client, province, today, admin_user, clock):
    client.force_login(admin_user)
    page = client.get("/lich-hop/dat-lich/?structure=legacy").content.decode()
    assert "Hội trường huyện Cao Lộc cũ" in page


def test_ticking_a_former_district_books_its_rooms(client, province, today, clock):
    client.force_login(today.staff)
    form = {
        "title": "Giao ban Cao Lộc",
        "host": province.host.pk,
        "day": "2026-03-03",
        "start_time": "09:00",
        "end_time": "10:00",
        "structure": "legacy",
        "units": [province.d2.pk],
        "action": "book",
    }
    response = client.post("/lich-hop/dat-lich/", form)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert set(meeting.participations.filter(is_host=False).values_list("endpoint_id", flat=True)) == {
        today.thuy_hung.pk,
        today.cao_loc.pk,
    }


def test_a_former_district_with_rooms_outside_the_scope_cannot_be_ticked_whole(client, province, today, clock):
    client.force_login(today.commune_staff)
    page = client.get("/lich-hop/dat-lich/?structure=legacy").content.decode()
    assert "UBND xã Đồng Đăng (Thụy Hùng cũ)" in page
    # Văn Lãng's room is in Hoàng Văn Thụ, outside Đồng Đăng: the province cannot be ticked whole.
    assert f'name="units" value="{province.unit.pk}"' not in page
    assert f'name="units" value="{province.d2.pk}"' in page


# ------------------------------------------------------------------ endpoint groups


def test_staff_save_a_group_and_book_it_in_one_tick(api, province, today, clock):
    client = api(today.staff)
    created = client.post(
        "/api/endpoint-groups/",
        {"name": "Các xã biên giới", "endpoints": [today.thuy_hung.pk, today.tan_thanh.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    group = created.json()
    assert group["owner"] == "vanphong_tinh"
    assert group["endpoints"] == sorted([today.thuy_hung.pk, today.tan_thanh.pk])
    response = client.post("/api/meetings/", booking(province, groups=[group["id"]]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["endpoints"] == sorted([today.thuy_hung.pk, today.tan_thanh.pk])


def test_an_unknown_group_is_a_400_and_books_nothing(api, province, today, clock):
    response = api(today.staff).post("/api/meetings/", booking(province, groups=[999]), format="json")
    assert response.status_code == 400
    assert "groups" in response.json()
    assert not Meeting.objects.exists()
    assert not Participation.objects.exists()


def test_a_group_name_is_unique_whatever_the_case(api, province, today, clock):
    client = api(today.staff)
    first = {"name": "Khối huyện cũ Cao Lộc", "endpoints": [today.cao_loc.pk]}
    assert client.post("/api/endpoint-groups/", first, format="json").status_code == 201
    again = client.post(
        "/api/endpoint-groups/", {"name": "khối huyện cũ cao lộc", "endpoints": [today.cao_loc.pk]}, format="json"
    )
    assert again.status_code == 400
    assert "name" in again.json()
    assert EndpointGroup.objects.count() == 1


def test_a_group_with_a_room_outside_the_scope_is_refused(api, province, today, clock):
    response = api(today.commune_staff).post(
        "/api/endpoint-groups/", {"name": "Cả tỉnh", "endpoints": [today.tan_thanh.pk]}, format="json"
    )
    assert response.status_code == 403
    assert not EndpointGroup.objects.exists()


def test_staff_see_only_the_groups_whose_rooms_they_may_book(api, province, today, clock):
    wide = EndpointGroup.objects.create(name="Cả tỉnh", owner=today.staff)
    wide.endpoints.set([today.thuy_hung, today.tan_thanh])
    near = EndpointGroup.objects.create(name="Đồng Đăng", owner=today.staff)
    near.endpoints.set([today.thuy_hung])
    listed = api(today.commune_staff).get("/api/endpoint-groups/").json()["results"]
    assert [g["name"] for g in listed] == ["Đồng Đăng"]


def test_only_the_owner_changes_or_deletes_a_group(api, province, today, clock):
    group = EndpointGroup.objects.create(name="Đồng Đăng", owner=today.staff)
    group.endpoints.set([today.thuy_hung])
    other = api(today.commune_staff)
    assert other.patch(f"/api/endpoint-groups/{group.pk}/", {"name": "Khác"}, format="json").status_code == 403
    assert other.delete(f"/api/endpoint-groups/{group.pk}/").status_code == 403
    group.refresh_from_db()
    assert group.name == "Đồng Đăng"
    owner = api(today.staff)
    changed = owner.patch(f"/api/endpoint-groups/{group.pk}/", {"endpoints": [today.cao_loc.pk]}, format="json")
    assert changed.status_code == 200
    assert changed.json()["endpoints"] == [today.cao_loc.pk]
    assert owner.delete(f"/api/endpoint-groups/{group.pk}/").status_code == 204
    assert not EndpointGroup.objects.exists()


def test_the_booking_form_books_a_ticked_group(client, province, today, clock):
    group = EndpointGroup.objects.create(name="Các xã biên giới", owner=today.staff)
    group.endpoints.set([today.thuy_hung, today.tan_thanh])
    client.force_login(today.staff)
    assert "Các xã biên giới" in client.get("/lich-hop/dat-lich/").content.decode()
    form = {
        "title": "Phòng chống bão",
        "host": province.host.pk,
        "day": "2026-03-03",
        "start_time": "09:00",
        "end_time": "10:00",
        "groups": [group.pk],
        "action": "book",
    }
    assert client.post("/lich-hop/dat-lich/", form).status_code == 302
    assert Meeting.objects.get().participations.filter(is_host=False).count() == 2


def test_the_groups_page_saves_a_group_and_refuses_one_without_rooms(client, province, today, clock):
    client.force_login(today.staff)
    assert client.get("/nhom-diem-cau/").status_code == 200
    refused = client.post("/nhom-diem-cau/", {"name": "Trống"})
    assert refused.status_code == 400
    assert not EndpointGroup.objects.exists()
    saved = client.post("/nhom-diem-cau/", {"name": "Biên giới", "endpoints": [today.thuy_hung.pk]})
    assert saved.status_code == 302
    assert list(EndpointGroup.objects.values_list("name", flat=True)) == ["Biên giới"]


# ------------------------------------------------------------------ names and searches


def test_the_header_and_the_meeting_page_show_the_name_as_written(api, client, province, today, clock):
    meeting = api(today.staff).post("/api/meetings/", booking(province, endpoints=[today.cao_loc.pk]), format="json")
    client.force_login(today.staff)
    page = client.get(f"/lich-hop/{meeting.json()['id']}/").content.decode()
    assert page.count("Nguyễn Thị Lan") >= 2  # the header and "Người đặt"


def test_unit_search_ignores_accents_and_case(api, province, today, clock):
    found = api(today.staff).get("/api/units/?search=CAO loc").json()["results"]
    assert [u["name"] for u in found] == ["Huyện Cao Lộc"]
    found = api(today.staff).get("/api/units/?search=dong dang").json()["results"]
    assert [u["name"] for u in found] == ["Xã Đồng Đăng"]


def test_endpoint_search_ignores_accents_and_case(api, province, today, clock):
    found = api(today.staff).get("/api/endpoints/?search=thuy hung").json()["results"]
    assert [e["name"] for e in found] == ["UBND xã Đồng Đăng (Thụy Hùng cũ)", "UBND Xã Thụy Hùng"]


def test_an_unknown_unit_structure_is_a_400_and_books_nothing(api, province, today, clock):
    response = api(today.staff).post(
        "/api/meetings/", booking(province, units=["180"], unit_structure="old"), format="json"
    )
    assert response.status_code == 400
    assert "unit_structure" in response.json()
    assert not Meeting.objects.exists()
