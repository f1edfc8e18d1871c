"""Hostile request bodies: nesting too deep to parse, bodies over the limit, CSV lines over the
csv module's field limit. Each is refused with a JSON 4xx and leaves the database unchanged."""

import io

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from rooms.models import Endpoint, Meeting

pytestmark = pytest.mark.django_db


def post_raw(user, path: str, body: bytes, content_type: str = "application/json"):
    client = APIClient()
    client.force_authenticate(user)
    return client.generic("POST", path, body, content_type=content_type)


# Nesting -----------------------------------------------------------------------------------------


def test_json_nested_a_hundred_thousand_deep_is_refused_with_400(staff):
    response = post_raw(staff, "/api/meetings/", b"[" * 100_000)
    assert response.status_code == 400
    assert "sâu" in response.json()["detail"]
    assert Meeting.objects.count() == 0


def test_deeply_nested_json_in_a_field_is_refused_with_400(admin_user, province):
    body = b'{"name": "X", "unit": "20", "seats": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    response = post_raw(admin_user, "/api/endpoints/", body)
    assert response.status_code == 400
    assert Endpoint.objects.filter(name="X").count() == 0


def test_malformed_json_is_still_a_400_with_a_message(staff):
    response = post_raw(staff, "/api/meetings/", b'{"title": ')
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


# Size ----------------------------------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_json_body_over_the_upload_limit_is_refused_with_413(staff, province):
    body = b'{"title": "' + b"a" * 2000 + b'"}'
    response = post_raw(staff, "/api/meetings/", body)
    assert response.status_code == 413
    assert "1,000" in response.json()["detail"]
    assert Meeting.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_that_understates_its_length_is_cut_at_the_limit(staff, province):
    class Stream(io.BytesIO):
        reads: list[int] = []

        def read(self, size: int = -1) -> bytes:
            self.reads.append(size)
            return super().read(size)

    from vconf.parsers import BodyTooLarge, read_bounded

    stream = Stream(b"x" * 5000)
    with pytest.raises(BodyTooLarge):
        read_bounded(stream, {"request": None})
    assert stream.reads == [1001]  # never the whole stream


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_json_body_under_the_limit_is_read(staff, province):
    response = post_raw(staff, "/api/meetings/", b'{"title": "short"}')
    assert response.status_code == 400  # read and validated: the other fields are missing
    assert "host" in response.json()


# CSV files -----------------------------------------------------------------------------------------


def csv_upload(text: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("e.csv", text.encode(), content_type="text/csv")}


@pytest.mark.parametrize(
    "text",
    [
        "name,unit," + "x" * 200_000 + "\nPhòng A,06280,1\n",  # a header line over 128 KB
        '"' + "x" * 200_000 + '",unit\nPhòng A,06280\n',  # one quoted header cell over the csv limit
        "name,unit\nPhòng A," + "0" * 200_000 + "\n",  # a data line over 128 KB
    ],
    ids=["long-header", "long-header-cell", "long-row"],
)
def test_an_endpoint_csv_with_a_line_over_128_kb_is_refused_with_400(admin_user, province, text):
    before = Endpoint.objects.count()
    client = APIClient()
    client.force_authenticate(admin_user)
    response = client.post("/api/endpoints/import/", csv_upload(text), format="multipart")
    assert response.status_code == 400
    assert response.json()["file"]
    assert Endpoint.objects.count() == before


def test_a_history_csv_with_a_header_over_128_kb_is_refused_with_400(admin_user, province):
    client = APIClient()
    client.force_authenticate(admin_user)
    text = "date," + "y" * 200_000 + "\n2024-01-01,1\n"
    response = client.post("/api/history/import/", csv_upload(text), format="multipart")
    assert response.status_code == 400
    assert response.json()["file"]
    assert Meeting.objects.count() == 0


def test_a_csv_body_over_the_file_limit_is_refused_with_413(admin_user, province, monkeypatch):
    import rooms.views.csv_imports as views

    monkeypatch.setattr(views, "MAX_FILE_BYTES", 1000)
    body = ("name,unit\n" + "Phòng A,06280\n" * 200).encode()
    response = post_raw(admin_user, "/api/endpoints/import/", body, content_type="text/csv")
    assert response.status_code == 413
    assert Endpoint.objects.count() == 6


def test_an_uploaded_csv_over_the_file_limit_is_refused_with_400(admin_user, province, monkeypatch):
    import rooms.services.csv_files as csv_files

    monkeypatch.setattr(csv_files, "MAX_FILE_BYTES", 1000)
    client = APIClient()
    client.force_authenticate(admin_user)
    response = client.post(
        "/api/endpoints/import/", csv_upload("name,unit\n" + "Phòng A,06280\n" * 200), format="multipart"
    )
    assert response.status_code == 400
    assert "MB" in response.json()["file"][0]
    assert Endpoint.objects.count() == 6


@pytest.mark.parametrize(
    ("endpoint", "attendees", "column"),
    [("id:²", "3", "endpoint"), ("178", "²", "attendees"), ("178", "9" * 5000, "attendees")],
    ids=["id", "heads", "long-heads"],
)
def test_a_history_number_that_int_cannot_read_is_a_row_error(admin_user, province, endpoint, attendees, column):
    host = f"id:{province.host.pk}"
    text = (
        "meeting_ref,title,start,end,host_endpoint,endpoint,attendees\n"
        f"gb-1,Giao ban,2015-03-02T07:30,2015-03-02T09:30,{host},{endpoint},{attendees}\n"
    )
    client = APIClient()
    client.force_authenticate(admin_user)
    response = client.post("/api/history/import/", csv_upload(text), format="multipart")
    assert response.status_code == 400
    assert column in response.json()["rows"][0]["errors"]
    assert Meeting.objects.count() == 0
