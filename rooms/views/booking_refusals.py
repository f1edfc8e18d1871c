"""A refusal as the pages show it. A few conflicts are listed one by one; a national meeting that
clashes with another is refused with thousands (786 KB of JSON for 3,321 busy communes), so the
page sums them up per province (how many rooms, the first few by name), lists the bridges and days
off in full, and offers every conflict as a CSV file, recomputed from the same form. The API
keeps answering every conflict.
"""

import csv
from collections.abc import Iterable
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Level, Unit
from vconf.exceptions import Conflict

# Past this many conflicts the page sums them up per province.
SUMMARY_FROM = 30
FIRST_ROOMS = 5


def conflict_rows(error: Conflict) -> list[dict]:
    """A refusal's conflicts with real datetimes, for the page's table."""
    rows = []
    for conflict in error.conflicts:
        row = dict(conflict)
        for key in ("start", "end", "occurrence"):
            if key in row:
                row[key] = datetime.fromisoformat(row[key])
        rows.append(row)
    return rows


def provinces_of(endpoint_ids: Iterable[int]) -> dict[int, str]:
    """Endpoint id -> the name of its province (the country's name for a central room)."""
    above = {
        pk: (parent, level, name)
        for pk, parent, level, name in Unit.objects.exclude(level=Level.COMMUNE).values_list(
            "pk", "parent_id", "level", "name"
        )
    }
    result = {}
    for pk, unit_id, parent_id in Endpoint.objects.filter(pk__in=set(endpoint_ids)).values_list(
        "pk", "unit_id", "unit__parent_id"
    ):
        node = unit_id if unit_id in above else parent_id
        while node in above and above[node][1] not in (Level.PROVINCE, Level.COUNTRY):
            node = above[node][0]
        result[pk] = above[node][2] if node in above else ""
    return result


def refusal(error: Conflict) -> dict:
    """What a page needs to show a refusal: every conflict, or past SUMMARY_FROM a summary."""
    rows = conflict_rows(error)
    context: dict = {"conflict": error, "conflicts": rows}
    rooms = [row for row in rows if "endpoint" in row]
    if len(rows) <= SUMMARY_FROM:
        return context
    province = provinces_of(row["endpoint"] for row in rooms)
    groups: dict[str, list[dict]] = {}
    for row in sorted(rooms, key=lambda r: (province.get(r["endpoint"], ""), r.get("endpoint_name", ""))):
        groups.setdefault(province.get(row["endpoint"], ""), []).append(row)
    context["conflict_provinces"] = [
        {"name": name or "—", "count": len(group), "first": group[:FIRST_ROOMS], "more": len(group) - FIRST_ROOMS}
        for name, group in groups.items()
    ]
    context["conflicts_other"] = [row for row in rows if "endpoint" not in row]
    return context


def local_text(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def conflicts_csv(error: Conflict) -> HttpResponse:
    """Every conflict of a refusal, one per line, for a spreadsheet."""
    rows = conflict_rows(error)
    province = provinces_of(row["endpoint"] for row in rows if "endpoint" in row)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="xung-dot.csv"'
    response.write("\ufeff")  # so that Excel reads the Vietnamese names as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Buổi họp cần đặt"),
            _("Tỉnh"),
            _("Điểm cầu / cầu MCU"),
            _("Mã"),
            _("Vướng"),
            _("Bắt đầu"),
            _("Kết thúc"),
        ]
    )
    for row in rows:
        if "endpoint" in row:
            what, pk, why = row.get("endpoint_name", ""), row["endpoint"], row.get("meeting_title", "")
        elif "bridge" in row:
            what, pk = row.get("bridge_name", ""), row["bridge"]
            why = _("cần %(need)s cổng, còn trống %(free)s") % {
                "need": row.get("ports_needed"),
                "free": row.get("ports_free"),
            }
        else:
            what, pk, why = "", row.get("holiday", ""), row.get("name", "")
        writer.writerow(
            [
                local_text(row.get("occurrence")),
                province.get(row.get("endpoint", 0), ""),
                what,
                pk,
                why,
                local_text(row.get("start")),
                local_text(row.get("end")),
            ]
        )
    return response
