"""The history import's template file: the columns, with example rows that import as they are."""

import csv
import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.history import OPTIONAL, REQUIRED, References
from rooms.models import Endpoint, Meeting, ProvinceSettings
from rooms.permissions import is_administrator
from vconf import clock

# The order the page documents; analytics/history.py reads the columns by name.
COLUMNS = ["meeting_ref", "title", "start", "end", "host_endpoint", "endpoint", "attendees", "structure", "description"]
assert set(COLUMNS) == REQUIRED | OPTIONAL, "the template must list exactly the columns the import reads"


def example_endpoints() -> tuple[Endpoint, Endpoint] | None:
    """A host and one other room that a unit code names without doubt, so the example shows both
    ways of writing an endpoint (id:<số> and a unit code) and resolves as the import will."""
    settings = ProvinceSettings.objects.select_related("host").exclude(host=None).first()
    host = settings.host if settings else Endpoint.objects.order_by("pk").first()
    if host is None:
        return None
    for other in Endpoint.objects.select_related("unit").exclude(pk=host.pk).order_by("pk")[:50]:
        reference = ("unit", (other.unit.structure, other.unit.code))
        if References([reference]).resolve(reference)[0] == other.pk:
            return host, other
    return None


def example_rows() -> list[dict[str, str]]:
    """Two rows of one meeting on the day before the first meeting on record, so the example
    neither collides with a meeting already held nor lies in the future."""
    pair = example_endpoints()
    if pair is None:
        return []
    host, other = pair
    first = Meeting.objects.aggregate(first=Min("start"))["first"] or clock.now()
    day = timezone.localtime(first).date() - dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(8, 0))
    common = {
        "meeting_ref": f"vi-du-{day:%Y%m%d}",
        "title": _("Giao ban trực tuyến (ví dụ)"),
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "host_endpoint": f"id:{host.pk}",
        "structure": other.unit.structure,
        "description": "",
    }
    return [
        {**common, "endpoint": f"id:{host.pk}", "attendees": "40"},
        {**common, "endpoint": other.unit.code, "attendees": "25"},
    ]


@login_required
def history_template(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(example_rows())
    # A byte-order mark so that Excel opens the UTF-8 file with its accents intact.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-lich-su.csv"'
    return response
