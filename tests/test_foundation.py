"""The foundation: authentication, the error path, health, schema and the web shell."""

import json
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_api_calls_get_401(api):
    response = api().get("/api/auth/token/")
    assert response.status_code == 405  # the token endpoint only takes POST, signed in or not
    for path in [
        "/api/units/",
        "/api/endpoints/",
        "/api/meetings/",
        "/api/bridges/",
        "/api/availability/",
        "/api/reports/savings/",
        "/api/reports/coverage/",
        "/api/reports/usage/",
    ]:
        response = api().get(path)
        assert response.status_code == 401, path
        assert "detail" in response.json()


def test_a_token_is_issued_for_good_credentials_only(api, staff):
    good = api().post("/api/auth/token/", {"username": "vanphong", "password": "s3cret-pass!"}, format="json")
    assert good.status_code == 200
    token = good.json()["token"]
    bad = api().post("/api/auth/token/", {"username": "vanphong", "password": "wrong"}, format="json")
    assert bad.status_code == 400
    assert "non_field_errors" in bad.json()
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/schema/").status_code == 200


def test_garbage_bodies_get_400_json(api, staff):
    client = api()
    for body, content_type in [("{not json", "application/json"), ("\x00\xff", "application/octet-stream")]:
        response = client.post("/api/auth/token/", data=body, content_type=content_type)
        assert response.status_code == 400, (body, response.content)
        assert response["Content-Type"].startswith("application/json")


def test_unknown_api_paths_answer_json_404(api, staff):
    response = Client().get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_health_reports_ok_when_database_and_channel_layer_work():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "worker": "not started"}


def test_health_reports_a_broken_database_as_503():
    with mock.patch("vconf.health.check_database", side_effect=RuntimeError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert response.json()["channel_layer"] == "ok"


def test_login_page_is_in_vietnamese_and_has_no_cdn():
    response = Client().get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_the_page_header_switches_to_english():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/dang-nhap/"})
    html = client.get(reverse("login")).content.decode()
    assert "Sign in" in html


def test_pages_need_login():
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_api_docs_are_served_without_a_cdn(staff):
    client = Client()
    client.force_login(staff)
    html = client.get("/api/docs/").content.decode()
    assert "swagger" in html.lower()
    assert "cdn" not in html.lower()


def test_schema_is_json_openapi(api, staff):
    response = api(staff).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")
