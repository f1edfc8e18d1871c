"""Ids and text in query and form parameters: "²" is a digit to `str.isdigit` but not to `int()`,
and PostgreSQL refuses a NUL in a query. Both answer 400 naming the parameter, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from rooms.models import CheckIn, Meeting
from vconf.params import BadParameter, int_list_param, int_param, text_param

pytestmark = pytest.mark.django_db


# The helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["²", "٣", "1²", "-1", "0", "1.5", "1e3", "12345678901234567890", "\x00", " "])
def test_int_param_refuses_anything_but_a_positive_ascii_number(raw):
    params = QueryDict(mutable=True)
    params["endpoint"] = raw
    if raw == " ":
        assert int_param(params, "endpoint") is None
        return
    with pytest.raises(ValidationError) as error:
        int_param(params, "endpoint")
    assert list(error.value.message_dict) == ["endpoint"]


def test_int_param_reads_a_number_and_treats_empty_as_absent():
    assert int_param(QueryDict("endpoint=42"), "endpoint") == 42
    assert int_param(QueryDict("endpoint= 7 "), "endpoint") == 7
    assert int_param(QueryDict("endpoint="), "endpoint") is None
    assert int_param(QueryDict(""), "endpoint") is None
    with pytest.raises(BadParameter):
        int_param(QueryDict(""), "endpoint", required=True)


def test_int_list_param_reads_commas_and_repeats_and_refuses_a_bad_part():
    assert int_list_param(QueryDict("endpoints=1,2&endpoints=3"), "endpoints") == [1, 2, 3]
    assert int_list_param(QueryDict(""), "endpoints") == []
    with pytest.raises(BadParameter):
        int_list_param(QueryDict("endpoints=1,%C2%B2"), "endpoints")
    with pytest.raises(BadParameter):
        int_list_param(QueryDict("endpoints=" + ",".join(["1"] * 11)), "endpoints", max_items=10)


def test_text_param_refuses_nul_and_overlong_text():
    assert text_param(QueryDict("unit=%2006280%20"), "unit") == "06280"
    with pytest.raises(BadParameter):
        text_param(QueryDict("unit=06%0080"), "unit")
    with pytest.raises(BadParameter):
        text_param(QueryDict("search=" + "a" * 101), "search", max_length=100)


# Through the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/availability/?endpoints=%C2%B2", "endpoints"),
        ("/api/availability/?endpoints=1,%C2%B2", "endpoints"),
        ("/api/availability/?units=%00", "units"),
        ("/api/endpoints/?unit=%00", "unit"),
        ("/api/endpoints/?search=%00", "search"),
        ("/api/units/?parent=%00", "parent"),
        ("/api/units/?search=a%00", "search"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(api, staff, province, clock, path, name):
    response = api(staff).get(path)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [name]
    assert body[name][0]


def test_the_availability_still_reads_endpoint_ids(api, staff, province, clock):
    response = api(staff).get(f"/api/availability/?endpoints={province.ep_c1.pk},{province.ep_c2.pk}")
    assert response.status_code == 200


# Through the pages --------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The pages keep their convention (tests/test_meeting_pages.py, tests/test_my_room.py): a bad
# filter is ignored, a bad hidden meeting field is "not found"; never a 500.


@pytest.mark.parametrize("query", ["endpoint=%C2%B2", "unit=%C2%B2", "unit=%00", "endpoint=99999999999999999999"])
def test_the_week_calendar_ignores_a_bad_filter(staff, province, clock, query):
    response = signed_in(staff).get(reverse("meeting-calendar") + "?" + query)
    assert response.status_code == 200
    assert response.context["endpoint_id"] == ""


def test_the_week_calendar_still_filters_by_endpoint(staff, province, clock):
    response = signed_in(staff).get(reverse("meeting-calendar") + f"?endpoint={province.ep_c1.pk}&unit=")
    assert response.status_code == 200
    assert response.context["endpoint_id"] == str(province.ep_c1.pk)


def test_the_booking_form_answers_400_to_a_bad_endpoint_id(staff, province, clock):
    form = {"title": "Họp", "day": "2026-03-03", "start_time": "09:00", "end_time": "10:00"}
    form.update({"host": province.host.pk, "endpoints": ["²"]})
    response = signed_in(staff).post(reverse("meeting-book"), form)
    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_the_check_in_form_says_not_found_to_a_bad_meeting_id(operator, province, clock):
    response = signed_in(operator).post(reverse("my-room"), {"meeting": "²", "kind": "in", "attendees": "5"})
    assert response.status_code == 302
    assert CheckIn.objects.count() == 0
