"""Issue 13, operators: issues resolved, Kết thúc confirmed, one head-count limit with Vietnamese
messages, the page offline (service worker) and the room's calendar feed."""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from rooms.models import CheckIn
from rooms.services.attendance import attendee_limit
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


@pytest.fixture
def meeting(clock, attendance_meeting):
    return attendance_meeting(start=clock.now() + timedelta(minutes=5))


@pytest.fixture
def browser(operator):
    client = Client()
    client.force_login(operator)
    return client


def checkins(meeting) -> str:
    return f"/api/meetings/{meeting.pk}/checkins/"


def report_issue(api, user, meeting, endpoint, note="Mất tiếng từ 8:10") -> dict:
    body = {"endpoint": endpoint.pk, "kind": "issue", "issue_type": "no_sound", "note": note}
    response = api(user).post(checkins(meeting), {**body, "client_id": str(uuid.uuid4())}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def resolve_url(meeting, record_id) -> str:
    return f"/api/meetings/{meeting.pk}/checkins/{record_id}/resolve/"


class TestResolvingAnIssue:
    def test_the_operator_marks_their_issue_resolved(self, api, operator, meeting, province, clock):
        issue = report_issue(api, operator, meeting, province.ep_c1)
        assert issue["resolved_at"] is None and issue["resolved_by"] is None
        clock.advance(minutes=7)
        response = api(operator).post(resolve_url(meeting, issue["id"]))
        assert response.status_code == 200, response.content
        assert response.json()["resolved_by"] == operator.username
        assert response.json()["resolved_at"].endswith("+07:00")
        record = CheckIn.objects.get(pk=issue["id"])
        assert record.resolved_at == clock.now() and record.resolved_by == operator

    def test_resolving_again_keeps_the_first_resolution(self, api, operator, meeting, province, clock):
        issue = report_issue(api, operator, meeting, province.ep_c1)
        first = api(operator).post(resolve_url(meeting, issue["id"])).json()
        clock.advance(minutes=3)
        again = api(operator).post(resolve_url(meeting, issue["id"]))
        assert again.status_code == 200
        assert again.json()["resolved_at"] == first["resolved_at"]

    def test_another_rooms_operator_may_not_resolve_it(self, api, operator, meeting, province):
        issue = report_issue(api, operator, meeting, province.ep_c1)
        other = make_user("kythuat_hoangviet", "operator", province.c2)
        province.ep_c2.operators.add(other)
        assert api(other).post(resolve_url(meeting, issue["id"])).status_code == 403
        assert CheckIn.objects.get(pk=issue["id"]).resolved_at is None

    def test_a_check_in_is_not_an_issue_to_resolve(self, api, operator, meeting, province):
        body = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 5, "client_id": str(uuid.uuid4())}
        record = api(operator).post(checkins(meeting), body, format="json").json()
        response = api(operator).post(resolve_url(meeting, record["id"]))
        assert response.status_code == 400
        assert "kind" in response.json()
        assert CheckIn.objects.get(pk=record["id"]).resolved_at is None

    def test_a_record_of_another_meeting_is_not_found(self, api, operator, meeting, province, attendance_meeting):
        issue = report_issue(api, operator, meeting, province.ep_c1)
        other = attendance_meeting(start=meeting.start + timedelta(hours=3))
        assert api(operator).post(resolve_url(other, issue["id"])).status_code == 404

    def test_the_page_lists_the_operators_issues_and_resolves_one_without_javascript(
        self, api, browser, operator, meeting, province
    ):
        issue = report_issue(api, operator, meeting, province.ep_c1, note="Hình bị đứng")
        html = browser.get(reverse("my-room")).content.decode()
        assert "Sự cố đã báo" in html and "Hình bị đứng" in html and "chưa khắc phục" in html
        response = browser.post(reverse("my-room"), {"meeting": meeting.pk, "resolve": issue["id"]}, follow=True)
        assert "Đã ghi nhận sự cố đã được khắc phục." in response.content.decode()
        assert CheckIn.objects.get(pk=issue["id"]).resolved_by == operator
        assert "đã khắc phục lúc" in browser.get(reverse("my-room")).content.decode()

    def test_a_forged_resolve_from_the_page_changes_nothing(self, browser, meeting):
        response = browser.post(reverse("my-room"), {"meeting": meeting.pk, "resolve": "9" * 30}, follow=True)
        assert "Không tìm thấy báo sự cố." in response.content.decode()
        assert not CheckIn.objects.exists()


