"""Capacity planning per bridge (MCU): how full its ports are booked, how often bookings were
refused for ports, and how many ports the all-communes briefing will need as the rollout goes on.

- Booked ports per 15 minutes: every scheduled or pending meeting the bridge carries, with the
  ports the cascade rule gives it on this bridge (rooms.cascade.ports_per_bridge), held from the
  setup buffer before its start to its end, as the booking rules hold them. A 15-minute step
  counts the most ports held at any moment within it.
- Peak: the most ports booked in any step. 95th percentile: over the steps inside working hours
  of working days (the days-off calendar), where the demand is; nights would pull it to zero.
- Hours above 80%: steps whose booked ports exceed 80% of the bridge's ports, in hours.
- Refusals: rooms.PortRefusal, written when a booking was refused for want of ports.
- Projection: the all-communes briefing holds one port per commune room, one for the host hall and
  one for the link up when the bridge cascades; with rooms installed at the coverage report's
  pace (analytics/coverage_math.projection), the day it no longer fits is the day to have bought
  the missing ports by.
"""

import datetime as dt
import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from rooms.cascade import UnreachableBridge, ports_per_bridge
from rooms.models import Bridge, Level, Meeting, MeetingStatus, Participation, PortRefusal, Structure, Unit
from rooms.selectors.availability import working_windows
from rooms.selectors.meetings import setup_buffer
from rooms.services.days_off import province_code_of

STEP = pd.Timedelta(minutes=15)
HIGH_SHARE = 0.8
MONTH_DAYS = 30.4375


@dataclass(frozen=True)
class Use:
    start: pd.Timestamp
    end: pd.Timestamp
    ports: int


