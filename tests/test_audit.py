"""The audit trail: every change is recorded with who, when and what changed; administrators read it."""

import datetime as dt

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from analytics.models import CostModel, Investment
from rooms.models import CheckIn, Endpoint, Meeting, Participation, Profile, Role, StatusChange
from rooms.urls import urlpatterns as page_patterns

pytestmark = pytest.mark.django_db


def entries_for(obj: object) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("id"))


def endpoints_recorded(meeting: Meeting, *, actor) -> set[str]:
    """Endpoint names the trail says were booked into the meeting by this actor: entries on the
    participations themselves, or an "endpoints" many-to-many entry on the meeting."""
    names = set()
    for entry in entries_for(meeting):
        change = (entry.changes_dict or {}).get("endpoints")
        if entry.actor == actor and isinstance(change, dict) and change.get("operation") == "add":
            names.update(change["objects"])
    for participation in Participation.objects.filter(meeting=meeting).select_related("endpoint"):
        if any(e.actor == actor for e in entries_for(participation)):
            names.add(str(participation.endpoint))
    return names


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


# A minimal API view of our own, so the actor rule is tested even before the real endpoints API
# exists: it changes an endpoint the way every ViewSet does, after DRF authenticated the token.
class ChangeSeats(APIView):
    def post(self, request, pk: int) -> Response:
        endpoint = Endpoint.objects.get(pk=pk)
        endpoint.seats = request.data["seats"]
        endpoint.save()
        return Response({"seats": endpoint.seats})


urlpatterns = [path("probe/<int:pk>/seats/", ChangeSeats.as_view()), *page_patterns]


@pytest.mark.urls(__name__)
def test_a_change_through_a_token_authenticated_api_records_the_token_owner(province, admin_user):
    endpoint = province.ep_c1
    response = token_client(admin_user).post(f"/probe/{endpoint.pk}/seats/", {"seats": 45}, format="json")
    assert response.status_code == 200
    entry = entries_for(endpoint)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin_user
    assert entry.changes_dict["seats"] == ["30", "45"]
    assert entry.remote_addr == "127.0.0.1"


@pytest.mark.urls(__name__)
def test_an_anonymous_request_records_no_actor(province):
    # The view itself refuses anonymous users (401), so nothing is written and nothing is logged.
    before = LogEntry.objects.count()
    response = APIClient().post(f"/probe/{province.ep_c1.pk}/seats/", {"seats": 45}, format="json")
    assert response.status_code == 401
    assert LogEntry.objects.count() == before
    assert Endpoint.objects.get(pk=province.ep_c1.pk).seats == 30


def test_patching_an_endpoint_through_the_api_records_actor_and_changes(province, admin_user):
    endpoint = province.ep_c2
    response = token_client(admin_user).patch(
        f"/api/endpoints/{endpoint.pk}/", {"seats": 44, "dial_address": "sip:hv@10.0.0.7"}, format="json"
    )
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get_for_object(endpoint).filter(action=LogEntry.Action.UPDATE).latest("id")
    assert entry.actor == admin_user
    assert entry.changes_dict["seats"] == ["30", "44"]
    assert entry.changes_dict["dial_address"][1] == "sip:hv@10.0.0.7"


def test_an_endpoint_status_change_through_the_api_is_recorded(province, admin_user):
    endpoint = province.ep_c3
    response = token_client(admin_user).patch(f"/api/endpoints/{endpoint.pk}/", {"status": "retired"}, format="json")
    assert response.status_code == 200, response.content
    status_entries = [e for e in entries_for(endpoint) if "status" in (e.changes_dict or {})]
    assert status_entries and status_entries[-1].changes_dict["status"] == ["in_service", "retired"]
    assert status_entries[-1].actor == admin_user
    change = StatusChange.objects.filter(endpoint=endpoint).latest("id")
    assert entries_for(change)[0].actor == admin_user


