"""The booking form at national size: provinces folded (one box books a whole province, a
fragment opens it), a host search instead of thousands of options, and a refusal by thousands
of rooms summed up per province with every conflict as CSV."""

import csv
import io
from types import SimpleNamespace

import pytest

from rooms.models import Endpoint, EndpointStatus, Level, Meeting, Participation, Structure, Unit
from rooms.views.booking_tree import LARGE_TREE
from tests.conftest import make_endpoint, make_user

pytestmark = pytest.mark.django_db
COMMUNES = 150  # three provinces of 150: past LARGE_TREE, so the national form folds


@pytest.fixture
def country(db: None) -> SimpleNamespace:
    current = Structure.CURRENT
    vn = Unit.objects.create(structure=current, code="VN", name="Việt Nam", level=Level.COUNTRY)
    hall = make_endpoint(vn, "Hội trường Chính phủ")
    provinces, halls = [], []
    for index, name in enumerate(["Tỉnh Lạng Sơn", "Tỉnh Cao Bằng", "Thành phố Hà Nội"]):
        province = Unit.objects.create(
            structure=current, code=f"{20 + index}", name=name, level=Level.PROVINCE, parent=vn
        )
        halls.append(make_endpoint(province, f"Hội trường UBND {name.lower()}"))
        communes = Unit.objects.bulk_create(
            Unit(
                structure=current,
                code=f"{index}{n:04d}",
                name=f"Xã Số {n} {name[5:]}",
                level=Level.COMMUNE,
                parent=province,
            )
            for n in range(COMMUNES)
        )
        Endpoint.objects.bulk_create(
            Endpoint(unit=c, name=f"UBND {c.name}", status=EndpointStatus.IN_SERVICE) for c in communes
        )
        provinces.append(province)
    dong_kinh = Unit.objects.get(code="00007")
    Endpoint.objects.filter(unit=dong_kinh).update(name="Điểm cầu phường Đông Kinh")
    assert Endpoint.objects.count() > LARGE_TREE
    return SimpleNamespace(
        vn=vn,
        hall=hall,
        provinces=provinces,
        halls=halls,
        staff=make_user("chinhphu", "staff", vn),
        province_staff=make_user("vanphong_caobang", "staff", provinces[1]),
    )


def form(country: SimpleNamespace, **fields: object) -> dict:
    return {
        "title": "Hội nghị trực tuyến toàn quốc",
        "host": country.hall.pk,
        "day": "2026-03-03",
        "start_time": "14:00",
        "end_time": "16:30",
        "action": "book",
        **fields,
    }


def test_the_national_form_folds_the_provinces_and_lists_only_the_halls_as_hosts(client, country, clock):
    client.force_login(country.staff)
    page = client.get("/lich-hop/dat-lich/").content.decode()
    assert len(page.encode()) < 60_000
    assert page.count("data-lazy-unit=") == 3
    assert 'name="endpoints"' not in page.replace(f'name="endpoints" value="{country.hall.pk}"', "")
    for province in country.provinces:
        assert f'name="units" value="{province.pk}"' in page
        assert f"/lich-hop/cay-don-vi/{province.pk}/" in page
    assert "tất cả 151 điểm cầu" in page  # its communes and its hall
    # The host list: the Government's and the provinces' halls, not 454 options.
    assert page.count("<option") < 20
    assert f'<option value="{country.halls[2].pk}"' in page
    assert "data-host-search=" in page


def test_one_province_s_fragment_lists_its_rooms_and_no_others(client, country, clock):
    client.force_login(country.staff)
    cao_bang = country.provinces[1]
    response = client.get(f"/lich-hop/cay-don-vi/{cao_bang.pk}/")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.count('name="endpoints"') == COMMUNES + 1  # its communes and its hall
    assert "Cao Bằng" in fragment and "Lạng Sơn" not in fragment and "<html" not in fragment


def test_a_fragment_outside_the_tree_or_for_a_non_staff_user_is_a_404(client, country, clock):
    client.force_login(country.staff)
    assert client.get("/lich-hop/cay-don-vi/999999/").status_code == 404
    client.force_login(make_user("lanhdao", "leader", country.vn))
    assert client.get(f"/lich-hop/cay-don-vi/{country.provinces[0].pk}/").status_code == 404


def test_the_host_search_ignores_accents_and_case_and_keeps_to_the_scope(client, country, clock):
    client.force_login(country.staff)
    found = client.get("/lich-hop/tim-diem-cau/", {"q": "DONG kinh"}).json()["results"]
    assert [row["name"] for row in found] == ["Điểm cầu phường Đông Kinh"]
    words = client.get("/lich-hop/tim-diem-cau/", {"q": "hoi truong ha noi"}).json()["results"]
    assert [row["name"] for row in words] == ["Hội trường UBND thành phố hà nội"]
    assert client.get("/lich-hop/tim-diem-cau/", {"q": ""}).json()["results"] == []
    client.force_login(country.province_staff)
    assert client.get("/lich-hop/tim-diem-cau/", {"q": "dong kinh"}).json()["results"] == []


