"""iCalendar in and out: the invitation of one meeting, the subscription feed of one endpoint
(cached until a booking touching it changes), and reading an uploaded calendar for import.

Times are written with TZID=Asia/Ho_Chi_Minh and a VTIMEZONE (no daylight saving: one STANDARD
rule, +07:00), so every client shows the same wall-clock time as the web pages.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.request import Request

from rooms.models import Endpoint, Meeting, MeetingStatus
from rooms.models.accounts import person_name
from rooms.selectors.meetings import meetings_of_endpoint
from vconf import clock

TZID = "Asia/Ho_Chi_Minh"
LOCAL = ZoneInfo(TZID)
PRODID = "-//vconf//Hoi nghi truyen hinh//VI"
# How far back a subscription feed reaches; the future is bounded by the booking horizon.
FEED_PAST_DAYS = 180
# A cached feed also expires by itself, so a renamed room or dial address shows within the hour.
FEED_CACHE_SECONDS = 3600
# Reminders every invitation and feed event carries (VALARM): the day before, and when the
# test-call window opens (the readiness ladder, docs/readiness.md).
ALARMS_BEFORE = (timedelta(days=1), timedelta(minutes=60))


def vtimezone() -> icalendar.Timezone:
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    standard = icalendar.TimezoneStandard()
    standard.add("dtstart", datetime(1975, 6, 13))  # noqa: DTZ001 - a VTIMEZONE rule start is local, by RFC 5545
    standard.add("tzoffsetfrom", timedelta(hours=7))
    standard.add("tzoffsetto", timedelta(hours=7))
    standard.add("tzname", "ICT")
    tz.add_component(standard)
    return tz


def new_calendar(method: str | None = None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add_component(vtimezone())
    return cal


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL)


def dial_line(label: str, name: str, address: str) -> str:
    return f"{label}: {name}" + (f" — {address}" if address else "")


def meeting_url(pk: int) -> str:
    return settings.SITE_URL + reverse("meeting-detail", args=[pk])


def base_event(meeting: Meeting, *, url: str | None = None) -> icalendar.Event:
    """What every calendar needs to know about a meeting: the invitation and the feed alike."""
    return new_event(
        uid=meeting.uid,
        sequence=meeting.sequence,
        stamp=meeting.updated_at,
        start=meeting.start,
        end=meeting.end,
        title=meeting.title,
        location=meeting.host.name,
        cancelled=meeting.status == MeetingStatus.CANCELLED,
        url=url or meeting_url(meeting.pk),
        tentative=meeting.status == MeetingStatus.PENDING,
    )


def new_event(
    *,
    uid: str,
    sequence: int,
    stamp: datetime | None,
    start: datetime,
    end: datetime,
    title: str,
    location: str,
    cancelled: bool,
    url: str,
    tentative: bool = False,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC) if stamp else clock.now())
    event.add("dtstart", local(start))
    event.add("dtend", local(end))
    event.add("summary", title)
    event.add("location", location)
    # TENTATIVE: a department's request the office has not approved yet (rooms/services/approval.py).
    event.add("status", "CANCELLED" if cancelled else "TENTATIVE" if tentative else "CONFIRMED")
    event.add("url", url)
    if not cancelled:
        for before in ALARMS_BEFORE:
            event.add_component(alarm(before, title))
    return event


def alarm(before: timedelta, title: str) -> icalendar.Alarm:
    reminder = icalendar.Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", title)
    reminder.add("trigger", -before)
    return reminder


def invite_calendar(meeting: Meeting, *, method: str | None = None) -> bytes:
    """The invitation (METHOD:REQUEST), or its withdrawal (METHOD:CANCEL) once cancelled: the
    rooms in LOCATION, one ATTENDEE per operator of every endpoint (CN: the name as written), the
    dial addresses in the description. `method` CANCEL withdraws it from someone taken out of a
    meeting that still takes place. An occurrence of a live series is invited as the whole series
    (series_calendar); a cancelled occurrence is withdrawn by its RECURRENCE-ID."""
    method = method or ("CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST")
    if meeting.series is not None and meeting.recurrence_id and method == "REQUEST":
        from rooms.ical_series import series_calendar  # it builds on this module's pieces

        return series_calendar(meeting.series)
    cal = new_calendar(method)
    participations = list(
        meeting.participations.select_related("endpoint", "endpoint__unit").prefetch_related(
            "endpoint__operators__profile"
        )
    )
    event = base_event(meeting)
    if method == "CANCEL":
        event["status"] = icalendar.vText("CANCELLED")
    if meeting.series is not None and meeting.recurrence_id:
        # One occurrence of the series the calendars hold under the series' UID.
        event["uid"] = icalendar.vText(meeting.series.uid)
        event.add("recurrence-id", local(meeting.recurrence_id))
    describe_participants(event, meeting, participations)
    cal.add_component(event)
    return cal.to_ical()


def describe_participants(event: icalendar.Event, meeting: Meeting, participations: list) -> None:
    """LOCATION (the host, then every room), DESCRIPTION with the dial addresses, ORGANIZER and an
    ATTENDEE per operator, and the X-VCONF fields the importer reads back."""
    rooms = [meeting.host.name, *(p.endpoint.name for p in participations if not p.is_host)]
    event["location"] = icalendar.vText("; ".join(rooms))
    lines = [meeting.description] if meeting.description else []
    lines.append(dial_line(_("Điểm cầu chủ trì"), meeting.host.name, meeting.host.dial_address))
    if meeting.bridge:
        lines.append(dial_line(_("Cầu MCU"), meeting.bridge.name, meeting.bridge.dial_address))
    lines.append(_("Các điểm cầu tham gia:"))
    lines += [
        "- " + dial_line(p.endpoint.unit.name, p.endpoint.name, p.endpoint.dial_address)
        for p in participations
        if not p.is_host
    ]
    event.add("description", "\n".join(lines))
    organizer = meeting.organizer
    organizer_address = icalendar.vCalAddress(f"mailto:{organizer.email or settings.DEFAULT_FROM_EMAIL}")
    organizer_address.params["cn"] = person_name(organizer)
    event.add("organizer", organizer_address)
    seen: set[str] = set()
    for participation in participations:
        for operator in participation.endpoint.operators.all():
            # An operator without an e-mail address has no calendar to answer from: left out.
            if not operator.email or operator.email.lower() in seen:
                continue
            seen.add(operator.email.lower())
            attendee = icalendar.vCalAddress(f"mailto:{operator.email}")
            attendee.params["cn"] = person_name(operator)
            attendee.params["role"] = "REQ-PARTICIPANT"
            attendee.params["partstat"] = "NEEDS-ACTION"
            attendee.params["cutype"] = "ROOM" if participation.is_host else "INDIVIDUAL"
            event.add("attendee", attendee, encode=0)
    # Read back by the importer, so an exported invitation books the same endpoints again.
    event.add("x-vconf-host", str(meeting.host_id))
    event.add("x-vconf-endpoints", ",".join(str(p.endpoint_id) for p in participations if not p.is_host))
    if meeting.bridge_id:
        event.add("x-vconf-bridge", str(meeting.bridge_id))


# ------------------------------------------------------------------------- subscription feeds


def feed_version_key(endpoint_id: int) -> str:
    return f"vconf:feedver:{endpoint_id}"


def bump_feed_versions(endpoint_ids: list[int]) -> None:
    """Called after a booking commits: the feeds of these endpoints are rendered anew. A new
    random-ish version (not a counter) so an evicted version key can never revive an old body."""
    if endpoint_ids:
        stamp = f"{time.time_ns():x}"
        cache.set_many({feed_version_key(pk): stamp for pk in endpoint_ids}, timeout=None)


def feed_version(endpoint_id: int) -> str:
    key = feed_version_key(endpoint_id)
    version = cache.get(key)
    if version is None:
        version = f"{time.time_ns():x}"
        cache.add(key, version, timeout=None)
        version = cache.get(key, version)
    return version


@dataclass
class Feed:
    etag: str
    body: bytes


def cached_feed(endpoint: Endpoint) -> Feed:
    """The endpoint's feed from the cache, rendered only when a booking changed it."""
    key = f"vconf:feed:{endpoint.pk}:{feed_version(endpoint.pk)}"
    hit = cache.get(key)
    if hit is not None:
        return Feed(*hit)
    body = render_feed(endpoint)
    feed = Feed(etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"', body=body)
    cache.set(key, (feed.etag, feed.body), timeout=FEED_CACHE_SECONDS)
    return feed


def render_feed(endpoint: Endpoint) -> bytes:
    cal = new_calendar("PUBLISH")
    cal.add("x-wr-calname", endpoint.name)
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    since = clock.now() - timedelta(days=FEED_PAST_DAYS)
    # Hoisted out of the loop: 500 events would otherwise mean 500 URL reversals and 1,000 lookups
    # of the same two translated labels.
    host_label, bridge_label = _("Điểm cầu chủ trì"), _("Cầu MCU")
    url_pattern = meeting_url(0).replace("/0/", "/{}/")
    # Plain rows, not model instances: 500 meetings with their host and bridge would be 1,500.
    for row in meetings_of_endpoint(endpoint_id=endpoint.pk, since=since):
        pk, uid, sequence, stamp, start, end, title, status, host, host_dial, bridge, bridge_dial = row
        event = new_event(
            uid=uid,
            sequence=sequence,
            stamp=stamp,
            start=start,
            end=end,
            title=title,
            location=host,
            cancelled=status == MeetingStatus.CANCELLED,
            url=url_pattern.format(pk),
            tentative=status == MeetingStatus.PENDING,
        )
        lines = [dial_line(host_label, host, host_dial)]
        if bridge:
            lines.append(dial_line(bridge_label, bridge, bridge_dial))
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    return cal.to_ical()


# ---------------------------------------------------------------------------------- import


@dataclass
class ImportedEvent:
    """One VEVENT of an uploaded calendar, as the booking services need it."""

    uid: str
    summary: str
    description: str = ""
    start: datetime | None = None
    end: datetime | None = None
    rrule: str = ""
    exdates: list[datetime] = field(default_factory=list)
    host_id: int | None = None
    endpoint_ids: list[int] = field(default_factory=list)
    unit_codes: list[str] = field(default_factory=list)
    bridge_id: int | None = None
    location: str = ""
    attendee_emails: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)