CLIENT_ID = "5f0c7d1e-6f7b-4d0e-9a8e-1b2c3d4e5f60"


def book(client: APIClient, province, start: dt.datetime) -> int:
    body = {
        "title": "Giao ban",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "host": province.host.pk,
        "endpoints": [province.ep_c1.pk],
    }
    response = client.post("/api/meetings/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_booking_and_its_cancellation_are_recorded(province, staff, clock):
    client = token_client(staff)
    meeting = Meeting.objects.get(pk=book(client, province, clock.now() + dt.timedelta(days=1)))
    created = entries_for(meeting)[0]
    assert created.action == LogEntry.Action.CREATE and created.actor == staff
    # Which endpoints were booked is part of "what changed", whichever way the service records it.
    assert str(province.ep_c1) in endpoints_recorded(meeting, actor=staff)

    cancelled = client.post(f"/api/meetings/{meeting.pk}/cancel/", format="json")
    assert cancelled.status_code == 200, cancelled.content
    last = [e for e in entries_for(meeting) if "status" in (e.changes_dict or {})][-1]
    assert last.actor == staff
    assert last.changes_dict["status"] == ["scheduled", "cancelled"]


def test_a_reschedule_is_recorded_with_the_old_and_new_times(province, staff, clock):
    client = token_client(staff)
    meeting_id = book(client, province, clock.now() + dt.timedelta(days=1))
    later = clock.now() + dt.timedelta(days=1, hours=3)
    moved = client.patch(
        f"/api/meetings/{meeting_id}/",
        {"start": later.isoformat(), "end": (later + dt.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    entry = [e for e in entries_for(Meeting.objects.get(pk=meeting_id)) if "start" in (e.changes_dict or {})][-1]
    assert entry.actor == staff
    assert entry.changes_dict["start"][1].startswith(later.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"))


def test_a_checkin_is_recorded_with_the_operator(province, staff, operator, clock):
    meeting_id = book(token_client(staff), province, clock.now() + dt.timedelta(minutes=5))
    clock.advance(minutes=6)
    checkin = token_client(operator).post(
        f"/api/meetings/{meeting_id}/checkins/",
        {"endpoint": province.ep_c1.pk, "kind": "in", "attendees": 12, "client_id": CLIENT_ID},
        format="json",
    )
    assert checkin.status_code == 201, checkin.content
    record = CheckIn.objects.get(client_id=CLIENT_ID)
    assert entries_for(record)[0].actor == operator
    assert entries_for(record)[0].changes_dict["attendees"] == ["None", "12"]


def test_operators_added_to_an_endpoint_are_recorded_as_a_many_to_many_change(province, operator):
    endpoint = province.ep_c1  # the operator fixture added itself to this endpoint
    entry = LogEntry.objects.get_for_object(endpoint).filter(changes__operators__isnull=False).latest("id")
    assert entry.changes_dict["operators"]["operation"] == "add"
    assert entry.changes_dict["operators"]["objects"] == [str(operator)]


def test_the_feed_token_value_never_enters_the_trail(province):
    endpoint = province.ep_d1
    old = endpoint.feed_token
    endpoint.feed_token = "new-secret-feed-token-0123456789"
    endpoint.save()
    entry = entries_for(endpoint)[-1]
    before, after = entry.changes_dict["feed_token"]
    assert before != old and after != "new-secret-feed-token-0123456789"
    assert "new-secret-feed-token-0123456789" not in str(LogEntry.objects.values_list("changes", flat=True))


def test_roles_and_home_units_are_recorded_but_never_the_password(province, staff):
    staff.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    staff.set_password("another-pass-2026!")
    staff.save()
    profile = Profile.objects.get(user=staff)
    profile.home_unit = province.d2
    profile.save()
    user_entries = entries_for(staff)
    assert any(e.changes_dict.get("groups", {}).get("objects") == [Role.ADMINISTRATOR] for e in user_entries)
    assert all("password" not in (e.changes_dict or {}) for e in user_entries)
    assert entries_for(profile)[-1].changes_dict["home_unit"][1] == str(province.d2.pk)


def test_cost_model_and_investment_changes_are_recorded(db):
    model = CostModel.objects.create(
        province_code="20",
        effective_from=dt.date(2030, 1, 1),
        source="Thông tư 12/2025/TT-BTC",
        transport_vnd_per_km=4000,
        per_diem_vnd=300000,
        lodging_vnd_per_night=450000,
    )
    model.per_diem_vnd = 250000
    model.save()
    investment = Investment.objects.create(
        province_code="20", date=dt.date(2018, 6, 1), amount_vnd=3_600_000_000, description="Thiết bị"
    )
    investment_pk = investment.pk
    investment.delete()
    actions = [e.action for e in entries_for(model)]
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries_for(model)[-1].changes_dict["per_diem_vnd"] == ["300000", "250000"]
    investment_entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Investment), object_pk=str(investment_pk)
    ).order_by("id")
    assert [e.action for e in investment_entries] == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]


# The administrators' page ---------------------------------------------------------------------


def page(viewer, **params) -> "object":
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    return client.get(reverse("audit-log"), params)


def test_the_audit_page_lists_changes_for_administrators(province, admin_user, operator):
    response = page(admin_user)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nhật ký thay đổi" in html
    assert "kythuat_tanthanh" in html  # the operator added to the Tân Thanh endpoint


def test_the_audit_page_is_refused_to_everyone_but_administrators(province, staff, operator, leader):
    for user in (staff, operator, leader):
        assert page(user).status_code == 403
    anonymous = page(None)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]


def test_the_audit_page_filters_by_model_user_date_and_object(province, admin_user):
    endpoint = province.ep_c2
    # A change with a known actor, made outside any request.
    with set_actor(admin_user):
        endpoint.seats = 77
        endpoint.save()
    today = timezone.localdate().isoformat()

    by_model = page(admin_user, model="rooms.endpoint").context["page"]
    assert by_model.paginator.count == Endpoint.objects.count() + 1  # six created, one changed
    by_user = page(admin_user, user="admin").context["page"]
    assert [e.object_pk for e in by_user.object_list] == [str(endpoint.pk)]
    by_object = page(admin_user, model="rooms.endpoint", object=str(endpoint.pk)).context["page"]
    assert by_object.paginator.count == 2
    by_name = page(admin_user, object="Hoàng Việt").context["page"]
    assert by_name.paginator.count >= 2
    in_range = page(admin_user, start=today, end=today).context["page"]
    assert in_range.paginator.count == LogEntry.objects.count()
    before = page(admin_user, end="2020-01-01").context["page"]
    assert before.paginator.count == 0
    updates = page(admin_user, action=str(LogEntry.Action.UPDATE), model="rooms.endpoint").context["page"]
    assert updates.paginator.count == 1


def test_bad_filters_are_reported_not_crashing(province, admin_user):
    for params in (
        {"start": "not-a-date"},
        {"start": "1500-01-01"},
        {"start": "2026-03-02", "end": "2026-03-01"},
        {"model": "auth.permission"},
        {"action": "9"},
        {"page": "abc"},
        {"page": "99999"},
        {"object": "x" * 500},
    ):
        response = page(admin_user, **params)
        assert response.status_code == 200, params


def test_the_audit_page_is_paginated(province, admin_user):
    for i in range(60):
        province.ep_c1.seats = 31 + i
        province.ep_c1.save()
    first = page(admin_user)
    assert first.context["page"].has_next()
    assert len(first.context["page"].object_list) == 50
    second = page(admin_user, page="2")
    assert second.status_code == 200 and second.context["page"].has_previous()


def test_the_auditlog_admin_is_available_to_superusers(province, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/admin/auditlog/logentry/")
    assert response.status_code == 200
