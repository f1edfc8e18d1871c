"""Recurring meetings: an RRULE becomes individual meetings; skip conflicts; this-and-following."""

from datetime import datetime, timedelta

import pytest

from rooms.models import Meeting, Participation, Series
from tests.helpers import HANOI, book

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def series_body(province, rule, start=None, end=None, **extra):
    start, end = start or at(3, 9, 8), end or at(3, 9, 9, 30)
    return {
        "title": "Giao ban sáng thứ Hai",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "host": province.host.pk,
        "units": ["20"],
        "recurrence": rule,
        **extra,
    }


def local_starts(meetings):
    return [datetime.fromisoformat(m["start"]) for m in meetings]


def test_a_weekly_rule_books_one_meeting_per_week(api, staff, province, clock):
    # Seven Mondays: the eighth, 27 April 2026, is Hùng Kings' day observed (tests/test_days_off.py).
    response = api(staff).post("/api/meetings/", series_body(province, "FREQ=WEEKLY;BYDAY=MO;COUNT=7"), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {"series", "meetings", "skipped"}
    assert data["skipped"] == []
    starts = local_starts(data["meetings"])
    assert starts == [at(3, 9, 8) + timedelta(weeks=i) for i in range(7)]
    assert all(s.weekday() == 0 and s.hour == 8 for s in starts)
    assert all(m["series"] == data["series"] for m in data["meetings"])
    assert Meeting.objects.filter(series_id=data["series"]).count() == 7
    # Every endpoint of the province, host included, booked in each occurrence.
    assert Participation.objects.filter(meeting__series_id=data["series"]).count() == 7 * 6
    assert Series.objects.get().rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=7"
    first = Meeting.objects.filter(series_id=data["series"]).order_by("start").first()
    assert first.recurrence_id == first.start


def test_a_monthly_rule_keeps_the_weekday_of_the_month(api, staff, province, clock):
    response = api(staff).post(
        "/api/meetings/",
        series_body(province, "RRULE:FREQ=MONTHLY;BYDAY=+1TH;COUNT=4", at(3, 5, 14), at(3, 5, 16)),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [s.date().isoformat() for s in local_starts(response.json()["meetings"])] == [
        "2026-03-05",
        "2026-04-02",
        "2026-05-07",
        "2026-06-04",
    ]


def test_an_open_rule_stops_at_the_horizon_and_at_the_cap(api, staff, province, clock, settings):
    settings.VCONF = {**settings.VCONF, "BOOKING_HORIZON_DAYS": 30}
    response = api(staff).post("/api/meetings/", series_body(province, "FREQ=WEEKLY"), format="json")
    assert len(response.json()["meetings"]) == 4  # 9, 16, 23, 30 March; 6 April is beyond 30 days
    settings.VCONF = {**settings.VCONF, "BOOKING_HORIZON_DAYS": 365, "SERIES_MAX_OCCURRENCES": 3}
    response = api(staff).post(
        "/api/meetings/", series_body(province, "FREQ=DAILY", at(4, 9, 8), at(4, 9, 9)), format="json"
    )
    assert len(response.json()["meetings"]) == 3


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY;COUNT=5",
        "FREQ=MINUTELY",
        "FREQ=SECONDLY",
        "FREQ=WEEKLY;BYDAY=XX",
        "COUNT=5",
        "nonsense",
        "FREQ=WEEKLY;UNTIL=20260301T000000Z",  # ends before it starts: nothing to book
        "DTSTART:20260309T080000\nRRULE:FREQ=DAILY",
        "FREQ=WEEKLY;UNTIL=20260401",  # a date-only UNTIL with a timed start
        "FREQ=DAILY;BYHOUR=8,9",  # twice a day: the meetings would overlap
        "FREQ=WEEKLY;INTERVAL=0",  # the same meeting again and again
        "FREQ=DAILY;INTERVAL=-1",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # never happens: must answer at once, not search to 9999
    ],
)
def test_rules_that_cannot_be_used_are_400_naming_recurrence(api, staff, province, clock, rule):
    response = api(staff).post("/api/meetings/", series_body(province, rule), format="json")
    assert response.status_code == 400, (rule, response.content)
    assert "recurrence" in response.json()
    assert not Meeting.objects.exists() and not Series.objects.exists()


def test_conflicts_of_every_occurrence_are_listed_and_nothing_is_booked(api, staff, province, clock):
    busy = [
        book(province, staff, at(3, 16, 8), at(3, 16, 9), [province.ep_c1], host=province.ep_d1, title="Việc khác"),
        book(
            province,
            staff,
            at(3, 30, 8, 30),
            at(3, 30, 10),
            [province.ep_c3],
            host=province.ep_d2,
            title="Việc khác nữa",
        ),
    ]
    before = Meeting.objects.count(), Participation.objects.count()
    response = api(staff).post("/api/meetings/", series_body(province, "FREQ=WEEKLY;COUNT=5"), format="json")
    assert response.status_code == 409
    conflicts = response.json()["conflicts"]
    by_occurrence = {(c["occurrence"][:10], c["endpoint"], c["meeting"]) for c in conflicts}
    assert by_occurrence == {
        ("2026-03-16", province.ep_d1.pk, busy[0].pk),
        ("2026-03-16", province.ep_c1.pk, busy[0].pk),
        ("2026-03-30", province.ep_d2.pk, busy[1].pk),
        ("2026-03-30", province.ep_c3.pk, busy[1].pk),
    }
    assert (Meeting.objects.count(), Participation.objects.count()) == before
    assert not Series.objects.exists()


