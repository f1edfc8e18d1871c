"""The delegation per site ("Thành phần: mỗi điểm cầu N người") changed after booking: PATCH takes
it (1–10,000, a field error otherwise), the audit trail records it, the savings count it, and the
office staff change it on the meeting's page."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from rooms.models import Meeting
from tests.helpers import at, book
from vconf.limits import MAX_PEOPLE

pytestmark = pytest.mark.django_db
FEB = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestThePatch:
    def test_it_sets_the_delegation_and_the_audit_trail_records_it(self, api, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        response = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"delegates_per_site": 4}, format="json")
        assert response.status_code == 200
        assert response.json()["delegates_per_site"] == 4
        meeting.refresh_from_db()
        assert (meeting.delegates_per_site, meeting.sequence) == (4, 0)
        entry = LogEntry.objects.get_for_object(meeting).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
        assert entry.changes_dict["delegates_per_site"] == ["None", "4"]

    @pytest.mark.parametrize("bad", [0, -1, MAX_PEOPLE + 1, "ba"])
    def test_it_refuses_a_number_out_of_range_by_field(self, api, staff, province, clock, bad):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        response = api(staff).patch(f"/api/meetings/{meeting.pk}/", {"delegates_per_site": bad}, format="json")
        assert response.status_code == 400
        assert "delegates_per_site" in response.json()
        assert Meeting.objects.get(pk=meeting.pk).delegates_per_site is None

    def test_the_savings_follow_the_new_delegation(self, api, staff, leader, province, held_meeting, clock):
        province.ep_d1.road_km = Decimal(40)
        province.ep_d1.save()
        meeting = held_meeting(start=FEB, heads={province.host: 12, province.ep_d1: 5})
        api(staff).patch(f"/api/meetings/{meeting.pk}/", {"delegates_per_site": 2}, format="json")
        breakdown = api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()
        rows = {r["endpoint"]: r for r in breakdown["endpoints"]}
        assert (breakdown["delegates_per_site"], rows[province.ep_d1.pk]["travellers"]) == (2, 2)
        api(staff).patch(f"/api/meetings/{meeting.pk}/", {"delegates_per_site": 1}, format="json")
        breakdown = api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()
        assert {r["endpoint"]: r for r in breakdown["endpoints"]}[province.ep_d1.pk]["travellers"] == 1


class TestThePage:
    def test_office_staff_change_it_on_the_page(self, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        url = reverse("meeting-delegates", args=[meeting.pk])
        client = browser(staff)
        assert "Thành phần: mỗi điểm cầu" in client.get(url).content.decode()
        assert client.post(url, {"delegates_per_site": "6"}).status_code == 302
        assert Meeting.objects.get(pk=meeting.pk).delegates_per_site == 6

    def test_the_page_refuses_zero(self, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        response = browser(staff).post(reverse("meeting-delegates", args=[meeting.pk]), {"delegates_per_site": "0"})
        assert response.status_code == 400
        assert Meeting.objects.get(pk=meeting.pk).delegates_per_site is None

    def test_a_leader_may_not_change_it(self, leader, staff, province, clock):
        meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1])
        response = browser(leader).post(reverse("meeting-delegates", args=[meeting.pk]), {"delegates_per_site": "6"})
        assert response.status_code == 403
        assert Meeting.objects.get(pk=meeting.pk).delegates_per_site is None
