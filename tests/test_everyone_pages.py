"""Issue 13, administrators and everyone: the language, error pages, contrast, favicon, the admin
in Vietnamese, the audit log as a reader sees it, the history import page, attendance without JS."""

import csv
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from rooms.models import Meeting
from vconf import exceptions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def logged_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def lang_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


class TestVietnameseFirst:
    def test_an_english_browser_gets_vietnamese(self, province):
        response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("login"))
        assert lang_of(response.content.decode()) == "vi"
        assert response["Content-Language"] == "vi"

    def test_english_once_chosen_with_the_switch(self, province):
        client = Client(HTTP_ACCEPT_LANGUAGE="vi")
        client.post(reverse("set_language"), {"language": "en", "next": "/dang-nhap/"})
        assert lang_of(client.get(reverse("login")).content.decode()) == "en"
        client.post(reverse("set_language"), {"language": "vi", "next": "/dang-nhap/"})
        assert lang_of(client.get(reverse("login")).content.decode()) == "vi"

    def test_api_messages_follow_the_same_rule(self, api, province):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/meetings/")
        assert response.status_code in (401, 403)
        assert response.json()["detail"] == "Chưa đăng nhập."


class TestErrorPages:
    def test_a_missing_page_is_vietnamese_with_the_menu_and_a_way_home(self, staff):
        response = logged_in(staff, HTTP_ACCEPT_LANGUAGE="en").get("/khong-co-trang-nay/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "Không tìm thấy trang" in html and 'class="main-nav"' in html
        assert f'href="{reverse("home")}"' in html and "Về trang chủ" in html

    def test_a_missing_page_is_english_when_chosen(self, staff):
        client = logged_in(staff)
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        html = client.get("/khong-co-trang-nay/").content.decode()
        assert "Page not found" in html and "Back to the home page" in html

    def test_a_forbidden_page_says_so_in_vietnamese(self, staff):
        response = logged_in(staff).get(reverse("audit-log"))
        assert response.status_code == 403
        html = response.content.decode()
        assert "Không có quyền truy cập" in html and 'class="main-nav"' in html

    def test_the_api_keeps_answering_json(self, api, staff):
        response = api(staff).get("/api/khong-co/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"

    def test_the_server_error_page_has_the_menu(self, staff):
        request = RequestFactory().get("/lich-hop/")
        request.user = staff
        response = exceptions.handler500(request)
        assert response.status_code == 500
        html = response.content.decode()
        assert "Lỗi máy chủ" in html and 'class="main-nav"' in html

    def test_the_server_error_page_renders_even_when_its_context_fails(self, staff, monkeypatch):
        import rooms.context_processors

        def broken(request):
            raise RuntimeError("database gone")

        monkeypatch.setattr(rooms.context_processors, "roles", broken)
        request = RequestFactory().get("/lich-hop/")
        request.user = staff
        response = exceptions.handler500(request)
        assert response.status_code == 500
        assert "Lỗi máy chủ" in response.content.decode()


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def badge_pairs() -> list[tuple[str, str, str]]:
    """(selector, text, background) of every rule in vconf.css that colours a badge, an error or
    a warning, with var(--x) resolved from :root and the text colour inherited when unset."""
    css = Path(finders.find("css/vconf.css")).read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    ink = variables["ink"]
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        selector = selector.strip()
        if not re.search(r"badge|state-|\.late|errorlist|\.warn|\.error", selector):
            continue
        props = {k.strip(): v.strip() for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body)}
        background = props.get("background") or props.get("background-color")
        if not background:
            continue
        resolve = lambda v: variables.get(v[6:-1], v) if v.startswith("var(") else v  # noqa: E731
        pairs.append((selector, resolve(props.get("color", ink)), resolve(background)))
    return pairs


def test_every_badge_reads_at_4_5_to_1():
    pairs = badge_pairs()
    assert len(pairs) >= 5
    poor = [(s, t, b, round(contrast(t, b), 2)) for s, t, b in pairs if contrast(t, b) < 4.5]
    assert poor == []


def test_the_contrast_formula_matches_wcag():
    assert round(contrast("#b26a00", "#fff4e0"), 2) == 3.89


class TestFavicon:
    def test_pages_link_an_icon_that_exists(self, province):
        html = Client().get(reverse("login")).content.decode()
        href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html).group(1)
        assert href.endswith("favicon.svg") and finders.find("img/favicon.svg")

    def test_favicon_ico_redirects_to_it(self, client):
        response = client.get("/favicon.ico")
        assert response.status_code == 301
        assert response["Location"].endswith("favicon.svg")


