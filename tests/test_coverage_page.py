"""The leaders' coverage page: headline, chart, districts, missing communes, downloads."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from rooms.models import CoverageTarget, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def page(user: object, **query: str) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("coverage-page"), query)
    return response.status_code, response.content.decode()


def test_the_page_shows_x_of_n_communes_the_chart_and_the_districts(leader, province, clock):
    Endpoint.objects.filter(pk=province.ep_c3.pk).update(status_since=dt.date(2019, 5, 1))
    CoverageTarget.objects.create(province_code="20", structure="legacy", percent=100, due=dt.date(2018, 12, 31))
    status, html = page(leader, structure="legacy", as_of="2018-12-31")
    assert status == 200
    assert re.search(r"2 / 3 xã \(66,7%\)", html)  # Vietnamese decimal comma
    assert "<svg" in html and "<polyline" in html
    assert "Huyện Văn Lãng" in html and "Huyện Cao Lộc" in html
    assert "Xã Thụy Hùng" in html  # still missing at the end of 2018
    assert "31/12/2018" in html  # the target date, dd/mm/yyyy
    assert "format=csv" in html and "format=xlsx" in html
    # No CDN, no script library, nothing fetched from elsewhere.
    assert "https://" not in html and "<script" not in html


def test_before_any_commune_room_the_page_says_so_without_a_chart(leader, province, clock):
    status, html = page(leader, structure="legacy", as_of="2010-01-01")
    assert status == 200 and "0 / 3 xã (0,0%)" in html and "<polyline" not in html


def test_bad_filters_are_shown_on_the_page_with_400(leader, province, clock):
    status, html = page(leader, structure="legacy", as_of="31/12/2018")
    assert status == 400 and "ISO 8601" in html


def test_operators_may_not_see_the_page(operator, province):
    status, _html = page(operator)
    assert status == 403
    assert Client().get(reverse("coverage-page")).status_code == 302
