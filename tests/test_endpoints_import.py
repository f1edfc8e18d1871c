"""Importing endpoints from CSV: through the API and the command, all rows or none."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from rooms.models import Endpoint, StatusChange

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

GOOD = """name,unit,unit_structure,seats,road_km,status,status_since,bridge,operators,connection
Phòng họp xã Tân Thanh 2,06280,legacy,25,"41,5",pilot,2018-04-02,MCU tỉnh,kythuat_tanthanh,internet
Phòng họp xã Hoàng Việt 2,06283,,30,,in_service,2019-01-15,,,
"""


def upload(text: str) -> dict:
    return {"file": SimpleUploadedFile("endpoints.csv", text.encode("utf-8-sig"), content_type="text/csv")}


def test_a_good_file_creates_every_endpoint_with_its_history(api, admin_user, operator, province, clock):
    response = api(admin_user).post("/api/endpoints/import/", upload(GOOD), format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2
    first = Endpoint.objects.get(name="Phòng họp xã Tân Thanh 2")
    assert first.unit == province.c1 and first.seats == 25 and str(first.road_km) == "41.5"
    assert first.bridge == province.bridge and list(first.operators.all()) == [operator]
    assert first.connection == "internet"
    assert list(first.status_changes.values_list("status", flat=True)) == ["pilot"]
    second = Endpoint.objects.get(name="Phòng họp xã Hoàng Việt 2")
    assert second.status == "in_service" and second.status_since.isoformat() == "2019-01-15"


def test_a_file_with_bad_rows_imports_nothing_and_names_each_bad_row(api, admin_user, province, clock):
    text = (
        "name,unit,seats,road_km\n"
        "Phòng A,06280,20,10\n"  # row 2: good
        "Phòng B,99999,20,10\n"  # row 3: unknown unit
        "Phòng C,06283,-4,10\n"  # row 4: negative seats
        "Phòng D,06283,20,-2\n"  # row 5: negative km
        "Phòng A,06280,20,10\n"  # row 6: same name in the same unit as row 2
    )
    before, history = Endpoint.objects.count(), StatusChange.objects.count()
    response = api(admin_user).post("/api/endpoints/import/", upload(text), format="multipart")
    assert response.status_code == 400
    rows = {entry["row"]: entry["errors"] for entry in response.json()["rows"]}
    assert set(rows) == {3, 4, 5, 6}
    assert "unit" in rows[3] and "seats" in rows[4] and "road_km" in rows[5] and "name" in rows[6]
    assert Endpoint.objects.count() == before and StatusChange.objects.count() == history


def test_the_csv_may_be_sent_as_the_body(api, admin_user, province, clock):
    client = api(admin_user)
    response = client.post(
        "/api/endpoints/import/", data="name;unit\nPhòng E;06310\n".encode(), content_type="text/csv"
    )
    assert response.status_code == 201, response.json()
    assert Endpoint.objects.filter(name="Phòng E", unit=province.c3).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("name,unit,colour\nPhòng F,06280,red\n", "file"),  # unknown column
        ("name\nPhòng F\n", "file"),  # missing column
        ("name,unit\n", "file"),  # no data rows
    ],
)
def test_a_file_of_the_wrong_shape_is_refused(api, admin_user, province, body, field):
    before = Endpoint.objects.count()
    response = api(admin_user).post("/api/endpoints/import/", upload(body), format="multipart")
    assert response.status_code == 400 and field in response.json()
    assert Endpoint.objects.count() == before


def test_a_file_that_is_not_utf8_or_missing_is_refused(api, admin_user, province):
    client = api(admin_user)
    latin = {"file": SimpleUploadedFile("e.csv", "name,unit\nPhòng Ợ,06280\n".encode("utf-16"))}
    assert client.post("/api/endpoints/import/", latin, format="multipart").status_code == 400
    assert client.post("/api/endpoints/import/", {}, format="multipart").status_code == 400


def test_only_administrators_import(api, staff, province):
    response = api(staff).post("/api/endpoints/import/", upload(GOOD), format="multipart")
    assert response.status_code == 403
    assert not Endpoint.objects.filter(name__startswith="Phòng họp").exists()


def test_the_command_imports_a_good_file_and_refuses_a_bad_one_naming_rows(tmp_path, province, operator, clock):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_endpoints", str(good), stdout=out)
    assert "2 endpoints imported" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,unit,seats\nPhòng G,06280,5\nPhòng H,06280,abc\n", encoding="utf-8")
    err = io.StringIO()
    before = Endpoint.objects.count()
    with pytest.raises(CommandError, match="1 bad rows"):
        call_command("import_endpoints", str(bad), stderr=err)
    assert "Dòng 3:" in err.getvalue() and "seats" in err.getvalue()
    assert Endpoint.objects.count() == before
    with pytest.raises(CommandError):
        call_command("import_endpoints", str(tmp_path / "missing.csv"))
