"""One meeting's savings, endpoint by endpoint, with every input of the formula, so a leader can
recompute it (`GET /api/meetings/<id>/savings/` and the meeting page's card).

A reader sees the endpoints in their scope (analytics/scope.py) and the totals of those.
"""

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import frames
from analytics import savings_math as math
from analytics.scope import visible_endpoints
from rooms.models import Meeting, MeetingStatus
from rooms.permissions import User
from vconf import clock

NOTHING_SAVED = {
    "per_diem_applies": False,
    "lodging_applies": False,
    "person_km": 0.0,
    "person_hours": 0.0,
    "money_vnd": 0,
    "vehicles": 0,
    "co2_kg": 0.0,
}


def not_counted_because(state: str, valued: pd.Series) -> str | None:
    if state == MeetingStatus.CANCELLED:
        return _("Cuộc họp đã hủy.")
    if state != MeetingStatus.HELD:
        return _("Cuộc họp chưa kết thúc.")
    if pd.isna(valued["model"]):
        return _("Chưa có mô hình chi phí.")
    if not valued["counted"]:
        return _("Ngắn hơn thời lượng tối thiểu %(n)s phút.") % {"n": int(valued["min_meeting_minutes"])}
    return None


def endpoint_item(endpoint_id: int, valued: pd.Series, facts: dict[str, pd.DataFrame | pd.Series]) -> dict:
    place, counts, result = facts["places"], facts["counts"], facts["result"]
    is_host = int(endpoint_id) == int(valued["host"])
    distance = 0.0 if is_host else place["distance_km"].get(endpoint_id, np.nan)
    difficult = bool(place["difficult"].get(endpoint_id, False))
    threshold = valued["difficult_per_diem_threshold_km"] if difficult else valued["per_diem_threshold_km"]
    item = {
        "endpoint": int(endpoint_id),
        "name": str(place["endpoint_name"].get(endpoint_id, "")),
        "unit": str(facts["unit_codes"].get(endpoint_id, "")),
        "is_host": is_host,
        "attended": bool(endpoint_id in counts.index),
        "attendees": int(counts[endpoint_id]) if endpoint_id in counts.index else None,
        "distance_km": None if pd.isna(distance) else float(distance),
        "distance_estimated": bool(place["estimated"].get(endpoint_id, False)) and not is_host,
        "especially_difficult": difficult,
        "per_diem_threshold_km": None if pd.isna(threshold) else math.plain(threshold),
    }
    r = result.loc[endpoint_id] if endpoint_id in result.index else NOTHING_SAVED
    return {
        **item,
        **{name: bool(r[name]) for name in ("per_diem_applies", "lodging_applies")},
        **{name: round(float(r[name]), 1) for name in ("person_km", "person_hours", "co2_kg")},
        "money_vnd": round(float(r["money_vnd"])),
        "vehicles": int(r["vehicles"]),
    }


def meeting_breakdown(meeting: Meeting, *, user: User | None = None) -> dict:
    """One meeting, endpoint by endpoint (those in the user's scope), with every input and result."""
    state = meeting.state_at(clock.now())
    one = Meeting.objects.filter(pk=meeting.pk)
    attended = frames.head_counts_frame(one)
    booked = frames.participations_frame(one)
    units = frames.units_frame()
    endpoints = frames.endpoints_frame(np.union1d(booked["endpoint"], attended["endpoint"]))
    places = math.endpoint_places(endpoints, units, frames.distances_frame(endpoints["endpoint"], endpoints))
    cost_models = frames.cost_models_frame()
    valued = math.value_meetings(frames.meetings_frame(one), places, cost_models)
    row = valued.iloc[0]
    counted = bool(row["counted"]) and state == MeetingStatus.HELD
    shown = pd.Index(booked["endpoint"]).union(attended["endpoint"])
    scope = visible_endpoints(user, places)
    if scope is not None:
        shown = shown[shown.isin(scope)]
        attended = attended[attended["endpoint"].isin(scope)]
    result = math.participation_savings(attended, valued.assign(counted=counted), places)
    facts = {
        "places": places.set_index("endpoint"),
        "counts": attended.set_index("endpoint")["attendees"],
        "result": result.set_index("endpoint"),
        "unit_codes": units.set_index("unit")["code"]
        .reindex(endpoints.set_index("endpoint")["unit"])
        .set_axis(endpoints["endpoint"]),
    }
    model = cost_models[cost_models["model"] == row["model"]]
    return {
        "meeting": meeting.pk,
        "title": meeting.title,
        "start": timezone.localtime(meeting.start).isoformat(),
        "end": timezone.localtime(meeting.end).isoformat(),
        "state": state,
        "minutes": int(row["minutes"]),
        "counted": counted,
        "reason": not_counted_because(state, row),
        "cost_model": math.cost_model_dict(model.iloc[0]) if len(model) else None,
        "endpoints": [endpoint_item(endpoint_id, row, facts) for endpoint_id in shown],
        "totals": math.totals(result if counted else result.iloc[0:0]),
    }