def load_grid(uses: list[Use], *, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Ports held per 15-minute step of [start, end): the peak of concurrent use within each step."""
    steps = pd.date_range(start, end, freq=STEP, inclusive="left")
    if not len(steps):
        return pd.Series([], dtype="int64", index=steps)
    # Concurrent use changes only at a meeting's boundaries: sweep them (an end before a start at
    # the same instant: intervals are half-open), then give each step the most held within it.
    events = sorted([(u.start, 1, u.ports) for u in uses] + [(u.end, 0, -u.ports) for u in uses])
    values = np.zeros(len(steps), dtype="int64")
    held = 0
    for (at, _order, change), (following, _o, _c) in pairwise([*events, (end, 2, 0)]):
        held += change
        lo, hi = max(at, start), min(following, end)
        if held <= 0 or lo >= hi:
            continue
        first, last = int((lo - start) // STEP), math.ceil((hi - start) / STEP)
        values[first:last] = np.maximum(values[first:last], held)
    return pd.Series(values, index=steps)


def figures(grid: pd.Series, *, ports: int, working: pd.Series) -> dict:
    """Peak, 95th percentile over working steps, hours above 80% of `ports`."""
    in_hours = grid[working] if len(grid) else grid
    p95 = float(np.percentile(in_hours.to_numpy(), 95)) if len(in_hours) else 0.0
    high = int((grid > HIGH_SHARE * ports).sum()) if len(grid) else 0
    return {
        "ports": ports,
        "peak": int(grid.max()) if len(grid) else 0,
        "p95": round(p95, 2),
        "hours_above_80": high * STEP / pd.Timedelta(hours=1),
    }


def working_mask(grid: pd.Series, provinces: list[str]) -> pd.Series:
    """True for the steps inside working hours of working days."""
    if not len(grid):
        return pd.Series([], dtype=bool, index=grid.index)
    start, end = grid.index[0].to_pydatetime(), (grid.index[-1] + STEP).to_pydatetime()
    mask = np.zeros(len(grid), dtype=bool)
    for lo, hi in working_windows(start, end, provinces):
        mask[grid.index.searchsorted(pd.Timestamp(lo)) : grid.index.searchsorted(pd.Timestamp(hi))] = True
    return pd.Series(mask, index=grid.index)


def bridge_uses(bridge: Bridge, *, start: dt.datetime, end: dt.datetime) -> list[Use]:
    """The meetings holding ports on this bridge in [start, end), with their ports here."""
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    below = {bridge.pk}
    while grown := {pk for pk, parent in parents.items() if parent in below} - below:
        below |= grown
    buffer = setup_buffer()
    meetings = Meeting.objects.filter(
        Q(bridge_id=bridge.pk) | Q(participations__endpoint__bridge_id__in=below, participations__active=True),
        status__in=[MeetingStatus.SCHEDULED, MeetingStatus.PENDING],
        bridge__isnull=False,
        start__lt=end + buffer,
        end__gt=start,
    ).distinct()
    spans = {pk: (s, e, top) for pk, s, e, top in meetings.values_list("pk", "start", "end", "bridge_id")}
    rows = Participation.objects.filter(meeting_id__in=spans, active=True).values_list(
        "meeting_id", "endpoint__bridge_id"
    )
    endpoint_bridges: dict[int, list[int | None]] = {pk: [] for pk in spans}
    for meeting_id, bridge_id in rows:
        endpoint_bridges[meeting_id].append(bridge_id)
    uses = []
    for pk, (s, e, top) in spans.items():
        try:
            here = ports_per_bridge(endpoint_bridges[pk], top=top, parents=parents).get(bridge.pk, 0)
        except UnreachableBridge:
            continue  # booked before the cascade was drawn this way: it holds no ports we can place
        if here:
            uses.append(Use(pd.Timestamp(s - buffer), pd.Timestamp(e), here))
    return uses


def refusals(bridge: Bridge, *, start: dt.datetime, end: dt.datetime) -> list[dict]:
    rows = PortRefusal.objects.filter(bridge=bridge, start__lt=end, end__gt=start).select_related("user")
    return [
        {
            "at": timezone.localtime(r.at).isoformat(),
            "start": timezone.localtime(r.start).isoformat(),
            "end": timezone.localtime(r.end).isoformat(),
            "ports_needed": r.ports_needed,
            "ports_free": r.ports_free,
            "meeting_title": r.meeting_title,
            "user": r.user.username if r.user else None,
        }
        for r in rows.order_by("start", "pk")
    ]


def daily_rows(grid: pd.Series, *, ports: int) -> list[dict]:
    """Per local day: the peak and the hours above 80%."""
    if not len(grid):
        return []
    frame = pd.DataFrame({"ports": grid.to_numpy()}, index=grid.index)
    frame["high"] = frame["ports"] > HIGH_SHARE * ports
    days = frame.groupby(frame.index.normalize()).agg(peak=("ports", "max"), high=("high", "sum"))
    return [
        {"day": day.date().isoformat(), "peak": int(peak), "hours_above_80": int(high) * 0.25}
        for day, peak, high in zip(days.index, days["peak"], days["high"], strict=True)
    ]


def port_projection(
    *, ports: int, installed: int, communes: int, pace_per_month: float, overhead: int, as_of: dt.date
) -> dict:
    """When the all-communes briefing (one port per installed commune room plus `overhead`)
    outgrows `ports` at `pace_per_month` new rooms, and how many ports to buy before then."""
    needed_now = installed + overhead
    needed_full = communes + overhead
    buy = max(needed_full - ports, 0)
    body: dict[str, object] = {
        "communes": communes,
        "installed": installed,
        "pace_per_month": pace_per_month,
        "ports_needed_now": needed_now,
        "ports_needed_at_full_coverage": needed_full,
        "buy_ports": buy,
        "buy_before": None,
    }
    if buy == 0:
        return body
    if needed_now > ports:
        body["buy_before"] = as_of.isoformat()  # already short: buy now
    elif pace_per_month > 0:
        # The first month-fraction at which installed + overhead exceeds the ports.
        rooms_to_go = ports - needed_now + 1
        body["buy_before"] = (
            as_of + dt.timedelta(days=math.ceil(rooms_to_go / pace_per_month * MONTH_DAYS))
        ).isoformat()
    return body


def bridge_province(bridge: Bridge) -> str:
    unit = bridge.unit
    if unit is not None and unit.level == Level.COUNTRY:
        return "all"
    return province_code_of(unit) if unit is not None else ""


def briefing_projection(bridge: Bridge, *, as_of: dt.date) -> dict | None:
    """The projection for the bridge's province on today's tree, from the coverage report."""
    from analytics.coverage import ALL, coverage_report
    from analytics.scope import default_province

    # A bridge entered without its unit serves the deployment's province (the whole country
    # when several are loaded).
    province = bridge_province(bridge) or default_province(None) or ALL
    # Today's tree where the province has it; a deployment still on the former tree uses that one.
    trees = set(Unit.objects.filter(code=province, level=Level.PROVINCE).values_list("structure", flat=True))
    structure = Structure.LEGACY if trees == {Structure.LEGACY} else Structure.CURRENT
    report = coverage_report(province_code=province, structure=structure, as_of=as_of)
    overhead = 1 + (1 if bridge.parent_id else 0)
    return port_projection(
        ports=bridge.ports,
        installed=report["installed"],
        communes=report["communes"],
        pace_per_month=float(report["projection"]["pace_per_month"]),
        overhead=overhead,
        as_of=as_of,
    ) | {"province": province}


def bridge_capacity(bridge: Bridge, *, start: dt.datetime, end: dt.datetime, as_of: dt.date) -> dict:
    """Everything GET /api/bridges/<id>/capacity/ answers."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    grid = load_grid(bridge_uses(bridge, start=start, end=end), start=lo, end=hi)
    provinces = [p for p in [bridge_province(bridge)] if p and p != "all"]
    body = {
        "bridge": bridge.pk,
        "bridge_name": bridge.name,
        "from": timezone.localtime(start).isoformat(),
        "to": timezone.localtime(end).isoformat(),
        **figures(grid, ports=bridge.ports, working=working_mask(grid, provinces)),
        "days": daily_rows(grid.tz_convert(timezone.get_current_timezone()), ports=bridge.ports),
    }
    found = refusals(bridge, start=start, end=end)
    # One refused booking may be short on several stretches: it is one refusal.
    body["refusals"] = found
    body["refused_bookings"] = len({(r["at"], r["meeting_title"], r["user"]) for r in found})
    try:
        body["projection"] = briefing_projection(bridge, as_of=as_of)
    except ValidationError:
        body["projection"] = None  # no units loaded yet: nothing to project
    return body
