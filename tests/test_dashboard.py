"""The leaders' dashboard (/bao-cao/): headline figures, charts, filters, access, print, downloads."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from analytics.models import Investment

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(province, held_meeting, clock):
    """A meeting in February 2026 that saved 8.4 million VND against a 5 million investment."""
    for endpoint, km in [(province.ep_d1, 40), (province.ep_d2, 8), (province.ep_c2, 12), (province.ep_c3, 160)]:
        endpoint.road_km = Decimal(km)
        endpoint.save()
    province.c2.especially_difficult = True
    province.c2.save()
    Investment.objects.create(
        province_code="20", date=datetime(2025, 12, 1).date(), amount_vnd=5_000_000, description="Điểm cầu thí điểm"
    )
    p = province
    held_meeting(
        start=datetime(2026, 2, 2, 1, 0, tzinfo=UTC), heads={p.host: 10, p.ep_d1: 5, p.ep_d2: 3, p.ep_c2: 2, p.ep_c3: 4}
    )
    return province


def page(user, **params):
    client = Client()
    client.force_login(user)
    return client.get(reverse("dashboard"), params)


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def test_the_leader_lands_on_the_dashboard_with_the_headline_figures(leader, story):
    client = Client()
    client.force_login(leader)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    html = response.content.decode()
    assert figure(html, "meetings") == "1"
    assert figure(html, "trips") == "4"
    assert figure(html, "money") == "8,4 triệu đồng"  # 3 travellers per site at most
    assert figure(html, "hours") == "32"
    assert figure(html, "co2") == "84 kg"
    assert figure(html, "payback") == "169%"  # 8,442,000 saved against 5,000,000 invested
    assert "Thông tư 12/2025/TT-BTC" in html


def test_the_charts_are_inline_svg_and_the_page_uses_no_external_url(leader, story):
    html = page(leader).content.decode()
    assert html.count('<svg class="chart"') >= 2
    assert "<rect" in html and "<polyline" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert '<script src="/static/js/dashboard.js"' in html


def test_the_district_filter_and_the_period_change_the_figures(leader, story):
    html = page(leader, district="180").content.decode()
    # Cao Lộc: its hall (8 km, under the 15 km transport threshold: nothing) and Thụy Hùng
    # (3 travellers × (320 km × 4,000 + 300,000 + 350,000)).
    assert figure(html, "money") == "5,8 triệu đồng"
    assert 'value="180" selected' in html
    html = page(leader, start="2026-02-03", end="2026-03-01").content.decode()
    assert figure(html, "money") == "0 đồng"


def test_the_district_table_and_the_downloads(leader, story):
    html = page(leader, start="2026-01-01", end="2026-02-28").content.decode()
    assert "Huyện Văn Lãng" in html and "Huyện Cao Lộc" in html
    assert "2.652.000" in html  # Văn Lãng: its hall (3 × 620,000) and Hoàng Việt (2 × 396,000)
    assert "/api/reports/savings/?start=2026-01-01&amp;end=2026-02-28&amp;group_by=month&amp;format=csv" in html
    assert "format=xlsx" in html


def test_bad_dates_are_refused_on_the_page(leader, story):
    response = page(leader, start="2026-02-10", end="2026-02-01")
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau ngày bắt đầu." in response.content.decode()


def test_operators_may_not_open_the_dashboard_and_strangers_must_log_in(operator, province):
    assert page(operator).status_code == 403
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_page_prints_without_filters_and_buttons():
    with open("static/css/print.css", encoding="utf-8") as css:
        rules = css.read()
    assert ".filters" in rules and ".no-print" in rules
    assert "svg.chart" in rules


def test_the_meeting_partial_shows_the_breakdown_to_report_readers_only(leader, operator, story):
    from rooms.models import Meeting

    meeting = Meeting.objects.get()
    template = Template('{% include "analytics/_meeting_savings.html" %}')
    request = RequestFactory().get("/")
    request.user = leader
    html = template.render(Context({"meeting": meeting, "request": request}))
    assert "Tiết kiệm đi lại" in html and "8,4 triệu đồng" in html
    assert "không điểm danh" in html  # Tân Thanh was booked but never checked in
    request.user = operator
    assert "Tiết kiệm đi lại" not in template.render(Context({"meeting": meeting, "request": request}))


def test_the_meeting_page_shows_its_savings(staff, story):
    from rooms.models import Meeting

    client = Client()
    client.force_login(staff)
    response = client.get(reverse("meeting-detail", args=[Meeting.objects.get().pk]))
    assert response.status_code == 200
    assert "Tiết kiệm đi lại" in response.content.decode()
