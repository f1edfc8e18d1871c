"""One meeting's savings, endpoint by endpoint, with every input of the formula, so a leader can
recompute it (`GET /api/meetings/<id>/savings/` and the meeting page's card).

A reader sees the endpoints in their scope (analytics/scope.py) and the totals of those.
"""

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import frames, trips
from analytics import savings_math as math
from analytics.scope import visible_endpoints
from rooms.models import Meeting, MeetingStatus
from rooms.permissions import User
from vconf import clock

NOTHING_SAVED = {
    "travellers": 0,
    "transport_applies": False,
    "per_diem_applies": False,
    "lodging_applies": False,
    "person_km": 0.0,
    "person_hours": 0.0,
    "money_vnd": 0,
    "vehicles": 0,
    "co2_kg": 0.0,
}
# How the breakdown says a distance was found (analytics/trips.py BASIS), for people.
BASIS_LABELS = {
    "host_site": gettext_lazy("tại nơi họp"),
    "entered": gettext_lazy("đã nhập (đường bộ)"),
    "estimated": gettext_lazy("ước tính theo đường bộ"),
    "boat": gettext_lazy("đã nhập (tàu thuyền)"),
    "air": gettext_lazy("đã nhập (máy bay)"),
    "not_entered": gettext_lazy("chưa nhập quãng đường"),
    "unknown": gettext_lazy("chưa có quãng đường"),
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


def place_facts(endpoint_id: int, valued: pd.Series, place: pd.DataFrame) -> dict:
    """The trip of an endpoint that has no savings row (did not attend): from its place alone."""
    is_host = int(endpoint_id) == int(valued["host"])
    difficult = bool(place["difficult"].get(endpoint_id, False))
    basis = trips.HOST_SITE if is_host else int(place["basis"].get(endpoint_id, trips.UNKNOWN))
    distance = 0.0 if is_host else place["distance_km"].get(endpoint_id, np.nan)
    prefix = "difficult_" if difficult else ""
    return {
        "distance_km": distance,
        "estimated": bool(place["estimated"].get(endpoint_id, False)) and not is_host,
        "basis": basis,
        "destination": int(valued["host"]),
        "difficult": difficult,
        "transport_threshold_km": valued[f"{prefix}transport_threshold_km"],
        "per_diem_threshold_km": valued[f"{prefix}per_diem_threshold_km"],
    }


def endpoint_item(endpoint_id: int, valued: pd.Series, facts: dict[str, pd.DataFrame | pd.Series]) -> dict:
    place, counts, result = facts["places"], facts["counts"], facts["result"]
    attended = endpoint_id in result.index
    r = result.loc[endpoint_id] if attended else NOTHING_SAVED
    trip = result.loc[endpoint_id] if attended else place_facts(endpoint_id, valued, place)
    basis = trips.BASIS[int(trip["basis"])]
    item = {
        "endpoint": int(endpoint_id),
        "name": str(place["endpoint_name"].get(endpoint_id, "")),
        "unit": str(facts["unit_codes"].get(endpoint_id, "")),
        "is_host": int(endpoint_id) == int(valued["host"]),
        "attended": bool(endpoint_id in counts.index),
        "attendees": int(counts[endpoint_id]) if endpoint_id in counts.index else None,
        "travellers": int(r["travellers"]) if endpoint_id in counts.index else None,
        "destination": int(trip["destination"]),
        # A traveller from another province than the host's is valued with their own province's model.
        "cost_model": int(r["model"]) if attended else None,
        "distance_km": None if pd.isna(trip["distance_km"]) else float(trip["distance_km"]),
        "distance_estimated": bool(trip["estimated"]),
        "distance_basis": basis,
        "distance_basis_label": str(BASIS_LABELS[basis]),
        "especially_difficult": bool(trip["difficult"]),
        "transport_threshold_km": None
        if pd.isna(trip["transport_threshold_km"])
        else math.plain(trip["transport_threshold_km"]),
        "per_diem_threshold_km": None
        if pd.isna(trip["per_diem_threshold_km"])
        else math.plain(trip["per_diem_threshold_km"]),
    }
    return {
        **item,
        **{name: bool(r[name]) for name in ("transport_applies", "per_diem_applies", "lodging_applies")},
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
    distances = frames.distances_frame(endpoints["endpoint"], endpoints)
    places = math.endpoint_places(endpoints, units, distances, frames.provinces_frame())
    cost_models = frames.cost_models_frame()
    valued = math.value_meetings(frames.meetings_frame(one), places, cost_models)
    row = valued.iloc[0]
    counted = bool(row["counted"]) and state == MeetingStatus.HELD
    shown = pd.Index(booked["endpoint"]).union(attended["endpoint"])
    scope = visible_endpoints(user, places)
    if scope is not None:
        shown = shown[shown.isin(scope)]
        attended = attended[attended["endpoint"].isin(scope)]
    result = math.participation_savings(attended, valued.assign(counted=counted), places, cost_models)
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
        # Travellers per site: the meeting's own figure, else its cost model's default.
        "delegates_per_site": meeting.delegates_per_site
        or (None if pd.isna(row["default_delegates_per_site"]) else int(row["default_delegates_per_site"])),
        "reason": not_counted_because(state, row),
        "cost_model": math.cost_model_dict(model.iloc[0]) if len(model) else None,
        "endpoints": [endpoint_item(endpoint_id, row, facts) for endpoint_id in shown],
        "totals": math.totals(result if counted else result.iloc[0:0]),
    }
