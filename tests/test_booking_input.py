"""Hostile input in booking: control characters in texts, rules that would expand for ever or that
dateutil or icalendar cannot read, nested calendars, weeks at the ends of the calendar. Each is a
400 naming what is wrong (or a clamp), never a 500, and nothing is written."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rooms.models import Meeting, Series
from rooms.services import booking_recurrence
from tests.helpers import booking_form
from tests.test_booking_api import at, body, snapshot
from tests.test_ical_import import calendar, post, vevent

pytestmark = pytest.mark.django_db

WORST_RULE = "FREQ=DAILY;BYSETPOS=1;BYMONTH=2;BYMONTHDAY=30;UNTIL=99991231T000000Z"
HOSTILE = {"CR": "\r", "LS": "\u2028", "PS": "\u2029", "NEL": "\x85", "VT": "\x0b", "FF": "\x0c", "NUL": "\x00"}


def book(api, user, province, **extra):
    return api(user).post("/api/meetings/", body(province, at(3, 9), at(3, 10), **extra), format="json")


@pytest.mark.parametrize("field", ["title", "description"])
@pytest.mark.parametrize("character", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_text_with_a_control_character_is_refused_naming_the_field(api, staff, province, clock, field, character):
    before = snapshot()
    response = book(api, staff, province, **{field: f"Họp{character}giao ban"})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert snapshot() == before


def test_a_title_with_a_newline_is_refused(api, staff, province, clock):
    assert book(api, staff, province, title="Họp\ngiao ban").status_code == 400


def test_a_description_keeps_its_line_breaks_and_the_invitation_stays_valid(api, staff, province, clock):
    response = book(api, staff, province, description="Dòng một\nDòng hai\r\nDòng ba\tcột")
    assert response.status_code == 201
    invite = api(staff).get(f"/api/meetings/{response.json()['id']}/invite.ics").content
    # Every line of the file ends with CRLF; no bare CR or LF inside a line.
    assert b"\r" not in invite.replace(b"\r\n", b"") and b"\n" not in invite.replace(b"\r\n", b"")


def test_changing_a_title_to_one_with_a_line_separator_is_refused(api, staff, province, clock):
    meeting_id = book(api, staff, province).json()["id"]
    response = api(staff).patch(f"/api/meetings/{meeting_id}/", {"title": "Dời\u2028lịch"}, format="json")
    assert response.status_code == 400
    assert Meeting.objects.get(pk=meeting_id).title == "Họp giao ban"


def test_the_booking_page_refuses_a_title_with_a_carriage_return(client, staff, province, clock):
    client.force_login(staff)
    form = booking_form(province, title="Họp\rgiao ban")
    response = client.post(reverse("meeting-book"), form)
    assert response.status_code == 400
    assert not Meeting.objects.exists()


# ------------------------------------------------------------------------------------ RRULE


def test_a_rule_searching_until_the_year_9999_is_bounded_by_the_horizon(clock, settings):
    start = at(3, 9)
    rule = booking_recurrence.parse_rule(WORST_RULE, start=start, now=clock.now())
    assert rule.rule._until <= clock.now() + timedelta(days=settings.VCONF["BOOKING_HORIZON_DAYS"] + 1)
    with pytest.raises(ValidationError) as refused:
        booking_recurrence.expand(rule, start=start, end=at(3, 10), now=clock.now())
    assert list(refused.value.message_dict) == ["recurrence"]


def test_the_worst_rule_is_refused_as_booking_nothing(api, staff, province, clock):
    response = book(api, staff, province, recurrence=WORST_RULE)
    assert response.status_code == 400
    assert list(response.json()) == ["recurrence"]
    assert not Series.objects.exists()


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYDAY=+999MO", "FREQ=YEARLY;BYDAY=-60FR", "FREQ=WEEKLY;BYDAY=XX"])
def test_a_rule_dateutil_cannot_expand_is_a_400_with_a_message(api, staff, province, clock, rule):
    response = book(api, staff, province, recurrence=rule)
    assert response.status_code == 400
    assert response.json()["recurrence"][0]
    assert not Meeting.objects.exists()


# ------------------------------------------------------------------------------- ICS import


def test_an_rrule_icalendar_cannot_read_refuses_the_event_with_its_reason(api, staff, province, clock):
    extra = f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}\nRRULE:FREQ=WEEKLY;BYDAY=XX"
    response = post(api, staff, calendar(vevent("bad-rule@test", extra=extra)))
    assert response.status_code == 200
    (refused,) = response.json()["refused"]
    assert refused["status"] == 400
    assert "RRULE" in refused["errors"]["recurrence"][0]
    assert not Meeting.objects.exists()


def test_an_imported_description_over_5000_characters_is_refused(api, staff, province, clock):
    extra = f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}\nDESCRIPTION:{'x' * 5001}"
    response = post(api, staff, calendar(vevent("long@test", extra=extra)))
    (refused,) = response.json()["refused"]
    assert list(refused["errors"]) == ["description"]
    assert not Meeting.objects.exists()


def test_an_imported_summary_with_a_vertical_tab_is_refused(api, staff, province, clock):
    extra = f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}"
    response = post(api, staff, calendar(vevent("vt@test", summary="Họp\x0bnhập", extra=extra)))
    (refused,) = response.json()["refused"]
    assert list(refused["errors"]) == ["title"]
    assert not Meeting.objects.exists()


def test_an_imported_worst_rule_answers_at_once(api, staff, province, clock):
    extra = f"X-VCONF-HOST:{province.host.pk}\nX-VCONF-ENDPOINTS:{province.ep_c1.pk}\nRRULE:{WORST_RULE}"
    response = post(api, staff, calendar(*[vevent(f"w{i}@test", extra=extra) for i in range(20)]))
    assert response.status_code == 200
    assert len(response.json()["refused"]) == 20
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("depth", [4, 3000])
def test_deeply_nested_components_are_a_400_with_a_message(api, staff, province, clock, depth):
    nested = "BEGIN:VEVENT\r\nUID:x\r\n" * depth + "END:VEVENT\r\n" * depth
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{nested}END:VCALENDAR\r\n".encode()
    response = post(api, staff, data)
    assert response.status_code == 400
    assert "lồng nhau" in response.json()["file"][0]


# ------------------------------------------------------------------------------ week calendar


@pytest.mark.parametrize(("week", "shown"), [("0001-01-01", date(2000, 1, 1)), ("9999-12-31", date(2100, 12, 31))])
def test_a_week_at_the_ends_of_the_calendar_shows_the_nearest_bookable_week(
    client, staff, province, clock, week, shown
):
    client.force_login(staff)
    response = client.get(reverse("meeting-calendar"), {"week": week})
    assert response.status_code == 200
    assert response.context["monday"] <= shown < response.context["next"]


def test_the_calendar_ignores_an_endpoint_filter_that_is_not_a_number(client, staff, province, clock):
    client.force_login(staff)
    response = client.get(reverse("meeting-calendar"), {"endpoint": "²", "unit": "%00"})
    assert response.status_code == 200
    assert response.context["endpoint_id"] == ""


def test_the_calendar_week_is_monday_of_the_given_day(client, staff, province, clock):
    client.force_login(staff)
    response = client.get(reverse("meeting-calendar"), {"week": "2026-03-05"})
    assert response.context["monday"] == datetime(2026, 3, 2).date()
