"""The OpenAPI schema tells the truth about what the API answers (the findings of `make fuzz`),
and the token endpoint has its own rate limit."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft7Validator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from analytics.exports import XLSX_TYPE
from analytics.models import CostModel
from rooms.models import Endpoint, EndpointStatus, StatusChange

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass!"  # tests/conftest.py make_user


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def json_schema(node: object, components: dict) -> object:
    """An OpenAPI 3.0 schema as plain JSON Schema: references inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    plain = {key: json_schema(value, components) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [plain, {"type": "null"}]} if node.get("nullable") else plain


def violations(openapi: dict, path: str, method: str, response: object) -> list[str]:
    """What in the response the schema of that path, method, status and media type does not allow."""
    answer = openapi["paths"][path][method]["responses"][str(response.status_code)]
    media_type = response["Content-Type"].split(";")[0].strip()
    assert media_type in answer.get("content", {}), f"{media_type} is not documented for {response.status_code}"
    schema = json_schema(answer["content"][media_type]["schema"], openapi["components"]["schemas"])
    return [error.message for error in Draft7Validator(schema).iter_errors(response.json())]


# Values that may be null ------------------------------------------------------------------------


def test_a_province_has_a_null_parent_and_the_schema_allows_it(openapi, province, staff, api):
    response = api(staff).get("/api/units/20/?structure=legacy")
    assert response.status_code == 200
    assert response.json()["parent"] is None and response.json()["parent_name"] is None
    assert violations(openapi, "/api/units/{code}/", "get", response) == []


def test_a_status_change_nobody_signed_shows_a_null_author_the_schema_allows(openapi, province, admin_user, api):
    StatusChange.objects.create(
        endpoint=province.ep_c1, status=EndpointStatus.PILOT, effective=dt.date(2014, 1, 1), changed_by=None
    )
    response = api(admin_user).get(f"/api/endpoints/{province.ep_c1.pk}/")
    assert response.status_code == 200
    assert [change["changed_by"] for change in response.json()["status_history"]] == [None]
    assert violations(openapi, "/api/endpoints/{id}/", "get", response) == []


def test_a_cost_model_without_author_shows_null_and_the_schema_allows_it(openapi, province, leader, api):
    model = CostModel.objects.create(
        province_code="20", effective_from=dt.date(2005, 1, 1), source="test", transport_vnd_per_km=3000,
        per_diem_vnd=150000, lodging_vnd_per_night=200000, created_by=None,
    )  # fmt: skip
    response = api(leader).get(f"/api/cost-models/{model.pk}/")
    assert response.status_code == 200
    assert response.json()["created_by"] is None
    assert violations(openapi, "/api/cost-models/{id}/", "get", response) == []


def test_a_leader_sees_no_calendar_url_and_the_schema_allows_the_null(openapi, province, leader, api):
    response = api(leader).get(f"/api/endpoints/{province.ep_c1.pk}/")
    assert response.status_code == 200
    assert response.json()["calendar_url"] is None
    assert violations(openapi, "/api/endpoints/{id}/", "get", response) == []


@pytest.mark.parametrize("path", ["/api/cost-models/", "/api/investments/"])
def test_an_operator_is_refused_the_savings_inputs_with_a_documented_403(openapi, operator, api, path):
    response = api(operator).get(path)
    assert response.status_code == 403
    assert "403" in openapi["paths"][path]["get"]["responses"]


# The documented 400 answers ---------------------------------------------------------------------


def test_a_token_request_without_credentials_names_both_fields_as_documented(openapi, db):
    response = APIClient().post("/api/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}
    assert violations(openapi, "/api/auth/token/", "post", response) == []


def test_a_wrong_password_is_a_non_field_error_as_documented(openapi, staff):
    response = APIClient().post("/api/auth/token/", {"username": "vanphong", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert violations(openapi, "/api/auth/token/", "post", response) == []


def test_an_endpoint_import_without_a_file_answers_the_documented_file_error(openapi, admin_user, api):
    before = Endpoint.objects.count()
    response = api(admin_user).post("/api/endpoints/import/", {}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert violations(openapi, "/api/endpoints/import/", "post", response) == []
    assert Endpoint.objects.count() == before


def test_an_endpoint_import_with_bad_rows_keeps_the_rows_contract(openapi, admin_user, api):
    before = Endpoint.objects.count()
    upload = SimpleUploadedFile("e.csv", "name,unit\nMới,06280\nSai,99999\n".encode(), content_type="text/csv")
    response = api(admin_user).post("/api/endpoints/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert [entry["row"] for entry in response.json()["rows"]] == [3]
    assert set(response.json()["rows"][0]["errors"]) == {"unit"}
    assert violations(openapi, "/api/endpoints/import/", "post", response) == []
    assert Endpoint.objects.count() == before


def test_a_history_import_without_a_file_answers_the_documented_file_error(openapi, admin_user, api):
    response = api(admin_user).post("/api/history/import/", {}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert violations(openapi, "/api/history/import/", "post", response) == []


# Reports in every format ------------------------------------------------------------------------

REPORTS = ["/api/reports/coverage/", "/api/reports/usage/", "/api/reports/savings/", "/api/reports/payback/"]


@pytest.mark.parametrize("path", REPORTS)
def test_every_report_documents_json_csv_and_xlsx(openapi, path):
    documented = openapi["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(documented) == {"application/json", "text/csv", XLSX_TYPE}


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize(("fmt", "media_type"), [("csv", "text/csv"), ("xlsx", XLSX_TYPE)])
def test_every_report_sends_its_files_with_a_documented_media_type(
    openapi, province, leader, api, path, fmt, media_type
):
    response = api(leader).get(path, {"format": fmt, "province": "20", "structure": "legacy"} if "coverage" in path
                               else {"format": fmt})  # fmt: skip
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].split(";")[0] == media_type
    assert media_type in openapi["paths"][path]["get"]["responses"]["200"]["content"]


# The token endpoint's rate limit ----------------------------------------------------------------


def test_the_token_endpoint_refuses_with_429_past_its_own_rate(staff, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "3/minute")
    client = APIClient()
    # Three different user names: django-axes' lock-out (per name and address) does not start.
    tries = [
        client.post("/api/auth/token/", {"username": name, "password": "wrong"}, format="json").status_code
        for name in ("an", "binh", "chi")
    ]
    assert tries == [400, 400, 400]
    refused = client.post("/api/auth/token/", {"username": "vanphong", "password": PASSWORD}, format="json")
    assert refused.status_code == 429
    assert "detail" in refused.json() and int(refused["Retry-After"]) > 0
    assert not Token.objects.filter(user=staff).exists()


def test_the_token_rate_is_counted_per_client_address(staff, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "1/minute")
    credentials = {"username": "vanphong", "password": PASSWORD}
    here, there = APIClient(), APIClient(REMOTE_ADDR="10.0.0.9")
    assert here.post("/api/auth/token/", credentials, format="json").status_code == 200
    assert here.post("/api/auth/token/", credentials, format="json").status_code == 429
    assert there.post("/api/auth/token/", credentials, format="json").status_code == 200
