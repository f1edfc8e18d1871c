"""The readiness report: per meeting or per room over a period, how the rooms stood before the
start. Per booked room of a meeting (cancelled ones left out):

- tested_on_time: a successful test call by the escalation moment (30 minutes before);
- tested_late: the first successful test call after it;
- test_failed: at least one failed test call;
- not_tested: no test call at all;
- escalated: reported to the technical desk (a notice was recorded);
- late: the first check-in after start + grace (the attendance definition).
"""

from collections import defaultdict
from datetime import datetime

from django.db.models import Min, QuerySet

from rooms.models import CheckIn, CheckInKind, Endpoint, MeetingStatus, Participation, TestResult
from rooms.selectors.attendance import grace
from rooms.selectors.readiness import escalated, escalation_moment

FIGURES = ["rooms", "tested_on_time", "tested_late", "test_failed", "not_tested", "escalated", "late"]


def _tests(meeting_ids: list[int]) -> tuple[dict[tuple[int, int], datetime], set[tuple[int, int]], set]:
    first_ok: dict[tuple[int, int], datetime] = {}
    failed, tested = set(), set()
    rows = CheckIn.objects.filter(meeting_id__in=meeting_ids, kind=CheckInKind.TEST).order_by("at", "id")
    for meeting_id, endpoint_id, at, result in rows.values_list("meeting_id", "endpoint_id", "at", "result"):
        key = (meeting_id, endpoint_id)
        tested.add(key)
        if result == TestResult.OK:
            first_ok.setdefault(key, at)
        else:
            failed.add(key)
    return first_ok, failed, tested


def room_rows(
    *, start: datetime, end: datetime, endpoints: QuerySet[Endpoint], meeting: int | None = None
) -> list[dict]:
    """One row per booked room of the meetings starting in [start, end) (or of one meeting)."""
    booked = Participation.objects.filter(active=True, meeting__status=MeetingStatus.SCHEDULED, endpoint__in=endpoints)
    booked = booked.filter(meeting_id=meeting) if meeting else booked.filter(start__gte=start, start__lt=end)
    rows = list(
        booked.order_by("start", "meeting_id", "endpoint__name").values_list(
            "meeting_id", "meeting__title", "start", "endpoint_id", "endpoint__name"
        )
    )
    meeting_ids = sorted({row[0] for row in rows})
    first_ok, failed, tested = _tests(meeting_ids)
    raised = escalated(meeting_ids)
    first_in = {
        (m, e): at
        for m, e, at in CheckIn.objects.filter(meeting_id__in=meeting_ids, kind=CheckInKind.IN)
        .values("meeting_id", "endpoint_id")
        .annotate(first=Min("at"))
        .values_list("meeting_id", "endpoint_id", "first")
    }
    period = grace()
    result = []
    for meeting_id, title, begins, endpoint_id, name in rows:
        key = (meeting_id, endpoint_id)
        ok_at, came = first_ok.get(key), first_in.get(key)
        result.append(
            {
                "meeting": meeting_id,
                "title": title,
                "start": begins,
                "endpoint": endpoint_id,
                "name": name,
                "tested_on_time": ok_at is not None and ok_at <= escalation_moment(begins),
                "tested_late": ok_at is not None and ok_at > escalation_moment(begins),
                "test_failed": key in failed,
                "not_tested": key not in tested,
                "escalated": key in raised,
                "late": came is not None and came > begins + period,
            }
        )
    return result


def grouped(rows: list[dict], *, group_by: str) -> tuple[list[dict], dict[str, int]]:
    """Rows summed per meeting or per endpoint (figures are counts of rooms), and the totals."""
    groups: dict[int, dict] = {}
    totals = dict.fromkeys(FIGURES, 0)
    for row in rows:
        key = row[group_by]
        if key not in groups:
            head = {"meeting": key, "title": row["title"], "start": row["start"]} if group_by == "meeting" else {}
            groups[key] = head or {"endpoint": key, "name": row["name"]}
            groups[key].update(dict.fromkeys(FIGURES, 0))
        group = groups[key]
        group["rooms"] += 1
        totals["rooms"] += 1
        for figure in FIGURES[1:]:
            group[figure] += int(row[figure])
            totals[figure] += int(row[figure])
    ordered = list(groups.values())
    if group_by == "endpoint":
        ordered.sort(key=lambda g: (g["name"], g["endpoint"]))
    return ordered, totals


def readiness_counts(board_rows: list) -> dict[str, int]:
    """The meeting page's figures from its live board rows (rooms/selectors/attendance.py)."""
    counts: dict[str, int] = defaultdict(int)
    for row in board_rows:
        counts[row.readiness] += 1
        counts["escalated"] += int(row.escalated)
    return {key: counts[key] for key in ("tested", "test_failed", "not_tested", "escalated")}
