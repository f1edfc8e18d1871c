"""The endpoint pages: the list with distances, one endpoint's history, and the administrators'
status change in a few clicks."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from rooms.models import Endpoint, StatusChange

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_status_and_distance_and_only_administrators_get_the_status_form(staff, admin_user, province):
    html = logged_in(staff).get(reverse("endpoints-page")).content.decode()
    assert "UBND Xã Tân Thanh" in html and "Đang hoạt động" in html
    assert "≈" in html  # estimated distances are marked
    assert "trang-thai" not in html
    admin_html = logged_in(admin_user).get(reverse("endpoints-page"), {"status": "in_service"}).content.decode()
    assert reverse("endpoint-change-status", args=[province.ep_c1.pk]) in admin_html


def test_the_detail_page_shows_the_history_and_the_feed_to_the_operator(operator, province):
    html = logged_in(operator).get(reverse("endpoint-page", args=[province.ep_c1.pk])).content.decode()
    assert "Lịch sử triển khai" in html and "calendar.ics?token=" in html
    other = logged_in(operator).get(reverse("endpoint-page", args=[province.ep_c2.pk])).content.decode()
    assert "calendar.ics" not in other


def test_an_administrator_changes_a_status_in_one_post(admin_user, province, clock):
    url = reverse("endpoint-change-status", args=[province.ep_c2.pk])
    response = logged_in(admin_user).post(url, {"status": "retired", "effective": "2026-02-20", "note": "hỏng"})
    assert response.status_code == 302
    endpoint = Endpoint.objects.get(pk=province.ep_c2.pk)
    assert (endpoint.status, endpoint.status_since) == ("retired", dt.date(2026, 2, 20))
    last = endpoint.status_changes.last()
    assert (last.changed_by, last.note) == (admin_user, "hỏng")


def test_a_step_back_without_a_date_is_refused_on_the_page_and_nothing_changes(admin_user, province, clock):
    client = logged_in(admin_user)
    url = reverse("endpoint-change-status", args=[province.ep_c2.pk])
    response = client.post(url, {"status": "pilot"}, follow=True)
    assert "cần ghi rõ ngày" in response.content.decode()
    assert Endpoint.objects.get(pk=province.ep_c2.pk).status == "in_service"
    assert not StatusChange.objects.filter(endpoint=province.ep_c2).exists()


def test_others_may_not_change_a_status(staff, province):
    response = logged_in(staff).post(reverse("endpoint-change-status", args=[province.ep_c2.pk]), {"status": "retired"})
    assert response.status_code == 403
    assert Endpoint.objects.get(pk=province.ep_c2.pk).status == "in_service"


def test_the_admin_shows_the_history_and_its_actions_go_through_the_service(admin_user, province, clock):
    client = logged_in(admin_user)
    for path in (
        "/admin/rooms/endpoint/",
        f"/admin/rooms/endpoint/{province.ep_c1.pk}/change/",
        "/admin/rooms/unit/",
        "/admin/rooms/bridge/",
        "/admin/rooms/provincesettings/",
        "/admin/rooms/coveragetarget/",
    ):
        assert client.get(path).status_code == 200, path
    response = client.post(
        "/admin/rooms/endpoint/",
        {"action": "mark_retired", "_selected_action": [province.ep_c2.pk, province.ep_c3.pk]},
        follow=True,
    )
    assert response.status_code == 200
    retired = Endpoint.objects.filter(status="retired", status_since=dt.date(2026, 3, 2))
    assert set(retired.values_list("pk", flat=True)) == {province.ep_c2.pk, province.ep_c3.pk}
    assert StatusChange.objects.filter(endpoint=province.ep_c2, status="retired", changed_by=admin_user).exists()


def test_the_admin_refuses_unit_coordinates_outside_vietnam(admin_user, province):
    client = logged_in(admin_user)
    response = client.post(
        f"/admin/rooms/unit/{province.c1.pk}/change/",
        {
            "structure": "legacy",
            "code": "06280",
            "name": "Xã Tân Thanh",
            "level": "commune",
            "parent": province.d1.pk,
            "lat": "48.85",
            "lon": "2.35",
        },
    )
    assert response.status_code == 200 and "ngoài Việt Nam" in response.content.decode()
    province.c1.refresh_from_db()
    assert province.c1.lat == 22.07


def test_a_history_line_added_in_the_admin_goes_through_the_service(admin_user, province, clock):
    endpoint = province.ep_c2
    form = {
        "name": endpoint.name,
        "unit": endpoint.unit_id,
        "seats": endpoint.seats,
        "connection": endpoint.connection,
        "bridge": endpoint.bridge_id,
        "dial_address": "",
        "road_km": "",
        "travel_mode": "road",
        "status_changes-TOTAL_FORMS": "1",
        "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "1000",
        "status_changes-0-effective": "2026-02-10",
        "status_changes-0-status": "retired",
        "status_changes-0-note": "thiết bị hỏng",
    }
    response = logged_in(admin_user).post(f"/admin/rooms/endpoint/{endpoint.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint.refresh_from_db()
    assert (endpoint.status, endpoint.status_since) == ("retired", dt.date(2026, 2, 10))
    # The stored status of 2015 became the first line of the history, the new line follows.
    assert list(endpoint.status_changes.values_list("status", "effective")) == [
        ("in_service", dt.date(2015, 1, 1)),
        ("retired", dt.date(2026, 2, 10)),
    ]
    future = {**form, "status_changes-0-effective": "2027-01-01"}
    refused = logged_in(admin_user).post(f"/admin/rooms/endpoint/{endpoint.pk}/change/", future)
    assert refused.status_code == 200 and endpoint.status_changes.count() == 2


def test_a_new_endpoint_in_the_admin_starts_its_history_through_the_service(admin_user, province, clock):
    form = {
        "name": "UBND Xã Mới",
        "unit": province.c1.pk,
        "seats": 20,
        "connection": province.ep_c1.connection,
        "bridge": province.ep_c1.bridge_id,
        "dial_address": "",
        "road_km": "",
        "travel_mode": "road",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "1000",
    }
    response = logged_in(admin_user).post("/admin/rooms/endpoint/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint = Endpoint.objects.get(name="UBND Xã Mới")
    change = endpoint.status_changes.get()
    assert (change.status, change.effective, change.changed_by) == (endpoint.status, dt.date(2026, 3, 2), admin_user)
    assert endpoint.status_since == change.effective
