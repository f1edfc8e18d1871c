"""The worker (#16, Operations): /healthz reads its last tick, invitations go through its queue
with retries and backoff, a failure after the last try is recorded for staff, two workers
ticking at once send nothing twice, and the migration that added test calls kept the head-count
triggers."""

import threading
import uuid
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from huey.contrib.djhuey import HUEY

from rooms import jobs
from rooms.models import CheckIn, HeadCount, Meeting, Notice, ProvinceSettings
from rooms.services import invitations
from tests.redis_server import free_port

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.django_db
class TestHealthReportsTheWorker:
    def test_a_recent_tick_is_ok(self, clock):
        jobs.record_heartbeat(clock.now() - timedelta(minutes=2))
        response = Client().get("/healthz")
        assert response.status_code == 200
        assert response.json()["worker"] == "ok"

    def test_a_tick_older_than_three_minutes_answers_503_with_the_reason(self, clock):
        jobs.record_heartbeat(clock.now() - timedelta(minutes=4))
        response = Client().get("/healthz")
        assert response.status_code == 503
        assert response.json()["worker"].startswith("error: last tick")
        assert "4 minutes ago" in response.json()["worker"]
        assert response.json()["database"] == "ok"

    def test_a_required_worker_that_never_ticked_answers_503(self, clock, settings):
        settings.VCONF = {**settings.VCONF, "WORKER_REQUIRED": True}
        response = Client().get("/healthz")
        assert response.status_code == 503
        assert response.json()["worker"] == "error: the worker has never ticked"

    @pytest.mark.django_db
    def test_a_tick_records_its_heartbeat(self, clock):
        jobs.run_tick(clock.now())
        assert jobs.last_heartbeat() == clock.now()

    @pytest.mark.django_db
    def test_a_failing_job_does_not_stop_the_others(self, clock, monkeypatch):
        def broken(now):
            raise RuntimeError("boom")

        monkeypatch.setattr(jobs, "JOBS", [broken, *jobs.JOBS])
        done = jobs.run_tick(clock.now())
        assert done["broken"] == -1 and done["send_reminders"] == 0
        assert jobs.last_heartbeat() == clock.now()


@pytest.fixture
def unsent_meeting(staff, province, operator):
    operator.email = "kythuat@tanthanh.example"
    operator.save(update_fields=["email"])
    meeting = Meeting.objects.create(
        title="Họp giao ban",
        host=province.host,
        start=datetime(2026, 3, 3, 9, 0, tzinfo=HANOI),
        end=datetime(2026, 3, 3, 10, 0, tzinfo=HANOI),
        organizer=staff,
    )
    meeting.participations.create(endpoint=province.ep_c1, start=meeting.start, end=meeting.end)
    return meeting


def run_retries() -> list[datetime]:
    """Run the queue's scheduled retries one by one, as the consumer would when each falls due;
    returns when each was due."""
    due = []
    while scheduled := HUEY.scheduled():
        task = scheduled[0]
        due.append(task.eta)
        HUEY.storage.flush_schedule()
        HUEY.execute(task, timestamp=task.eta)  # as the consumer does once it falls due
    return due


@pytest.mark.django_db
class TestMailRetries:
    def smtp_down(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2

    def test_a_failed_send_is_retried_with_backoff_then_left_for_staff(self, unsent_meeting, settings, caplog):
        self.smtp_down(settings)
        invitations.send_after_commit(meeting_ids=[unsent_meeting.pk], kind="invitation")
        unsent_meeting.refresh_from_db()
        assert unsent_meeting.invitations_unsent == "invitation"  # shown to staff while retrying
        due = run_retries()
        gaps = [round((b - a).total_seconds() / 60) for a, b in pairwise(due)]
        assert len(due) == 4  # four retries after the first try
        assert gaps == [1, 2, 4]  # the delay doubles: retries 1, 1, 2 and 4 minutes after the try before
        unsent_meeting.refresh_from_db()
        assert unsent_meeting.invitations_unsent == "invitation"
        assert "left for staff to resend" in caplog.text
        assert HUEY.scheduled() == []

    def test_a_retry_that_gets_through_clears_the_record(self, unsent_meeting, settings):
        self.smtp_down(settings)
        invitations.send_after_commit(meeting_ids=[unsent_meeting.pk], kind="invitation")
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert len(run_retries()) == 1
        assert len(mail.outbox) == 1
        unsent_meeting.refresh_from_db()
        assert unsent_meeting.invitations_unsent == ""

    def test_a_header_the_mail_library_refuses_is_not_retried(self, unsent_meeting):
        Meeting.objects.filter(pk=unsent_meeting.pk).update(title="Dòng một\nBcc: ai-do@example.com")
        invitations.send_after_commit(meeting_ids=[unsent_meeting.pk], kind="invitation")
        assert HUEY.scheduled() == []
        assert Meeting.objects.get().invitations_unsent == "invitation"


@pytest.mark.django_db
def test_the_head_count_triggers_survive_the_test_call_migration(province, attendance_meeting, clock):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rooms_checkin'")
            assert {"checkin_head_count", "checkin_head_recount"} <= {row[0] for row in cursor.fetchall()}
    meeting = attendance_meeting()
    common = {"meeting": meeting, "endpoint": province.ep_c1, "at": clock.now()}
    CheckIn.objects.create(kind="test", result="ok", client_id=uuid.uuid4(), **common)
    assert not HeadCount.objects.exists()  # a test call counts nobody
    CheckIn.objects.create(kind="in", attendees=17, client_id=uuid.uuid4(), **common)
    assert HeadCount.objects.get().attendees == 17


@transactional
def test_two_workers_ticking_at_once_send_each_message_once(province, attendance_meeting, operator, clock, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    operator.email = "kythuat@tanthanh.example"
    operator.save(update_fields=["email"])
    ProvinceSettings.objects.filter(province_code="20").update(desk_email="kythuat@langson.example")
    meetings = [attendance_meeting(start=clock.now() + timedelta(minutes=1 + 6 * i), minutes=5) for i in range(5)]
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                jobs.run_tick(clock.now())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Per meeting: a reminder to the one operator with an address, an escalation e-mail to the desk.
    assert Notice.objects.filter(kind="reminder").count() == len(meetings)
    assert Notice.objects.filter(kind="escalation").count() == 6 * len(meetings)
    assert sorted(m.to[0] for m in mail.outbox) == ["kythuat@langson.example"] * 5 + ["kythuat@tanthanh.example"] * 5
