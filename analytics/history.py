"""Backfill of past meetings with their head counts, so savings go back to 2010.

CSV columns (one row per endpoint per meeting; the header is row 1):

    meeting_ref    your reference of the meeting, the same on all its rows; stored as Meeting.uid,
                   so importing the same file again adds nothing
    title, start, end   the meeting (ISO 8601; a time without offset is Asia/Ho_Chi_Minh)
    host_endpoint  the host: an endpoint id written "id:12" (or "#12"), or a unit code
    endpoint       the endpoint of this row, written the same way
    attendees      head count; empty = invited but never connected (no check-in)
    structure      optional: legacy (default) or current, the tree of the unit codes
    description    optional

All rows or none: any bad row refuses the whole file with every error named by row and column.
A meeting already imported (same meeting_ref) is skipped. Past meetings still occupied their
endpoints, so a row whose endpoint was already in another meeting at that time is an error.
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import CheckIn, CheckInKind, Endpoint, Meeting, Participation, Structure
from rooms.services.booking import database_conflicts_as_409, lock_for_booking
from rooms.services.csv_files import RowErrors, read_rows, too_many_cells
from vconf import clock
from vconf.fields import read_moment
from vconf.limits import MAX_PEOPLE, MAX_YEAR, MIN_YEAR

REQUIRED = {"meeting_ref", "title", "start", "end", "host_endpoint", "endpoint", "attendees"}
OPTIONAL = {"structure", "description"}
# Check-in ids of imported history are derived from the row, so a replay can never duplicate one.
CHECKIN_NAMESPACE = uuid.UUID("5b0a3f1e-6c1d-4f0e-9a59-0d1e7a1c2b6f")
BATCH = 2000
# ("id", endpoint id) or ("unit", (structure, unit code)): how a row names an endpoint.
Reference = tuple[str, Any]


@dataclass
class Entry:
    """One valid row: an endpoint's head count in one meeting."""

    row: int
    ref: str
    title: str
    description: str
    start: dt.datetime
    end: dt.datetime
    host: int
    endpoint: int
    attendees: int | None


@dataclass
class Result:
    meetings: int = 0
    participations: int = 0
    checkins: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "meetings": self.meetings,
            "participations": self.participations,
            "checkins": self.checkins,
            "skipped_meetings": len(self.skipped),
        }


def import_history_csv(*, data: bytes | str, by: User) -> Result:
    return import_history_rows(rows=read_rows(data, required=REQUIRED, optional=OPTIONAL), by=by)


def parse_time(raw: str) -> dt.datetime | None:
    try:
        return read_moment(raw)
    except ValidationError:
        return None


def endpoint_reference(raw: str, structure: str) -> Reference | None:
    """("id", 12) for "id:12" or "#12"; ("unit", (structure, code)) for a unit code."""
    text = raw.strip()
    lowered = text.lower()
    for prefix in ("id:", "#"):
        if lowered.startswith(prefix):
            number = text[len(prefix) :].strip()
            return ("id", int(number)) if number.isascii() and number.isdigit() and len(number) < 19 else None
    return ("unit", (structure, text)) if text and len(text) <= 10 else None