def test_skip_conflicts_books_the_rest_and_reports_the_skipped(api, staff, province, clock):
    book(province, staff, at(3, 16, 8), at(3, 16, 9), [province.ep_c1], host=province.ep_d1, title="Việc khác")
    response = api(staff).post(
        "/api/meetings/", series_body(province, "FREQ=WEEKLY;COUNT=5", skip_conflicts=True), format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert [s.date().isoformat() for s in local_starts(data["meetings"])] == [
        "2026-03-09",
        "2026-03-23",
        "2026-03-30",
        "2026-04-06",
    ]
    (skipped,) = data["skipped"]
    assert skipped["start"] == "2026-03-16T08:00:00+07:00"
    assert {c["endpoint"] for c in skipped["conflicts"]} == {province.ep_d1.pk, province.ep_c1.pk}


def test_skip_conflicts_with_every_occurrence_taken_is_409(api, staff, province, clock):
    book(province, staff, at(3, 9, 7), at(3, 9, 12), [province.ep_c1], host=province.ep_d1, title="Cả ngày")
    response = api(staff).post(
        "/api/meetings/", series_body(province, "FREQ=WEEKLY;COUNT=1", skip_conflicts=True), format="json"
    )
    assert response.status_code == 409
    assert not Series.objects.exists()


def book_series(api, staff, province, rule="FREQ=WEEKLY;COUNT=4"):
    data = api(staff).post("/api/meetings/", series_body(province, rule), format="json").json()
    return [m["id"] for m in data["meetings"]]


def test_one_occurrence_can_be_moved_alone(api, staff, province, clock):
    ids = book_series(api, staff, province)
    response = api(staff).patch(
        f"/api/meetings/{ids[1]}/", {"start": "2026-03-17T08:00", "end": "2026-03-17T09:30"}, format="json"
    )
    assert response.status_code == 200, response.content
    starts = [Meeting.objects.get(pk=pk).start for pk in ids]
    assert starts == [at(3, 9, 8), at(3, 17, 8), at(3, 23, 8), at(3, 30, 8)]
    assert [Meeting.objects.get(pk=pk).sequence for pk in ids] == [0, 1, 0, 0]


def test_this_and_following_shifts_every_later_occurrence(api, staff, province, clock):
    ids = book_series(api, staff, province)
    response = api(staff).patch(
        f"/api/meetings/{ids[1]}/",
        {"start": "2026-03-17T08:00", "end": "2026-03-17T10:00", "scope": "following"},
        format="json",
    )
    assert response.status_code == 200, response.content
    moved = [Meeting.objects.get(pk=pk) for pk in ids]
    assert [m.start for m in moved] == [at(3, 9, 8), at(3, 17, 8), at(3, 24, 8), at(3, 31, 8)]
    assert [m.end - m.start for m in moved] == [timedelta(hours=1, minutes=30)] + [timedelta(hours=2)] * 3
    assert [m.sequence for m in moved] == [0, 1, 1, 1]
    assert all(
        p.start == p.meeting.start for p in Participation.objects.filter(meeting_id__in=ids).select_related("meeting")
    )


def test_shifting_a_daily_series_by_a_day_does_not_trip_over_itself(api, staff, province, clock):
    ids = book_series(api, staff, province, "FREQ=DAILY;COUNT=5")
    response = api(staff).patch(
        f"/api/meetings/{ids[0]}/", {"start": "2026-03-10T08:00", "scope": "following"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [Meeting.objects.get(pk=pk).start.day for pk in ids] == [10, 11, 12, 13, 14]


def test_this_and_following_is_all_or_nothing_with_every_conflict(api, staff, province, clock):
    ids = book_series(api, staff, province)
    blocker = book(province, staff, at(3, 31, 8), at(3, 31, 9), [province.ep_c2], host=province.ep_d1, title="Chặn")
    before = [(m.start, m.sequence) for m in Meeting.objects.filter(pk__in=ids).order_by("start")]
    response = api(staff).patch(
        f"/api/meetings/{ids[1]}/", {"start": "2026-03-17T08:00", "scope": "following"}, format="json"
    )
    assert response.status_code == 409
    assert {(c["occurrence"][:10], c["meeting"]) for c in response.json()["conflicts"]} == {("2026-03-31", blocker.pk)}
    assert [(m.start, m.sequence) for m in Meeting.objects.filter(pk__in=ids).order_by("start")] == before


def test_cancel_this_and_following(api, staff, province, clock):
    ids = book_series(api, staff, province)
    response = api(staff).post(f"/api/meetings/{ids[2]}/cancel/", {"scope": "following"}, format="json")
    assert response.status_code == 200
    assert [Meeting.objects.get(pk=pk).status for pk in ids] == ["scheduled", "scheduled", "cancelled", "cancelled"]
    assert not Participation.objects.filter(meeting_id__in=ids[2:], active=True).exists()


def test_cancel_one_occurrence(api, staff, province, clock):
    ids = book_series(api, staff, province)
    assert api(staff).post(f"/api/meetings/{ids[0]}/cancel/", {"scope": "this"}, format="json").status_code == 200
    assert [Meeting.objects.get(pk=pk).status for pk in ids] == ["cancelled", "scheduled", "scheduled", "scheduled"]


def test_a_series_is_mailed_once_per_operator(
    api, staff, operator, province, clock, django_capture_on_commit_callbacks
):
    from django.core import mail

    operator.email = "kt@example.vn"
    operator.save()
    with django_capture_on_commit_callbacks(execute=True):
        book_series(api, staff, province)
    (message,) = mail.outbox
    # One invitation for the whole series (RRULE), not one per occurrence.
    (part,) = message.attachments
    assert "RRULE:" in part.get_payload(decode=True).decode()
    assert "(4 buổi)" in message.subject
