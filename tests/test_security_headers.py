"""The Content-Security-Policy on every response, no inline script anywhere it would be refused,
and a 403 logged as one line."""

import logging
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/dang-nhap/", "/api/units/", "/api/docs/", "/healthz", "/khong-co/"])
def test_every_response_carries_the_policy(db, path):
    response = Client().get(path)
    found = policy(response)
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]


def test_signed_in_pages_carry_the_policy(staff):
    client = Client()
    client.force_login(staff)
    for name in ("home", "meeting-calendar", "meeting-book", "endpoints-page", "live-boards"):
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, name
        assert policy(response)["script-src"] == ["'self'"], name


def test_the_api_docs_serve_their_script_as_a_file(db):
    page = Client().get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "/api/docs/?script" in html
    script = Client().get("/api/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


TEMPLATES = sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")])


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_an_inline_script_or_event_handler(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>: move it to static/js/"
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), "on* attribute: bind it in static/js/"
    assert "javascript:" not in html


# 403 in the log ---------------------------------------------------------------------------------------


def test_a_forbidden_page_is_logged_as_one_warning_line(staff, caplog):
    client = Client()
    client.force_login(staff)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("import-history"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert records[0].exc_info is None
    assert "\n" not in logging.Formatter().format(records[0])


def test_a_forbidden_api_call_is_logged_as_one_warning_line(staff, caplog):
    client = Client()
    client.force_login(staff)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post("/api/endpoints/", {}, content_type="application/json")
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert "\n" not in logging.Formatter().format(records[0])


def test_a_server_error_keeps_its_traceback(db, caplog):
    from vconf.security import OneLineForbidden

    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), (ValueError, None, None))
    record.status_code = 500
    assert OneLineForbidden().filter(record) is True
    assert record.exc_info is not None