class References:
    """Resolves the endpoint references of a whole file in a few queries."""

    def __init__(self, references: Iterable[Reference]) -> None:
        ids = sorted({value for kind, value in references if kind == "id"})
        units = {value for kind, value in references if kind == "unit"}
        self.ids = set()
        for start in range(0, len(ids), 500):
            self.ids |= set(Endpoint.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", flat=True))
        self.by_unit: dict[tuple[str, str], list[int]] = defaultdict(list)
        codes = sorted({code for _structure, code in units})
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            # A room carried onto the current tree is still found by the legacy unit it served.
            for prefix in ("unit", "legacy_unit"):
                for pk, structure, code in (
                    Endpoint.objects.filter(**{f"{prefix}__code__in": chunk})
                    .order_by("pk")
                    .values_list("pk", f"{prefix}__structure", f"{prefix}__code")
                ):
                    if pk not in self.by_unit[(structure, code)]:
                        self.by_unit[(structure, code)].append(pk)

    def resolve(self, reference: Reference) -> tuple[int | None, str | None]:
        kind, value = reference
        if kind == "id":
            return (value, None) if value in self.ids else (None, _("Không có điểm cầu id %s.") % value)
        found = self.by_unit.get(value, [])
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, _("Đơn vị %(code)s (%(structure)s) không có điểm cầu.") % {
                "code": value[1],
                "structure": value[0],
            }
        return None, _("Đơn vị %s có nhiều điểm cầu: ghi id:<số> của điểm cầu.") % value[1]


def check_row(values: dict[str, str], now: dt.datetime) -> tuple[dict, tuple]:
    """One row's own errors, and its parsed fields: ref, title, start, end, host, endpoint, attendees."""
    errors = too_many_cells(dict(values))
    structure = values.get("structure") or Structure.LEGACY
    if structure not in Structure.values:
        errors["structure"] = [_("Chọn legacy hoặc current.")]
    ref = values.get("meeting_ref", "")
    if not ref or len(ref) > 120:
        errors["meeting_ref"] = [_("Bắt buộc, tối đa 120 ký tự.")]
    title = values.get("title", "")
    if not title or len(title) > 200:
        errors["title"] = [_("Bắt buộc, tối đa 200 ký tự.")]
    start, end = parse_time(values.get("start", "")), parse_time(values.get("end", ""))
    for name, value in (("start", start), ("end", end)):
        if value is None:
            errors[name] = [
                _("Thời gian không hợp lệ (ISO 8601, năm %(lo)s–%(hi)s).") % {"lo": MIN_YEAR, "hi": MAX_YEAR}
            ]
    if start and end and end <= start:
        errors["end"] = [_("Phải sau giờ bắt đầu.")]
    elif end and end > now:
        errors["end"] = [_("Chỉ nhập cuộc họp đã kết thúc.")]
    host = endpoint_reference(values.get("host_endpoint", ""), structure)
    endpoint = endpoint_reference(values.get("endpoint", ""), structure)
    for name, reference in (("host_endpoint", host), ("endpoint", endpoint)):
        if reference is None:
            errors[name] = [_("Ghi id:<số> hoặc mã đơn vị.")]
    raw = values.get("attendees", "")
    attendees = None
    if raw != "":
        # isascii: "²" is a digit to str.isdigit and not a number to int(); the length check first,
        # because int() refuses a string of thousands of digits with a ValueError.
        digits = raw.lstrip("0")
        if not (raw.isascii() and raw.isdigit()) or len(digits) > len(str(MAX_PEOPLE)) or int(raw) > MAX_PEOPLE:
            errors["attendees"] = [_("Số nguyên 0–%s, hoặc để trống nếu điểm cầu không kết nối.") % MAX_PEOPLE]
        else:
            attendees = int(raw)
    return errors, (ref, title, start, end, host, endpoint, attendees)


def read_entries(rows: list[tuple[int, dict[str, str]]], now: dt.datetime) -> tuple[list[Entry], list[dict]]:
    """Parse and check every row on its own; the errors name row and column."""
    parsed, errors_by_row = [], {}
    for number, values in rows:
        errors_by_row[number], fields = check_row(values, now)
        parsed.append((number, values, *fields))
    references: list[Reference] = [reference for item in parsed for reference in item[6:8] if reference is not None]
    resolver = References(references)
    entries = []
    for number, values, ref, title, start, end, host, endpoint, attendees in parsed:
        errors = errors_by_row[number]
        ids: dict[str, int | None] = {}
        for name, reference in (("host_endpoint", host), ("endpoint", endpoint)):
            if reference is not None:
                ids[name], message = resolver.resolve(reference)
                if message:
                    errors[name] = [message]
        host_id, endpoint_id = ids.get("host_endpoint"), ids.get("endpoint")
        # A row without errors has both times and both endpoints.
        if not errors and start and end and host_id is not None and endpoint_id is not None:
            entries.append(
                Entry(number, ref, title, values.get("description", ""), start, end, host_id, endpoint_id, attendees)
            )
    bad = [{"row": number, "errors": errors} for number, errors in errors_by_row.items() if errors]
    return entries, bad


def group_meetings(entries: list[Entry]) -> tuple[dict[str, list[Entry]], list[dict]]:
    """Rows by meeting_ref; rows of one meeting must agree on the meeting and not repeat an endpoint."""
    meetings: dict[str, list[Entry]] = defaultdict(list)
    bad = []
    for entry in entries:
        group = meetings[entry.ref]
        if group:
            first = group[0]
            errors = {}
            for name, mine, theirs in (
                ("title", entry.title, first.title),
                ("start", entry.start, first.start),
                ("end", entry.end, first.end),
                ("host_endpoint", entry.host, first.host),
            ):
                if mine != theirs:
                    errors[name] = [_("Khác với dòng %s của cùng cuộc họp.") % first.row]
            if any(other.endpoint == entry.endpoint for other in group):
                errors["endpoint"] = [_("Điểm cầu đã có ở dòng khác của cùng cuộc họp.")]
            if errors:
                bad.append({"row": entry.row, "errors": errors})
                continue
        group.append(entry)
    return meetings, bad


def existing_meetings(refs: list[str]) -> dict[str, bool]:
    """uid → imported, for the refs already in the database."""
    found: dict[str, bool] = {}
    for start in range(0, len(refs), 500):
        found.update(Meeting.objects.filter(uid__in=refs[start : start + 500]).values_list("uid", "imported"))
    return found


@dataclass
class Interval:
    start: dt.datetime
    end: dt.datetime
    endpoint: int
    row: int | None  # None: a participation already in the database
    column: str = ""
    label: str = ""


def intervals_of(meetings: dict[str, list[Entry]]) -> list[Interval]:
    """The time each new meeting holds each of its endpoints, the host included."""
    intervals = []
    for ref, group in meetings.items():
        first = group[0]
        for entry in group:
            intervals.append(Interval(first.start, first.end, entry.endpoint, entry.row, "endpoint", ref))
        if first.host not in {entry.endpoint for entry in group}:
            intervals.append(Interval(first.start, first.end, first.host, first.row, "host_endpoint", ref))
    return intervals


def overlap_errors(intervals: list[Interval]) -> list[dict]:
    """Rows whose endpoint was already in another meeting then, in the file or the database."""
    if not intervals:
        return []
    by_endpoint: dict[int, list[Interval]] = defaultdict(list)
    for interval in intervals:
        by_endpoint[interval.endpoint].append(interval)
    ids = sorted(by_endpoint)
    lo, hi = min(i.start for i in intervals), max(i.end for i in intervals)
    for start in range(0, len(ids), 500):
        booked = Participation.objects.filter(
            active=True, endpoint_id__in=ids[start : start + 500], start__lt=hi, end__gt=lo
        ).values_list("endpoint_id", "start", "end", "meeting_id", "meeting__title")
        for endpoint, begins, ends, meeting, title in booked:
            by_endpoint[endpoint].append(Interval(begins, ends, endpoint, None, "", f"#{meeting} {title}"))
    bad = []
    for items in by_endpoint.values():
        items.sort(key=lambda i: (i.start, i.end))
        latest = items[0]
        for item in items[1:]:
            if item.start < latest.end:
                new, other = (item, latest) if item.row is not None else (latest, item)
                if new.row is not None:
                    where = other.label if other.row is None else _("dòng %s") % other.row
                    message = _("Điểm cầu đã ở trong cuộc họp khác cùng giờ (%s).") % where
                    bad.append({"row": new.row, "errors": {new.column: [message]}})
            if item.end > latest.end:
                latest = item
    return bad


def merge_errors(*lists: list[dict]) -> list[dict]:
    rows: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for entries in lists:
        for entry in entries:
            for column, messages in entry["errors"].items():
                rows[entry["row"]].setdefault(column, []).extend(messages)
    return [{"row": row, "errors": errors} for row, errors in sorted(rows.items())]


def import_history_rows(*, rows: list[tuple[int, dict[str, str]]], by: User) -> Result:
    """Validate every row, then write every new meeting in one transaction; RowErrors if any row is bad."""
    now = clock.now()
    entries, bad = read_entries(rows, now)
    meetings, inconsistent = group_meetings(entries)
    result = Result()
    existing = existing_meetings(list(meetings))
    clashes = []
    for ref in list(meetings):
        if ref not in existing:
            continue
        group = meetings.pop(ref)
        if existing[ref]:
            result.skipped.append(ref)
        else:
            message = _("Mã này là của một cuộc họp đã đặt lịch, không phải cuộc họp nhập.")
            clashes.append({"row": group[0].row, "errors": {"meeting_ref": [message]}})
    errors = merge_errors(bad, inconsistent, clashes, overlap_errors(intervals_of(meetings)))
    if errors:
        raise RowErrors(errors)
    with database_conflicts_as_409():
        write_meetings(meetings, by=by, result=result)
    return result


@transaction.atomic
def write_meetings(meetings: dict[str, list[Entry]], *, by: User, result: Result) -> None:
    endpoint_ids = {e.endpoint for group in meetings.values() for e in group}
    endpoint_ids |= {group[0].host for group in meetings.values()}
    lock_for_booking(bridge_ids=[], endpoint_ids=endpoint_ids)
    objects = [
        Meeting(
            uid=ref,
            title=group[0].title,
            description=group[0].description,
            host_id=group[0].host,
            start=group[0].start,
            end=group[0].end,
            organizer=by,
            imported=True,
        )
        for ref, group in meetings.items()
    ]
    created = Meeting.objects.bulk_create(objects, batch_size=BATCH)
    pks = {m.uid: m.pk for m in created}
    if any(pk is None for pk in pks.values()):  # a backend that cannot return ids from a bulk insert
        pks = dict(Meeting.objects.filter(uid__in=list(pks)).values_list("uid", "pk"))
    participations, checkins = [], []
    for ref, group in meetings.items():
        first, meeting_id = group[0], pks[ref]
        booked = {entry.endpoint: entry for entry in group}
        for endpoint in sorted({*booked, first.host}):
            participations.append(
                Participation(
                    meeting_id=meeting_id,
                    endpoint_id=endpoint,
                    is_host=endpoint == first.host,
                    start=first.start,
                    end=first.end,
                )
            )
            entry = booked.get(endpoint)
            if entry is None or entry.attendees is None:
                continue
            for kind, at, attendees in (
                (CheckInKind.IN, first.start, entry.attendees),
                (CheckInKind.OUT, first.end, None),
            ):
                checkins.append(
                    CheckIn(
                        meeting_id=meeting_id,
                        endpoint_id=endpoint,
                        kind=kind,
                        attendees=attendees,
                        client_id=uuid.uuid5(CHECKIN_NAMESPACE, f"{ref}|{endpoint}|{kind}"),
                        recorded_by=by,
                        at=at,
                        note=_("Nhập lịch sử"),
                    )
                )
    Participation.objects.bulk_create(participations, batch_size=BATCH)
    CheckIn.objects.bulk_create(checkins, batch_size=BATCH)
    result.meetings = len(objects)
    result.participations = len(participations)
    result.checkins = len(checkins)