def as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL)  # floating time: local
    return None


def id_list(text: str) -> list[int]:
    return [int(part) for part in str(text).replace(";", ",").split(",") if part.strip()]


# VCALENDAR > VEVENT > VALARM is as deep as a calendar goes; deeper nesting is not a calendar
# (and icalendar's own walk recurses: 2,000 levels exhaust Python's stack).
MAX_NESTING = 3


def check_nesting(data: bytes) -> None:
    """Raises ValueError for components nested deeper than MAX_NESTING, before parsing."""
    depth = 0
    for line in data.splitlines():
        keyword = line[:6].upper()
        if keyword == b"BEGIN:":
            depth += 1
            if depth > MAX_NESTING:
                raise ValueError(_("thành phần lồng nhau quá %(n)s cấp") % {"n": MAX_NESTING})
        elif keyword[:4] == b"END:":
            depth -= 1


def read_calendar(data: bytes) -> list[ImportedEvent]:
    """Every VEVENT of an iCalendar file. Raises ValueError when the file is not iCalendar."""
    check_nesting(data)
    cal = icalendar.Calendar.from_ical(data)
    return [read_event(c) for c in cal.subcomponents if isinstance(c, icalendar.Event)]


def read_event(component: icalendar.Event) -> ImportedEvent:
    event = ImportedEvent(uid=str(component.get("uid", "")), summary=str(component.get("summary", "")).strip())
    event.description = str(component.get("description", ""))
    event.location = str(component.get("location", "")).strip()
    problems = event.problems
    start = component.decoded("dtstart") if "dtstart" in component else None
    if isinstance(start, date) and not isinstance(start, datetime):
        problems.setdefault("start", []).append(_("Sự kiện cả ngày không phải cuộc họp trực tuyến."))
    event.start = as_datetime(start)
    if "dtend" in component:
        event.end = as_datetime(component.decoded("dtend"))
    elif "duration" in component and event.start:
        event.end = event.start + component.decoded("duration")
    if event.start is None or event.end is None:
        problems.setdefault("start", []).append(_("Thiếu DTSTART/DTEND."))
    if "recurrence-id" in component:
        problems.setdefault("recurrence", []).append(_("Ngoại lệ của chuỗi (RECURRENCE-ID) chưa được hỗ trợ."))
    if "rdate" in component:
        problems.setdefault("recurrence", []).append(_("RDATE chưa được hỗ trợ."))
    if "rrule" in component:
        event.rrule = component["rrule"].to_ical().decode()
    # A property icalendar could not read is left out of the event, with its reason here: an
    # unreadable RRULE must refuse the event, not book it once.
    for name, reason in getattr(component, "errors", []):
        key = {"RRULE": "recurrence", "EXDATE": "recurrence", "DTSTART": "start", "DTEND": "end"}.get(name, "file")
        problems.setdefault(key, []).append(f"{name}: {reason}")
    exdates = component.get("exdate")
    for item in (exdates if isinstance(exdates, list) else [exdates]) if exdates is not None else []:
        event.exdates += [value for d in item.dts if (value := as_datetime(d.dt))]
    if str(component.get("status", "")).upper() == "CANCELLED":
        problems.setdefault("status", []).append(_("Sự kiện đã hủy, không đặt lịch."))
    try:
        if "x-vconf-host" in component:
            event.host_id = int(str(component["x-vconf-host"]).strip())
        if "x-vconf-endpoints" in component:
            event.endpoint_ids = id_list(component["x-vconf-endpoints"])
        if "x-vconf-bridge" in component:
            event.bridge_id = int(str(component["x-vconf-bridge"]).strip())
    except ValueError:
        problems.setdefault("endpoints", []).append(_("X-VCONF-HOST/ENDPOINTS/BRIDGE phải là mã số."))
    if "x-vconf-units" in component:
        event.unit_codes = [c.strip() for c in str(component["x-vconf-units"]).split(",") if c.strip()]
    attendees = component.get("attendee", [])
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee)
        if address.lower().startswith("mailto:"):
            event.attendee_emails.append(address[len("mailto:") :].strip().lower())
    return event


# vconf/settings.py's SITE_URL when the environment sets none: a development address.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"


def feed_url(endpoint: Endpoint, request: HttpRequest | Request | None = None) -> str:
    """The full subscription link of an endpoint (the Endpoint API's `calendar_url`): on SITE_URL
    when it is set, otherwise on the host that served `request` (ALLOWED_HOSTS guards it)."""
    path = f"{reverse('endpoint-calendar', args=[endpoint.pk])}?token={endpoint.feed_token}"
    if request is not None and settings.SITE_URL == DEVELOPMENT_SITE_URL:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path
