"""Backup and restore: `manage.py backup` then `manage.py restore` gives back every row of every model.

The data must be committed for pg_dump (another process) to see it, so these tests run with real
commits (transactional tests) and put the database back as it was afterwards.
"""

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from analytics.models import CostModel, Investment
from rooms.cdr.ingest import store_records
from rooms.cdr.parsing import csv_record
from rooms.management.commands.backup import row_counts
from rooms.models import (
    CheckIn,
    CoverageTarget,
    DayOff,
    EndpointGroup,
    Meeting,
    MeetingRequest,
    Notice,
    NoticeMail,
    Participation,
    PendingLeg,
    PortRefusal,
    Series,
    StatusChange,
)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.transactional]

START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(province, staff, operator, leader, admin_user) -> dict:
    """A small demo: the province in miniature plus one row of every rooms and analytics model."""
    series = Series.objects.create(title="Giao ban thứ Hai", rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2", organizer=staff)
    for week in range(2):
        start = START + dt.timedelta(weeks=week)
        meeting = Meeting.objects.create(
            title="Giao ban trực tuyến tuần — Lạng Sơn",
            host=province.host,
            bridge=province.bridge,
            start=start,
            end=start + dt.timedelta(hours=2),
            organizer=staff,
            series=series,
            recurrence_id=start,
        )
        for endpoint in (province.host, province.ep_c1, province.ep_c3):
            Participation.objects.create(
                meeting=meeting, endpoint=endpoint, is_host=endpoint == province.host, start=start, end=meeting.end
            )
        CheckIn.objects.create(
            meeting=meeting,
            endpoint=province.ep_c1,
            kind="in",
            attendees=14,
            client_id=uuid.uuid4(),
            recorded_by=operator,
            at=start + dt.timedelta(minutes=3),
        )
    Notice.objects.create(kind="reminder", meeting=meeting, endpoint=province.ep_c1, sent_at=meeting.start)
    NoticeMail.objects.create(
        kind="reminder", meeting=meeting, recipient="c1@ls.gov.vn", subject="Nhắc họp", body="…", created_at=START
    )
    StatusChange.objects.create(endpoint=province.ep_c2, status="pilot", effective=dt.date(2018, 5, 1))
    CoverageTarget.objects.create(province_code="20", structure="legacy", due=dt.date(2018, 12, 31))
    CostModel.objects.create(
        province_code="20",
        effective_from=dt.date(2031, 1, 1),
        source="Nghị quyết HĐND tỉnh (thử)",
        transport_vnd_per_km=4200,
        per_diem_vnd=300000,
        lodging_vnd_per_night=400000,
    )
    Investment.objects.create(province_code="20", date=dt.date(2018, 6, 1), amount_vnd=3_600_000_000, description="MCU")
    Token.objects.create(user=staff)
    EndpointGroup.objects.create(name="Các xã biên giới", owner=staff).endpoints.set([province.ep_c1])
    # Operations (approval): a province's day off, a department's request, a refusal for ports.
    DayOff.objects.create(date=dt.date(2026, 3, 10), name="Ngày của tỉnh", province_code="20")
    MeetingRequest.objects.create(meeting=meeting, answer_due=meeting.start)
    PortRefusal.objects.create(
        bridge=province.bridge, at=START, start=START, end=meeting.end, ports_needed=3, ports_free=1
    )
    # A bridge's call record and the leg derived from it (rooms/cdr/).
    store_records(
        bridge=province.bridge,
        source="csv",
        records=[
            csv_record(
                remote_address=province.ep_c1.dial_address or "sip:c1@ls",
                connected_at=START,
                disconnected_at=START + dt.timedelta(hours=1),
            )
        ],
    )
    # A call leg whose records wait for the worker (the receiver's queue).
    PendingLeg.objects.create(bridge=province.bridge, leg="waiting-for-the-worker")
    counts = row_counts()
    for model in [m for m in apps.get_models() if m._meta.app_label in {"rooms", "analytics"}]:
        assert counts[model._meta.db_table] > 0, f"the demo must hold a row of {model.__name__}"
    return counts


def count_rows_sqlite(path: Path, tables: list[str]) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        db.close()


def count_rows_postgresql(url: str, tables: list[str]) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as db, db.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def scratch(tmp_path: Path):
    """A second, empty database of the same kind to restore into; dropped afterwards."""
    if connection.vendor == "sqlite":
        target = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{target}", lambda tables: count_rows_sqlite(target, tables)
        return
    import psycopg

    s = connection.settings_dict
    name = f"vconf_restore_{uuid.uuid4().hex[:10]}"
    auth = f"{s['USER']}:{s['PASSWORD']}@" if s.get("PASSWORD") else f"{s['USER']}@"
    base = f"postgresql://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}", lambda tables: count_rows_postgresql(f"{base}/{name}", tables)
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_an_empty_database_holds_every_row(demo, scratch, tmp_path):
    url, count_rows = scratch
    backup = tmp_path / "vconf.backup"
    call_command("backup", output=str(backup), verbosity=0)
    assert backup.stat().st_size > 0
    call_command("restore", str(backup), database_url=url, noinput=True, verbosity=0)
    assert count_rows(sorted(demo)) == demo


def test_restore_puts_back_rows_deleted_after_the_backup(demo, tmp_path):
    backup = tmp_path / "vconf.backup"
    call_command("backup", output=str(backup), verbosity=0)
    titles = list(Meeting.objects.order_by("pk").values_list("title", "start"))
    CheckIn.objects.all().delete()
    Investment.objects.all().delete()
    Meeting.objects.filter(pk=Meeting.objects.order_by("pk").first().pk).update(title="Đã bị sửa")
    assert row_counts() != demo
    call_command("restore", str(backup), noinput=True, verbosity=0)
    assert row_counts() == demo
    assert list(Meeting.objects.order_by("pk").values_list("title", "start")) == titles


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(demo, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("không phải bản sao lưu")
    with pytest.raises(CommandError, match="not a vconf backup"):
        call_command("restore", str(junk), noinput=True, verbosity=0)
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.backup"), noinput=True, verbosity=0)
    assert row_counts() == demo


def test_restore_refuses_a_backup_of_the_other_database_kind(demo, tmp_path):
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" + b"\0" * 64 if connection.vendor == "sqlite" else b"SQLite format 3\x00" + b"\0" * 84)
    with pytest.raises(CommandError, match="backup; the target database is"):
        call_command("restore", str(other), noinput=True, verbosity=0)
    assert row_counts() == demo


def test_restore_asks_before_replacing_the_database(demo, tmp_path, monkeypatch):
    backup = tmp_path / "vconf.backup"
    call_command("backup", output=str(backup), verbosity=0)
    Investment.objects.all().delete()
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="--noinput"):
        call_command("restore", str(backup), verbosity=0)
    assert Investment.objects.count() == 0
