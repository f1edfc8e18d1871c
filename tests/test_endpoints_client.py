"""What a client written against API.md found in the endpoints API: operators listed without the
role, the feed link on the wrong host, no distance in a new database without a province host."""

import pytest
from django.test import override_settings

from rooms.models import Endpoint, ProvinceSettings, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


# Operators -----------------------------------------------------------------------------------------


def test_listing_a_user_without_the_operator_role_is_refused_naming_the_user(api, admin_user, operator, province):
    leader = make_user("lanhdao_xa", Role.LEADER, province.c1)
    path = f"/api/endpoints/{province.ep_c1.pk}/"
    response = api(admin_user).patch(path, {"operators": [operator.username, "lanhdao_xa"]}, format="json")
    assert response.status_code == 400
    assert "lanhdao_xa" in response.json()["operators"][0]
    assert operator.username not in response.json()["operators"][0]
    assert list(province.ep_c1.operators.all()) == [operator]
    assert leader not in province.ep_c1.operators.all()


def test_a_new_endpoint_with_a_non_operator_is_refused_and_not_created(api, admin_user, staff, province):
    body = {"name": "Phòng họp mới", "unit": "06280", "operators": [staff.username]}
    response = api(admin_user).post("/api/endpoints/", body, format="json")
    assert response.status_code == 400
    assert staff.username in response.json()["operators"][0]
    assert not Endpoint.objects.filter(name="Phòng họp mới").exists()


def test_an_operator_listed_through_the_api_can_check_in_there(api, admin_user, operator, province):
    response = api(admin_user).patch(
        f"/api/endpoints/{province.ep_c2.pk}/", {"operators": [operator.username]}, format="json"
    )
    assert response.status_code == 200
    assert list(province.ep_c2.operators.all()) == [operator]


def test_an_endpoint_import_with_a_non_operator_names_the_row(api, admin_user, leader, province):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = f"name,unit,operators\nPhòng X,06280,{leader.username}\n"
    upload = {"file": SimpleUploadedFile("e.csv", text.encode(), content_type="text/csv")}
    response = api(admin_user).post("/api/endpoints/import/", upload, format="multipart")
    assert response.status_code == 400
    assert response.json()["rows"][0]["errors"]["operators"]
    assert not Endpoint.objects.filter(name="Phòng X").exists()


# calendar_url ----------------------------------------------------------------------------------------


@override_settings(ALLOWED_HOSTS=["vconf.langson.example"])
def test_the_calendar_url_is_on_the_host_that_served_the_request(api, operator, province):
    response = api(operator).get(f"/api/endpoints/{province.ep_c1.pk}/", HTTP_HOST="vconf.langson.example")
    assert response.status_code == 200
    url = response.json()["calendar_url"]
    assert url.startswith(f"http://vconf.langson.example/api/endpoints/{province.ep_c1.pk}/calendar.ics?token=")


@override_settings(ALLOWED_HOSTS=["vconf.langson.example"])
def test_a_rotated_feed_token_link_is_on_the_host_that_served_the_request(api, operator, province):
    path = f"/api/endpoints/{province.ep_c1.pk}/rotate-feed-token/"
    response = api(operator).post(path, HTTP_HOST="vconf.langson.example")
    assert response.status_code == 200
    assert response.json()["calendar_url"].startswith("http://vconf.langson.example/")


@override_settings(ALLOWED_HOSTS=["vconf.langson.example"], SITE_URL="https://vconf.langson.gov.vn")
def test_the_calendar_url_keeps_site_url_when_it_is_set(api, operator, province):
    response = api(operator).get(f"/api/endpoints/{province.ep_c1.pk}/", HTTP_HOST="vconf.langson.example")
    assert response.json()["calendar_url"].startswith("https://vconf.langson.gov.vn/api/endpoints/")


# Distances in a new database ---------------------------------------------------------------------


def flat_km(lat1, lon1, lat2, lon2):
    from rooms.selectors.endpoints import haversine_km

    return haversine_km(lat1, lon1, lat2, lon2)


def test_without_a_province_host_the_distance_is_estimated_from_the_province_itself(api, staff, province):
    ProvinceSettings.objects.all().delete()
    found = api(staff).get(f"/api/endpoints/{province.ep_c1.pk}/").json()
    assert found["distance_estimated"] is True
    assert found["distance_basis"] == "province"
    assert found["distance_km"] == pytest.approx(flat_km(21.85, 106.76, 22.07, 106.56) * 1.4, abs=0.2)


def test_a_configured_host_and_an_entered_road_distance_say_so(api, staff, province):
    client = api(staff)
    listed = {e["id"]: e for e in client.get("/api/endpoints/?page_size=50").json()["results"]}
    assert listed[province.ep_c1.pk]["distance_basis"] == "host"
    assert listed[province.host.pk]["distance_basis"] == "road"  # the fixture enters road_km=0
    Endpoint.objects.filter(pk=province.ep_c2.pk).update(road_km=12)
    assert client.get(f"/api/endpoints/{province.ep_c2.pk}/").json()["distance_basis"] == "road"


def test_a_province_without_coordinates_leaves_the_distance_unknown(api, staff, province):
    from rooms.models import Unit

    ProvinceSettings.objects.all().delete()
    Unit.objects.filter(pk=province.unit.pk).update(lat=None, lon=None)
    found = api(staff).get(f"/api/endpoints/{province.ep_c1.pk}/").json()
    assert (found["distance_km"], found["distance_estimated"], found["distance_basis"]) == (None, False, None)
