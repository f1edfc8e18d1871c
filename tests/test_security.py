"""Authentication hardening: log-in lock-out (django-axes), API throttling, CSRF, feed tokens."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db.models import F
from django.test import Client
from django.urls import path, reverse
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from rooms.models import Endpoint
from rooms.models.endpoints import new_feed_token
from rooms.urls import urlpatterns as page_patterns

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass!"  # tests/conftest.py make_user
LIMIT = settings.AXES_FAILURE_LIMIT


def web_login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def api_login(username: str, password: str):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")


def end_cool_off() -> None:
    """Move every recorded failure back past the cool-off, as if that much time had passed."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    )


# Lock-out on the login page ---------------------------------------------------------------------


def test_repeated_failed_logins_on_the_page_lock_out_with_a_vietnamese_page(staff):
    client = Client()
    answers = [web_login(client, "vanphong", "wrong").status_code for _ in range(LIMIT)]
    assert answers[:-1] == [200] * (LIMIT - 1)  # the form again, with its error
    locked = web_login(client, "vanphong", PASSWORD)  # even the right password is refused now
    html = locked.content.decode()
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in html and "<html" in html
    assert int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_the_cool_off_ends_the_lock_out_on_the_page(staff):
    client = Client()
    for _ in range(LIMIT):
        web_login(client, "vanphong", "wrong")
    assert web_login(client, "vanphong", PASSWORD).status_code == 429
    end_cool_off()
    response = web_login(client, "vanphong", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_a_lock_out_is_for_one_username_from_one_address(staff, leader):
    client = Client()
    for _ in range(LIMIT):
        web_login(client, "vanphong", "wrong")
    assert web_login(client, "vanphong", PASSWORD).status_code == 429
    assert web_login(Client(), "lanhdao", PASSWORD).status_code == 302
    other_address = Client(REMOTE_ADDR="10.1.2.3")
    assert web_login(other_address, "vanphong", PASSWORD).status_code == 302


# Lock-out on the API token endpoint -------------------------------------------------------------


def test_repeated_failed_token_requests_lock_out_with_429_json(staff):
    answers = [api_login("vanphong", "wrong") for _ in range(LIMIT)]
    assert [a.status_code for a in answers[:-1]] == [400] * (LIMIT - 1)
    locked = api_login("vanphong", PASSWORD)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert "Đăng nhập sai quá nhiều lần" in locked.json()["detail"]
    assert int(locked["Retry-After"]) > 0
    assert not Token.objects.filter(user=staff).exists()


def test_the_cool_off_ends_the_lock_out_on_the_api(staff):
    for _ in range(LIMIT + 1):
        api_login("vanphong", "wrong")
    assert api_login("vanphong", PASSWORD).status_code == 429
    end_cool_off()
    response = api_login("vanphong", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=staff).key


def test_failures_on_the_page_and_the_api_count_together(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        web_login(client, "vanphong", "wrong")
    assert api_login("vanphong", "wrong").status_code == 429


# Throttling on the shared cache -----------------------------------------------------------------


class Probe(APIView):
    def get(self, request) -> Response:
        return Response({"ok": True})


class AnonymousProbe(Probe):
    permission_classes = [AllowAny]


urlpatterns = [
    path("probe/", Probe.as_view()),
    path("probe/anonymous/", AnonymousProbe.as_view()),
    *page_patterns,
]


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real shared cache (Redis when REDIS_URL is set), not the per-test one of conftest.py.
    monkeypatch.setattr(SimpleRateThrottle, "cache", shared_cache)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    shared_cache.delete_many(["throttle_anon_127.0.0.1"])


@pytest.mark.urls(__name__)
def test_a_user_over_the_rate_gets_429_json_until_the_window_passes(staff, low_rates, monkeypatch):
    shared_cache.delete(f"throttle_user_{staff.pk}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    assert [client.get("/probe/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/probe/")
    assert refused.status_code == 429
    assert "detail" in refused.json() and int(refused["Retry-After"]) > 0
    # The history is in the shared cache, so every worker process sees the same count.
    assert len(shared_cache.get(f"throttle_user_{staff.pk}")) == 3
    # A minute later the window has moved on.
    real_timer = SimpleRateThrottle.timer
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: real_timer() + 61)
    assert client.get("/probe/").status_code == 200
    shared_cache.delete(f"throttle_user_{staff.pk}")


@pytest.mark.urls(__name__)
def test_anonymous_callers_are_throttled_by_address(db, low_rates):
    client = APIClient()
    assert [client.get("/probe/anonymous/").status_code for _ in range(3)] == [200, 200, 429]
    shared_cache.delete("throttle_anon_127.0.0.1")


# CSRF on every page form ------------------------------------------------------------------------


def test_a_login_post_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "vanphong", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_login_post_with_the_csrf_token_is_accepted(staff):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("login"), {"username": "vanphong", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_logout_and_language_forms_need_the_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(reverse("logout")).status_code == 403
    assert client.session.get("_auth_user_id") == str(staff.pk)
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 403


def post_forms_without_token(html: str) -> int:
    forms = html.lower().split("<form")[1:]
    return sum(1 for form in forms if 'method="post"' in form and "csrfmiddlewaretoken" not in form)


def test_every_page_form_carries_a_csrf_token(staff, admin_user):
    assert post_forms_without_token(Client().get(reverse("login")).content.decode()) == 0
    client = Client()
    client.force_login(admin_user)
    for name in ("audit-log", "meeting-calendar", "my-room", "dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert post_forms_without_token(response.content.decode()) == 0, name


def test_the_session_api_refuses_a_write_without_csrf_token(province, staff):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)
    before = list(Endpoint.objects.values_list("pk", flat=True))
    response = client.post("/api/meetings/", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert list(Endpoint.objects.values_list("pk", flat=True)) == before


# Feed tokens ------------------------------------------------------------------------------------


def test_a_rotated_feed_token_stops_the_old_feed_url(province, clock):
    endpoint = province.ep_c1
    old = endpoint.feed_token
    url = f"/api/endpoints/{endpoint.pk}/calendar.ics"
    assert APIClient().get(url, {"token": old}).status_code == 200
    assert APIClient().get(url, {"token": "guess"}).status_code == 404
    assert APIClient().get(url).status_code == 404
    Endpoint.objects.filter(pk=endpoint.pk).update(feed_token=new_feed_token())
    assert APIClient().get(url, {"token": old}).status_code == 404
    fresh = Endpoint.objects.get(pk=endpoint.pk).feed_token
    assert APIClient().get(url, {"token": fresh}).status_code == 200


def test_a_feed_token_opens_only_its_own_endpoint(province):
    response = APIClient().get(f"/api/endpoints/{province.ep_c2.pk}/calendar.ics", {"token": province.ep_c1.feed_token})
    assert response.status_code == 404


def test_rotating_the_feed_token_through_the_api_stops_the_old_url(province, operator, leader, api):
    endpoint = province.ep_c1  # the operator's room
    feed, old = f"/api/endpoints/{endpoint.pk}/calendar.ics", endpoint.feed_token
    rotate = f"/api/endpoints/{endpoint.pk}/rotate-feed-token/"
    assert api(leader).post(rotate).status_code == 403  # leaders only read
    assert Endpoint.objects.get(pk=endpoint.pk).feed_token == old
    assert api(operator).post(f"/api/endpoints/{province.ep_c2.pk}/rotate-feed-token/").status_code == 403
    response = api(operator).post(rotate)
    assert response.status_code == 200
    new = Endpoint.objects.get(pk=endpoint.pk).feed_token
    assert new != old and new in response.json()["calendar_url"]
    assert APIClient().get(feed, {"token": old}).status_code == 404
    assert APIClient().get(feed, {"token": new}).status_code == 200


def test_the_booking_and_check_in_forms_refuse_a_post_without_csrf_token(province, staff, operator):
    from rooms.models import CheckIn, Meeting

    booking = Client(enforce_csrf_checks=True)
    booking.force_login(staff)
    body = {"title": "Họp", "host": province.host.pk, "day": "2026-03-03", "start_time": "09:00", "end_time": "10:00"}
    assert booking.post(reverse("meeting-book"), {**body, "action": "book"}).status_code == 403
    checkin = Client(enforce_csrf_checks=True)
    checkin.force_login(operator)
    response = checkin.post(reverse("my-room"), {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 5})
    assert response.status_code == 403
    assert not Meeting.objects.exists() and not CheckIn.objects.exists()
