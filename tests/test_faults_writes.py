"""Fault tests: the API while Redis or PostgreSQL is down, and committed writes whose after-commit
work fails (#12, Faults). A committed write answers 201/200, whatever its e-mail or broadcast does.

The bookings commit for real (transactional tests), so their after-commit hooks run as in
production. Redis: a server of the tests' own, stopped (tests/redis_server.py). SMTP: a port with
nothing listening.
"""

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from channels.layers import channel_layers
from django.core import mail
from django.core.cache.backends.redis import RedisCache
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from rooms.models import CheckIn, Meeting
from tests.redis_server import RedisServer, free_port, needs_redis_server, redis_server

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
pytestmark = pytest.mark.usefixtures("fast_password_hashing", "clock")


def booking(province, **extra) -> dict:
    start = datetime(2026, 3, 3, 9, 0, tzinfo=HANOI)
    return {
        "title": "Họp giao ban",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "host": province.host.pk,
        "endpoints": [province.ep_c1.pk],
        **extra,
    }


@pytest.fixture
def smtp_down(settings) -> None:
    """Real SMTP to a local port where nothing listens: every send is refused at once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2


@pytest.fixture
def dead_redis() -> Iterator[RedisServer]:
    """A Redis of the tests' own that was running and is now stopped."""
    for server in redis_server():
        server.stop()
        yield server


# ------------------------------------------------------------------ committed writes never 500


@transactional
def test_a_booking_answers_201_when_the_mail_server_is_unreachable(api, staff, province, mailed_operator, smtp_down):
    response = api(staff).post("/api/meetings/", booking(province), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["invitations_unsent"] == "invitation"
    meeting = Meeting.objects.get()
    assert meeting.invitations_unsent == "invitation"


@transactional
def test_a_mail_header_refused_by_the_mail_library_is_recorded_not_raised(staff, province, mailed_operator, caplog):
    from rooms.services import invitations

    meeting = Meeting.objects.create(
        title="Dòng một\nBcc: ai-do@example.com",
        host=province.host,
        start=datetime(2026, 3, 3, 9, 0, tzinfo=HANOI),
        end=datetime(2026, 3, 3, 10, 0, tzinfo=HANOI),
        organizer=staff,
    )
    meeting.participations.create(endpoint=province.ep_c1, start=meeting.start, end=meeting.end)
    invitations.send_after_commit(meeting_ids=[meeting.pk], kind="invitation")
    assert mail.outbox == []
    meeting.refresh_from_db()
    assert meeting.invitations_unsent == "invitation"
    assert "could not be sent" in caplog.text


@transactional
def test_a_cancellation_answers_200_when_the_mail_server_is_unreachable(
    api, staff, province, mailed_operator, settings
):
    created = api(staff).post("/api/meetings/", booking(province), format="json").json()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    response = api(staff).post(f"/api/meetings/{created['id']}/cancel/", {}, format="json")
    assert response.status_code == 200, response.content
    assert Meeting.objects.get().invitations_unsent == "cancellation"


@needs_redis_server
@transactional
def test_a_booking_answers_201_when_redis_is_down_for_the_feed_version_bump(api, staff, province, settings, dead_redis):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead_redis.url}
    }
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [dead_redis.url]}}
    }
    channel_layers.backends.clear()
    try:
        response = api(staff).post("/api/meetings/", booking(province), format="json")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 201, response.content
    assert Meeting.objects.count() == 1


# ------------------------------------------------------------------ resending


@transactional
def test_staff_resend_the_invitations_once_the_mail_server_is_back(api, staff, province, mailed_operator, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    meeting_id = api(staff).post("/api/meetings/", booking(province), format="json").json()["id"]
    url = f"/api/meetings/{meeting_id}/resend-invitations/"

    refused = api(staff).post(url, {}, format="json")
    assert refused.status_code == 503
    assert Meeting.objects.get().invitations_unsent == "invitation"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = api(staff).post(url, {}, format="json")
    assert response.status_code == 200
    assert response.json() == {"sent": 1}
    assert mail.outbox[0].to == [mailed_operator.email]
    assert Meeting.objects.get().invitations_unsent == ""


@transactional
def test_only_staff_resend_invitations(api, staff, leader, province, mailed_operator, smtp_down):
    meeting_id = api(staff).post("/api/meetings/", booking(province), format="json").json()["id"]
    response = api(leader).post(f"/api/meetings/{meeting_id}/resend-invitations/", {}, format="json")
    assert response.status_code == 403
    assert Meeting.objects.get().invitations_unsent == "invitation"


@transactional
def test_the_meeting_page_shows_staff_the_unsent_invitations_and_resends_them(
    api, staff, province, mailed_operator, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    meeting_id = api(staff).post("/api/meetings/", booking(province), format="json").json()["id"]
    browser = Client()
    browser.force_login(staff)
    page = browser.get(f"/lich-hop/{meeting_id}/")
    assert b'id="invitations-unsent"' in page.content

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = browser.post(f"/lich-hop/{meeting_id}/gui-lai-thu/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert b'id="invitations-unsent"' not in browser.get(f"/lich-hop/{meeting_id}/").content


# ------------------------------------------------------------------ the API without Redis


@needs_redis_server
@pytest.mark.django_db
def test_check_ins_are_recorded_while_the_rate_limit_store_is_down(
    api, operator, province, clock, attendance_meeting, dead_redis, monkeypatch, caplog
):
    monkeypatch.setattr(SimpleRateThrottle, "cache", RedisCache(dead_redis.url, {}))
    meeting = attendance_meeting(start=clock.now() + timedelta(minutes=5))
    body = {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 12, "client_id": str(uuid.uuid4())}
    response = api(operator).post(f"/api/meetings/{meeting.pk}/checkins/", body, format="json")
    assert response.status_code == 201, response.content
    assert CheckIn.objects.filter(meeting=meeting).count() == 1
    assert api(operator).get("/api/meetings/").status_code == 200
    assert "Rate limits skipped" in caplog.text


# ------------------------------------------------------------------ PostgreSQL (any database) down


@pytest.fixture
def database_down():
    error = OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=error):
        yield


@pytest.mark.django_db
def test_the_api_answers_503_with_json_while_the_database_is_down(api, staff, province):
    client = api(staff)
    client.raise_request_exception = False
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("refused")):
        response = client.get("/api/meetings/")
    assert response.status_code == 503
    assert "detail" in response.json()


@pytest.mark.django_db
def test_a_token_request_answers_503_while_the_database_is_down(province, staff):
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=staff).key
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("refused")):
        response = client.get("/api/meetings/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_a_page_answers_503_while_the_database_is_down(staff):
    browser = Client(raise_request_exception=False)
    browser.force_login(staff)
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("refused")):
        response = browser.get("/lich-hop/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