def test_a_host_found_by_search_is_accepted_though_not_listed(client, country, clock):
    client.force_login(country.staff)
    room = Endpoint.objects.get(name="Điểm cầu phường Đông Kinh")
    response = client.post("/lich-hop/dat-lich/", form(country, host=room.pk, endpoints=[country.halls[0].pk]))
    assert response.status_code == 302
    assert Meeting.objects.get().host == room


def test_one_tick_books_every_commune_of_a_province(client, country, clock):
    client.force_login(country.staff)
    response = client.post("/lich-hop/dat-lich/", form(country, units=[country.provinces[1].pk]))
    assert response.status_code == 302
    booked = Participation.objects.filter(meeting=Meeting.objects.get(), is_host=False)
    assert booked.count() == COMMUNES + 1
    assert set(booked.values_list("endpoint__unit__parent", flat=True)) - {country.vn.pk} == {country.provinces[1].pk}


def test_without_javascript_a_folded_province_opens_by_posting_the_form_back(client, country, clock):
    client.force_login(country.staff)
    lang_son, cao_bang = country.provinces[0], country.provinces[1]
    posted = form(country, title="Đã gõ", open_unit=cao_bang.pk, opened=[lang_son.pk], units=[country.provinces[2].pk])
    page = client.post("/lich-hop/dat-lich/", posted).content.decode()
    assert 'value="Đã gõ"' in page
    assert page.count("data-lazy-unit=") == 1  # Hà Nội stays folded, ticked
    assert f'name="opened" value="{cao_bang.pk}"' in page and f'name="opened" value="{lang_son.pk}"' in page
    assert f'name="units" value="{country.provinces[2].pk}" data-select-below checked' in page
    assert not Meeting.objects.exists()


def test_a_ticked_room_keeps_its_province_open_when_the_page_comes_back(client, country, clock):
    client.force_login(country.staff)
    room = Endpoint.objects.filter(unit__parent=country.provinces[1]).order_by("pk").first()
    page = client.post("/lich-hop/dat-lich/", form(country, endpoints=[room.pk], action="check")).content.decode()
    assert f'name="endpoints" value="{room.pk}" checked' in page
    assert page.count("data-lazy-unit=") == 2


@pytest.fixture
def national_meeting(client, country, clock) -> Meeting:
    client.force_login(country.staff)
    assert client.post("/lich-hop/dat-lich/", form(country, units=[country.vn.pk])).status_code == 302
    return Meeting.objects.get()


def test_a_clash_with_a_national_meeting_is_summed_up_per_province(client, country, national_meeting, api):
    clash = form(country, title="Trùng giờ", host=country.halls[0].pk, units=[country.vn.pk])
    response = client.post("/lich-hop/dat-lich/", clash)
    assert response.status_code == 409
    page = response.content.decode()
    assert "conflict-summary" in page and "Tải CSV mọi xung đột" in page
    assert "và 146 điểm cầu khác" in page  # five rooms named per province
    assert page.count(f'href="/lich-hop/{national_meeting.pk}/"') < 30
    assert Meeting.objects.count() == 1
    # The API still names every conflict.
    body = {"title": "Trùng", "start": "2026-03-03T14:00:00+07:00", "end": "2026-03-03T15:00:00+07:00"}
    refused = api(country.staff).post(
        "/api/meetings/", {**body, "host": country.halls[0].pk, "units": ["VN"]}, format="json"
    )
    assert refused.status_code == 409
    assert len(refused.json()["conflicts"]) == 3 * (COMMUNES + 1) + 1


def test_the_csv_of_a_refusal_lists_every_conflict_and_books_nothing(client, country, national_meeting):
    clash = form(country, title="Trùng giờ", host=country.halls[0].pk, units=[country.vn.pk], action="conflicts_csv")
    response = client.post("/lich-hop/dat-lich/", clash)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3 * (COMMUNES + 1) + 1
    provinces = {row[1] for row in rows[1:]}
    assert {"Tỉnh Lạng Sơn", "Tỉnh Cao Bằng", "Thành phố Hà Nội", "Việt Nam"} <= provinces
    assert all(row[4] == "Hội nghị trực tuyến toàn quốc" for row in rows[1:])
    assert Meeting.objects.count() == 1


def test_a_few_conflicts_are_still_listed_one_by_one(client, country, national_meeting):
    few = form(country, title="Nhỏ", host=country.halls[0].pk, endpoints=[country.halls[1].pk])
    response = client.post("/lich-hop/dat-lich/", few)
    assert response.status_code == 409
    page = response.content.decode()
    assert "conflict-summary" not in page and "Hội trường UBND tỉnh cao bằng" in page
