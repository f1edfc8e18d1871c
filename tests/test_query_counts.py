"""Pages and lists whose docstrings promise a fixed number of queries: the number does not grow
with the number of meetings, endpoints or units they show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rooms.models import Level, Structure, Unit
from tests.conftest import make_endpoint
from tests.helpers import at, book

pytestmark = pytest.mark.django_db


def queries(request) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


def add_communes(province, count: int) -> list:
    """`count` more communes under Văn Lãng (d1), each with an endpoint in service."""
    endpoints = []
    for i in range(count):
        unit = Unit.objects.create(
            structure=Structure.LEGACY, code=f"09{i:03d}", name=f"Xã Thử {i}", level=Level.COMMUNE, parent=province.d1
        )
        endpoints.append(make_endpoint(unit, seats=20, bridge=province.bridge))
    return endpoints


def test_the_meeting_list_takes_the_same_queries_for_one_meeting_or_many(api, staff, province, clock):
    client = api(staff)
    book(province, staff, at(3, 9), at(3, 10))
    few = queries(lambda: client.get("/api/meetings/"))
    more = add_communes(province, 6)
    for day in range(4, 12):
        book(province, staff, at(day, 9), at(day, 10), [province.ep_c1, province.ep_c2, *more])
    assert client.get("/api/meetings/").json()["count"] == 9
    assert queries(lambda: client.get("/api/meetings/")) == few


def test_the_booking_page_tree_takes_the_same_queries_whatever_the_size_of_the_province(staff, province, clock):
    client = Client()
    client.force_login(staff)
    few = queries(lambda: client.get("/lich-hop/dat-lich/?structure=legacy"))
    more = add_communes(province, 12)
    page = client.get("/lich-hop/dat-lich/?structure=legacy").content.decode()
    assert all(endpoint.name in page for endpoint in more)
    assert queries(lambda: client.get("/lich-hop/dat-lich/?structure=legacy")) == few


def test_a_meeting_page_with_its_reschedule_tree_keeps_its_count(staff, province, clock):
    client = Client()
    client.force_login(staff)
    meeting = book(province, staff, clock.now() + timedelta(days=1), clock.now() + timedelta(days=1, hours=1))
    url = f"/lich-hop/{meeting.pk}/"  # with the reschedule form and its tree
    few = queries(lambda: client.get(url))
    more = add_communes(province, 12)
    assert all(endpoint.name in client.get(url).content.decode() for endpoint in more)
    assert queries(lambda: client.get(url)) == few
