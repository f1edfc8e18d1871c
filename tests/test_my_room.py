"""The operator's "My room" page: big buttons, plain forms, idempotent, small on a slow line."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from rooms.models import CheckIn
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


@pytest.fixture
def browser(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    return client


@pytest.fixture
def meeting(clock, attendance_meeting):
    return attendance_meeting(start=clock.now() + timedelta(minutes=10), title="Giao ban tuần")


def page(client) -> str:
    response = client.get(reverse("my-room"))
    assert response.status_code == 200
    return response.content.decode()


def form_fields(html: str, kind: str) -> dict:
    """The hidden fields of the first form of this kind, as the browser would send them."""
    for form in re.findall(r"<form method=\"post\" class=\"checkin\">(.*?)</form>", html, re.S):
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        if fields.get("kind") == kind:
            return fields
    raise AssertionError(f"no {kind} form")


def test_the_header_links_my_room_for_operators(browser):
    assert f'href="{reverse("my-room")}"' in page(browser)


def test_an_operator_sees_the_open_meeting_and_the_next_one(browser, meeting, clock, attendance_meeting):
    attendance_meeting(start=clock.now() + timedelta(days=1), title="Họp ngày mai")
    html = page(browser)
    assert "Giao ban tuần" in html and "Họp ngày mai" in html
    for button in ("Đã kết nối", "Báo sự cố"):
        assert button in html
    assert f"/truc-tiep/{meeting.pk}/" in html
    ids = re.findall(r'name="client_id" value="([^"]+)"', html)
    # Check in, report an issue, and the test call (its two buttons share one form).
    assert len(ids) == len(set(ids)) == 3 and all(uuid.UUID(i) for i in ids)


def test_a_meeting_outside_the_test_call_window_has_no_buttons(browser, clock, attendance_meeting):
    attendance_meeting(start=clock.now() + timedelta(minutes=75), title="Họp chiều")
    html = page(browser)
    assert "Họp chiều" in html and 'name="kind"' not in html


def test_a_meeting_inside_the_test_call_window_offers_only_the_test_call(browser, clock, attendance_meeting):
    attendance_meeting(start=clock.now() + timedelta(minutes=45), title="Họp chiều")
    html = page(browser)
    assert 'name="kind" value="test"' in html and "Gọi thử: tốt" in html and "Gọi thử: lỗi" in html
    assert 'name="kind" value="in"' not in html and 'name="kind" value="issue"' not in html


def test_checking_in_without_javascript_records_and_redirects(browser, meeting, province):
    fields = form_fields(page(browser), "in")
    response = browser.post(reverse("my-room"), {**fields, "attendees": "14"}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("my-room"))
    assert "Đã báo kết nối: 14 người" in response.content.decode()
    record = CheckIn.objects.get()
    assert record.endpoint == province.ep_c1 and record.attendees == 14 and str(record.client_id) == fields["client_id"]
    html = response.content.decode()
    assert "Kết thúc" in html and "Cập nhật số người" in html


def test_a_double_submit_of_the_same_form_is_recorded_once(browser, meeting):
    fields = {**form_fields(page(browser), "in"), "attendees": "9"}
    browser.post(reverse("my-room"), fields)
    again = browser.post(reverse("my-room"), fields, follow=True)
    assert "đã được gửi trước đó" in again.content.decode()
    assert CheckIn.objects.count() == 1


def test_a_refused_check_in_shows_the_reason_and_records_nothing(browser, meeting):
    fields = {**form_fields(page(browser), "in"), "attendees": "500"}
    response = browser.post(reverse("my-room"), fields, follow=True)
    assert "Số người phải từ 0 đến 60" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_reporting_an_issue_and_checking_out(browser, meeting):
    browser.post(reverse("my-room"), {**form_fields(page(browser), "in"), "attendees": "9"})
    issue = {**form_fields(page(browser), "issue"), "issue_type": "no_sound", "note": "Loa rè"}
    assert "Đã báo sự cố" in browser.post(reverse("my-room"), issue, follow=True).content.decode()
    out = form_fields(page(browser), "out")
    assert "Đã báo kết thúc" in browser.post(reverse("my-room"), out, follow=True).content.decode()
    assert list(CheckIn.objects.values_list("kind", flat=True)) == ["in", "issue", "out"]


def test_an_operator_cannot_post_for_another_room(meeting, province):
    stranger = make_user("kythuat_hv", "operator", province.c2)
    province.ep_c2.operators.add(stranger)
    client = Client()
    client.force_login(stranger)
    fields = {"meeting": meeting.pk, "endpoint": province.ep_c1.pk, "kind": "in", "attendees": 3}
    response = client.post(reverse("my-room"), {**fields, "client_id": uuid.uuid4()}, follow=True)
    assert "kỹ thuật viên" in response.content.decode()
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("meeting_field", ["", "abc", "99999999", "1" * 40])
def test_a_bad_meeting_field_is_a_message_not_an_error(browser, meeting, province, meeting_field):
    fields = {"meeting": meeting_field, "endpoint": province.ep_c1.pk, "kind": "in", "attendees": 3}
    client = browser
    client.get(reverse("my-room"))
    token = client.cookies["csrftoken"].value
    answer = client.post(reverse("my-room"), {**fields, "client_id": uuid.uuid4(), "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    assert CheckIn.objects.count() == 0


def test_the_form_needs_the_csrf_token(browser, meeting, province):
    fields = {"meeting": meeting.pk, "endpoint": province.ep_c1.pk, "kind": "in", "attendees": 3}
    assert browser.post(reverse("my-room"), {**fields, "client_id": uuid.uuid4()}).status_code == 403
    assert CheckIn.objects.count() == 0


def test_other_roles_cannot_open_my_room(leader, staff):
    for user in (leader, staff):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("my-room")).status_code == 403
    assert Client().get(reverse("my-room")).status_code == 302


def test_an_operator_without_rooms_is_told_so(province):
    lonely = make_user("kythuat_moi", "operator", province.c3)
    client = Client()
    client.force_login(lonely)
    assert "chưa được giao điểm cầu" in page(client)


def test_the_whole_page_with_its_css_and_js_is_under_50_kb(browser, meeting, clock, attendance_meeting):
    attendance_meeting(start=clock.now() + timedelta(hours=3), title="Họp tiếp theo")
    html = page(browser)
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert any(a.endswith("myroom.js") for a in assets) and any(a.endswith(".css") for a in assets)
    total = len(html.encode())
    for asset in assets:
        path = finders.find(asset)
        assert path, asset
        with open(path, "rb") as handle:
            total += len(handle.read())
    assert total < 50 * 1024, total


def test_a_client_id_reused_for_another_room_is_a_message_not_an_error(meeting, province, admin_user):
    client = Client()
    client.force_login(admin_user)
    shared = uuid.uuid4()
    for endpoint in (province.ep_c1, province.ep_c2):
        fields = {"meeting": meeting.pk, "endpoint": endpoint.pk, "kind": "in", "attendees": 3, "client_id": shared}
        response = client.post(reverse("my-room"), fields, follow=True)
    assert response.status_code == 200 and "đã được dùng" in response.content.decode()
    assert CheckIn.objects.count() == 1
