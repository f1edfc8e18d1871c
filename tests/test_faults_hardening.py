"""#12 (faults and the smaller items): per-process services under several workers, restore and the
cache, throttles keyed on the real address, tokens kept out of logs, sockets closed when their
credential goes, issue reports capped, token sockets without Origin, CONN_MAX_AGE in the docs."""

import asyncio
import json
import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import checks
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rooms import consumers, ical
from rooms.models import CheckIn, Meeting
from rooms.services.attendance import MAX_ISSUES
from tests.helpers import opened, session_cookie
from vconf import layers
from vconf.asgi import application
from vconf.logs import RedactTokens

ORIGIN = (b"origin", b"http://testserver")
DOCS = Path(__file__).resolve().parent.parent / "docs"


# ------------------------------------------------------------------ several workers, no Redis


def test_the_system_check_warns_of_in_memory_services_under_several_workers(settings, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    found = [m for m in checks.run_checks() if m.id == "vconf.W010"]
    assert len(found) == 1
    assert "channel layer and cache" in found[0].msg and "REDIS_URL" in found[0].hint


def test_the_system_check_is_quiet_with_redis(settings, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert [m for m in checks.run_checks() if m.id.startswith("vconf.W01")] == []


def test_check_deploy_warns_of_the_in_memory_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    found = [m.id for m in checks.run_checks(include_deployment_checks=True)]
    assert "vconf.W011" in found


def test_a_worker_of_several_says_so_at_start_up(settings, monkeypatch, caplog):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    monkeypatch.setattr(layers.multiprocessing, "parent_process", lambda: object())
    with caplog.at_level(logging.WARNING, logger="vconf"):
        layers.warn_at_start_up()
    assert "Set REDIS_URL" in caplog.text


# ------------------------------------------------------------------ restore and the cache


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.transactional
def test_feeds_show_the_restored_data_at_once(province, staff, clock, tmp_path):
    meeting = Meeting.objects.create(
        title="Trước khi sao lưu",
        host=province.host,
        start=Meeting._meta.get_field("start").to_python("2026-03-03T02:00:00Z"),
        end=Meeting._meta.get_field("end").to_python("2026-03-03T03:00:00Z"),
        organizer=staff,
    )
    meeting.participations.create(endpoint=province.host, is_host=True, start=meeting.start, end=meeting.end)
    backup = tmp_path / "vconf.backup"
    call_command("backup", output=str(backup), verbosity=0)
    Meeting.objects.filter(pk=meeting.pk).update(title="Sau khi sao lưu")
    ical.bump_feed_versions([province.host.pk])
    assert b"Sau khi sao l" in ical.cached_feed(province.host).body

    call_command("restore", str(backup), noinput=True, verbosity=0)
    body = ical.cached_feed(province.host).body.decode()
    assert "Trước khi sao lưu" in body.replace("\r\n ", "")


# ------------------------------------------------------------------ throttles and the real address


@pytest.mark.django_db
def test_a_spoofed_x_forwarded_for_does_not_escape_the_token_rate(staff):
    answers = [
        APIClient()
        .post(
            "/api/auth/token/",
            {"username": f"khong-co-{n}", "password": "sai"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.{n}.1",
        )
        .status_code
        for n in range(40)
    ]
    assert answers[:20] == [400] * 20
    assert set(answers[20:]) == {429}


@pytest.mark.django_db
def test_the_login_page_has_the_token_endpoints_rate_limit(staff):
    browser = Client()
    for n in range(20):
        assert browser.post(reverse("login"), {"username": f"khong-co-{n}", "password": "sai"}).status_code == 200
    refused = browser.post(reverse("login"), {"username": staff.username, "password": "s3cret-pass!"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_the_login_page_and_the_token_endpoint_share_one_budget(staff):
    for n in range(15):
        APIClient().post("/api/auth/token/", {"username": f"x{n}", "password": "sai"}, format="json")
    browser = Client()
    codes = [browser.post(reverse("login"), {"username": f"y{n}", "password": "sai"}).status_code for n in range(6)]
    assert codes == [200] * 5 + [429]


# ------------------------------------------------------------------ tokens out of the logs


def test_uvicorn_request_lines_carry_no_token(caplog):
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("uvicorn.access").filters)
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "10.0.0.1:5000",
            "GET",
            "/api/endpoints/3/calendar.ics?token=s3cr3t&x=1",
            "1.1",
            200,
        )
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "10.0.0.1:5001", "/ws/meetings/7/?token=0123abcd"
        )
    assert "s3cr3t" not in caplog.text and "0123abcd" not in caplog.text
    assert "calendar.ics?token=***&x=1" in caplog.text
    assert "/ws/meetings/7/?token=***" in caplog.text


# ------------------------------------------------------------------ sockets and their credential


async def closed_with(communicator: WebsocketCommunicator, timeout: float = 3) -> int:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        output = await communicator.receive_output(timeout=max(deadline - asyncio.get_running_loop().time(), 0.01))
        if output["type"] == "websocket.close":
            return output["code"]


@pytest.fixture
def live_meeting(clock, attendance_meeting, monkeypatch):
    monkeypatch.setattr(consumers, "AUTH_RECHECK_SECONDS", 0.1)
    return attendance_meeting(start=clock.now() + timedelta(minutes=10))


async def session_socket(meeting_id: int, user) -> tuple[Client, WebsocketCommunicator]:
    browser, cookie = await session_cookie(user)
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{meeting_id}/", headers=[ORIGIN, cookie])
    await opened(communicator)
    return browser, communicator


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_board_closes_when_its_session_logs_out(live_meeting, staff):
    browser, communicator = await session_socket(live_meeting.pk, staff)
    await database_sync_to_async(browser.post)(reverse("logout"))
    assert await closed_with(communicator) == consumers.CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_board_closes_when_its_users_password_changes(live_meeting, staff):
    _, communicator = await session_socket(live_meeting.pk, staff)

    def new_password() -> None:
        staff.set_password("another-s3cret!")
        staff.save()

    await database_sync_to_async(new_password)()
    assert await closed_with(communicator) == consumers.CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_board_closes_when_its_token_is_deleted(live_meeting, leader):
    token = await database_sync_to_async(Token.objects.create)(user=leader)
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{live_meeting.pk}/?token={token.key}")
    await opened(communicator)
    await database_sync_to_async(token.delete)()
    assert await closed_with(communicator) == consumers.CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_board_stays_open_while_its_session_is_valid(live_meeting, staff):
    _, communicator = await session_socket(live_meeting.pk, staff)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


# ------------------------------------------------------------------ token sockets and Origin


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_token_client_without_origin_is_served(live_meeting, leader):
    token = await database_sync_to_async(Token.objects.create)(user=leader)
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{live_meeting.pk}/?token={token.key}")
    assert (await opened(communicator))["meeting"] == live_meeting.pk
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_session_client_still_needs_an_allowed_origin(live_meeting, staff):
    _, cookie = await session_cookie(staff)
    for headers in ([cookie], [(b"origin", b"https://evil.example"), cookie]):
        communicator = WebsocketCommunicator(application, f"/ws/meetings/{live_meeting.pk}/", headers=headers)
        connected, _ = await communicator.connect()
        assert not connected


# ------------------------------------------------------------------ issue reports capped


def issue(meeting, endpoint, note="Mất tiếng") -> CheckIn:
    return CheckIn(
        meeting=meeting,
        endpoint=endpoint,
        kind="issue",
        issue_type="other",
        note=note,
        client_id=uuid.uuid4(),
        at=meeting.start - timedelta(minutes=5),
    )


@pytest.mark.django_db
def test_issue_reports_past_the_cap_are_refused_with_409(api, operator, province, clock, attendance_meeting):
    meeting = attendance_meeting(start=clock.now() + timedelta(minutes=5))
    CheckIn.objects.bulk_create([issue(meeting, province.ep_c1) for _ in range(MAX_ISSUES)])
    body = {"endpoint": province.ep_c1.pk, "kind": "issue", "issue_type": "no_sound", "client_id": str(uuid.uuid4())}
    response = api(operator).post(f"/api/meetings/{meeting.pk}/checkins/", body, format="json")
    assert response.status_code == 409
    assert str(MAX_ISSUES) in response.json()["detail"]
    assert CheckIn.objects.filter(meeting=meeting, kind="issue").count() == MAX_ISSUES


@pytest.mark.django_db
def test_a_snapshot_shows_the_latest_issues_of_each_room(province, clock, attendance_meeting):
    meeting = attendance_meeting(start=clock.now() + timedelta(minutes=5))
    long_note = "x" * 500
    for endpoint in (province.ep_c1, province.ep_c2, province.ep_c3):
        CheckIn.objects.bulk_create([issue(meeting, endpoint, note=long_note) for _ in range(MAX_ISSUES)])
    snapshot = consumers.snapshot_text(meeting.pk)
    row = next(r for r in json.loads(snapshot)["endpoints"] if r["endpoint"] == province.ep_c1.pk)
    assert len(row["issues"]) == consumers.SNAPSHOT_ISSUES
    assert row["issues_more"] == MAX_ISSUES - consumers.SNAPSHOT_ISSUES
    assert {len(i["note"]) for i in row["issues"]} == {consumers.SNAPSHOT_NOTE_CHARS}
    assert len(snapshot) < 20_000


# ------------------------------------------------------------------ the docs agree on CONN_MAX_AGE


def test_the_docs_recommend_one_conn_max_age():
    advice = {
        path.name: re.findall(r"(?:keep|set) `CONN_MAX_AGE`[^.]*?`?(\d+)`?", path.read_text())
        for path in (DOCS / "deployment.md", DOCS / "attendance.md")
    }
    values = {value for found in advice.values() for value in found}
    assert values == {"0"}, advice