class TestAdminInVietnamese:
    def test_the_admin_names_vconf_not_django(self, admin_user):
        html = logged_in(admin_user).get("/admin/").content.decode()
        assert "Quản trị vconf" in html and "Django" not in html
        assert "Điểm cầu" in html and "Cuộc họp" in html

    def test_every_field_of_our_models_has_a_vietnamese_name(self):
        unnamed = []
        for app in ("rooms", "analytics"):
            for model in apps.get_app_config(app).get_models():
                if model._meta.verbose_name == model.__name__.lower():
                    unnamed.append(model.__name__)
                for field in model._meta.get_fields():
                    if field.auto_created or not hasattr(field, "verbose_name") or field.name == "id":
                        continue
                    if field.verbose_name == field.name.replace("_", " "):
                        unnamed.append(f"{model.__name__}.{field.name}")
        assert unnamed == []


class TestAuditLog:
    @pytest.fixture
    def entries(self, api, operator, clock, attendance_meeting, province):
        meeting = attendance_meeting(start=clock.now() + timedelta(minutes=5))
        body = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 5, "client_id": str(uuid.uuid4())}
        api(operator).post(f"/api/meetings/{meeting.pk}/checkins/", body, format="json")
        return meeting

    def test_times_are_local_with_the_zone_and_no_microseconds(self, admin_user, entries):
        html = logged_in(admin_user).get(reverse("audit-log")).content.decode()
        assert "+07:00" in html and "Asia/Ho_Chi_Minh" in html
        # The check-in's own time, stored by auditlog as UTC text, reads as Hanoi time.
        assert "02/03/2026 08:00:00 +07:00" in html
        assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)
        assert "2026-03-02 01:00:00" not in html

    def test_fields_and_objects_read_as_words(self, admin_user, entries, province):
        html = logged_in(admin_user).get(reverse("audit-log")).content.decode()
        assert "rooms.Participation.None" not in html and "rooms.CheckIn.None" not in html
        assert "<strong>số người</strong>: 5" in html and "<strong>loại</strong>: Đã kết nối" in html
        assert f"<strong>điểm cầu</strong>: {province.ep_c1.name}" in html
        assert "in 4@1" not in html and f"Đã kết nối · {province.ep_c1.name}" in html
        assert "<strong>chủ trì</strong>: không" in html

    @pytest.mark.parametrize("needle", ["giao ban truc tuyen", "GIAO BAN TRỰC", "tuyên"])
    def test_the_search_ignores_accents_and_case(self, admin_user, entries, needle):
        response = logged_in(admin_user).get(reverse("audit-log"), {"object": needle})
        assert "Giao ban trực tuyến" in response.content.decode()
        assert "1 mục" in response.content.decode()

    def test_the_search_still_misses_what_is_not_there(self, admin_user, entries):
        html = logged_in(admin_user).get(reverse("audit-log"), {"object": "dong kinh"}).content.decode()
        assert "Không có mục nào." in html
        assert LogEntry.objects.exists()


class TestHistoryImportPage:
    def test_the_placeholder_survives_escaping(self, admin_user):
        html = logged_in(admin_user).get(reverse("import-history")).content.decode()
        assert "id:&lt;số&gt;" in html

    def test_the_template_csv_imports_as_it_is(self, admin_user, province, clock, attendance_meeting):
        attendance_meeting(start=clock.now() - timedelta(days=30))
        client = logged_in(admin_user)
        response = client.get(reverse("import-history-template"))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        text = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 2 and rows[0]["meeting_ref"] == rows[1]["meeting_ref"]
        before = Meeting.objects.count()
        upload = SimpleUploadedFile("mau.csv", response.content)
        imported = client.post(reverse("import-history"), {"file": upload}, follow=True)
        assert "Đã nhập 1 cuộc họp" in imported.content.decode()
        assert Meeting.objects.count() == before + 1

    def test_errors_are_styled_as_errors(self, admin_user, province):
        upload = SimpleUploadedFile("sai.csv", b"meeting_ref,title\nx,y\n")
        response = logged_in(admin_user).post(reverse("import-history"), {"file": upload})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'class="errorlist' in html or 'class="row-error"' in html
        css = Path(finders.find("css/vconf.css")).read_text()
        assert ".errorlist" in css and "tr.row-error" in css

    def test_the_template_is_for_administrators(self, staff):
        assert logged_in(staff).get(reverse("import-history-template")).status_code == 403


def test_the_meeting_page_shows_attendance_figures_without_javascript(
    api, staff, operator, clock, attendance_meeting, province
):
    meeting = attendance_meeting(start=clock.now() + timedelta(minutes=5))
    body = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 17, "client_id": str(uuid.uuid4())}
    assert api(operator).post(f"/api/meetings/{meeting.pk}/checkins/", body, format="json").status_code == 201
    html = logged_in(staff).get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert re.search(r'data-total="attendees">17<', html)
    assert re.search(r'data-total="connected">–<', html) is None