class TestTheEndButton:
    def test_ending_asks_for_confirmation_and_looks_unlike_reporting_an_issue(
        self, api, browser, operator, meeting, province
    ):
        body = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 5, "client_id": str(uuid.uuid4())}
        api(operator).post(checkins(meeting), body, format="json")
        html = browser.get(reverse("my-room")).content.decode()
        details = re.search(r'<details class="end-meeting">(.*?)</details>', html, re.S).group(1)
        assert 'name="kind" value="out"' in details and "Xác nhận kết thúc" in details
        issue_button = re.search(r'<button class="big (\w+)" type="submit">Báo sự cố', html).group(1)
        end_button = re.search(r'<summary class="button big (\w+)">Kết thúc', html).group(1)
        assert issue_button != end_button

    def test_the_javascript_path_says_what_the_form_path_says(self, browser, meeting):
        html = browser.get(reverse("my-room")).content.decode()
        assert 'data-in="Đã báo kết nối: %s người."' in html
        assert 'data-out="Đã báo kết thúc."' in html


class TestOneHeadCountLimit:
    def test_the_page_and_the_server_use_the_same_limit(self, api, browser, operator, meeting, province):
        limit = attendee_limit(province.ep_c1)
        assert limit == 60
        assert f'max="{limit}"' in browser.get(reverse("my-room")).content.decode()
        over = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": limit + 1, "client_id": str(uuid.uuid4())}
        assert api(operator).post(checkins(meeting), over, format="json").status_code == 400
        at = {**over, "attendees": limit, "client_id": str(uuid.uuid4())}
        assert api(operator).post(checkins(meeting), at, format="json").status_code == 201
        assert list(CheckIn.objects.values_list("attendees", flat=True)) == [limit]

    @pytest.mark.parametrize(
        ("attendees", "message"),
        [
            ("mười", "Số người có mặt phải là một số nguyên."),
            (-1, "Số người có mặt không được âm."),
            (10001, "Số người có mặt không được quá 10000."),
        ],
    )
    def test_the_server_refuses_in_vietnamese(self, api, operator, meeting, province, attendees, message):
        body = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": attendees, "client_id": str(uuid.uuid4())}
        response = api(operator).post(checkins(meeting), body, format="json")
        assert response.status_code == 400
        assert response.json()["attendees"] == [message]
        assert not CheckIn.objects.exists()

    def test_drfs_own_messages_are_vietnamese_too(self, api, operator, meeting):
        response = api(operator).post(
            checkins(meeting), {"endpoint": "x", "kind": "in", "client_id": "y"}, format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert body["client_id"] == ["Phải là một UUID hợp lệ."]
        assert "Incorrect type" not in str(body) and "valid" not in str(body)


class TestOffline:
    def test_the_service_worker_is_served_from_the_root_and_keeps_the_page(self, client):
        response = client.get("/sw.js")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        assert "no-cache" in response["Cache-Control"]
        body = response.content.decode()
        assert f'var PAGE = "{reverse("my-room")}"' in body and "js/myroom.js" in body

    def test_the_page_registers_it(self):
        from django.contrib.staticfiles import finders

        script = Path(finders.find("js/myroom.js")).read_text(encoding="utf-8")
        assert 'serviceWorker.register("/sw.js")' in script


def test_the_page_links_each_rooms_calendar_feed(browser, province):
    html = browser.get(reverse("my-room")).content.decode()
    endpoint = province.ep_c1
    path = f"/api/endpoints/{endpoint.pk}/calendar.ics?token={endpoint.feed_token}"
    assert re.search(rf'href="webcal://[^"]+{re.escape(path)}"', html)
    assert 'value="http' in html and path in html and "Chép địa chỉ" in html


def test_the_feed_link_opens_the_rooms_calendar(browser, client, province):
    html = browser.get(reverse("my-room")).content.decode()
    url = re.search(r'href="webcal://[^/]+(/api/endpoints/[^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
