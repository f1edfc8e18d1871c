"""Issue 13, leaders: numbers and dates in the reader's language, round chart axes, the commune
map, the print header, the payback card's scope and the plain sentence on a target to be missed."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from analytics import charts, maps
from analytics.models import Investment
from rooms.models import CoverageTarget, Endpoint, EndpointStatus, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def get(user: object, name: str, language: str = "vi", **query: str) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(name), query)
    return response.status_code, response.content.decode()


# --- the pure parts ------------------------------------------------------------------------------


def test_axes_run_at_one_two_five_steps_from_zero():
    assert charts.axis_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert charts.axis_ticks(3.6e9) == [0, 1e9, 2e9, 3e9, 4e9]
    assert charts.axis_ticks(0.8) == [0, 0.2, 0.4, 0.6, 0.8]
    assert charts.axis_ticks(0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]  # an empty chart still has an axis


def test_ticks_are_bare_numbers_and_the_unit_carries_the_scale_in_each_language():
    ticks = charts.axis_ticks(1.4e9)
    with translation.override("vi"):
        assert charts.axis_unit(ticks[-1], "đồng") == (1e9, "tỷ đồng")
        assert charts.tick_labels(ticks, 1e9) == ["0,0", "0,5", "1,0", "1,5"]
        assert charts.short_number(1_234_567_890) == "1,2 tỷ"
        assert charts.month_text("2026-01") == "01/2026"
    with translation.override("en"):
        assert charts.axis_unit(ticks[-1], translation.gettext("đồng")) == (1e9, "billion VND")
        assert charts.tick_labels(ticks, 1e9) == ["0.0", "0.5", "1.0", "1.5"]
        assert charts.short_number(1_234_567_890) == "1.2 billion"
        assert charts.month_text("2026-01") == "Jan 2026"


def test_the_map_keeps_north_up_and_one_scale_for_both_axes():
    # Three points: north-west, south-east, and one due east of the first.
    points, height, px_per_km = maps.layout([(22.0, 106.0), (21.0, 107.0), (22.0, 107.0)], width=640, pad=20)
    (x1, y1), (x2, y2), (x3, y3) = points
    assert y1 == y3 == 20 and y2 == height - 20 == 620  # north at the top; one degree of latitude = 600 px
    # A degree of longitude at 21.5° N is cos(21.5°) = 0.9304 of a degree of latitude, and the
    # province, taller than wide, is centred across the box.
    assert x2 == x3 and x3 - x1 == pytest.approx(600 * 0.9304, abs=0.2)
    assert x1 - 20 == pytest.approx(640 - 20 - x3, abs=0.2)
    assert px_per_km == pytest.approx(600 / 111.32, rel=1e-3)


def test_one_point_sits_in_the_middle_and_no_point_draws_nothing():
    assert maps.layout([(21.5, 106.5)], width=100) == ([(50, 50)], 100, 0.0)
    assert maps.layout([], width=100) == ([], 100, 0.0)


# --- the coverage page ---------------------------------------------------------------------------


def test_the_coverage_page_writes_vietnamese_numbers_and_dates(leader, province, clock):
    CoverageTarget.objects.create(province_code="20", structure="legacy", percent=100, due=dt.date(2027, 6, 30))
    Endpoint.objects.filter(pk=province.ep_c3.pk).update(status=EndpointStatus.PLANNED)
    status, html = get(leader, "coverage-page", structure="legacy")
    assert status == 200
    assert "2 / 3 xã (66,7%)" in html
    assert "30/06/2027" in html and "2027-06-30" not in html.split("<form", 2)[-1].split("</form>", 1)[-1]
    assert "02/03/2026" in html  # as of today, dd/mm/yyyy


def test_the_coverage_page_writes_english_numbers_and_dates(leader, province, clock):
    CoverageTarget.objects.create(province_code="20", structure="legacy", percent=100, due=dt.date(2027, 6, 30))
    Endpoint.objects.filter(pk=province.ep_c3.pk).update(status=EndpointStatus.PLANNED)
    status, html = get(leader, "coverage-page", "en", structure="legacy")
    assert status == 200
    assert "2 / 3 communes (66.7%)" in html
    assert "30 Jun 2027" in html


def a_commune_every_six_months(province, *, due: dt.date) -> None:
    """Two communes installed in the last year, the third still planned; a 100% target due then."""
    for endpoint in (province.ep_c1, province.ep_c2):
        Endpoint.objects.filter(pk=endpoint.pk).update(status_since=dt.date(2025, 9, 1))
    Endpoint.objects.filter(pk=province.ep_c3.pk).update(status=EndpointStatus.PLANNED)
    CoverageTarget.objects.create(province_code="20", structure="legacy", percent=100, due=due)


def test_the_projection_says_plainly_that_the_target_will_be_missed(leader, province, clock):
    # Two communes installed in the last year, one missing: a commune every six months, so 100%
    # comes about six months from today, after a target due in a month.
    a_commune_every_six_months(province, due=dt.date(2026, 3, 31))
    status, html = get(leader, "coverage-page", structure="legacy")
    assert status == 200
    sentence = re.search(r'data-outlook="missed"><strong>([^<]*)<', html).group(1)
    assert sentence.startswith("Với tốc độ hiện nay, mục tiêu 100% ngày 31/03/2026 sẽ bị lỡ; dự kiến đạt ngày ")
    assert re.search(r"dự kiến đạt ngày \d\d/\d\d/2026\.$", sentence)


def test_a_target_within_reach_is_said_to_be_on_track(leader, province, clock):
    a_commune_every_six_months(province, due=dt.date(2027, 12, 31))
    _status, html = get(leader, "coverage-page", structure="legacy")
    assert 'data-outlook="on-track"' in html and "sẽ bị lỡ" not in html


def test_the_map_shows_every_commune_with_its_state_name_and_link(leader, province, clock):
    Endpoint.objects.filter(pk=province.ep_c2.pk).update(status=EndpointStatus.PILOT)
    Endpoint.objects.filter(pk=province.ep_c3.pk).update(status=EndpointStatus.PLANNED)
    status, html = get(leader, "coverage-page", structure="legacy")
    assert status == 200
    svg = re.search(r'<svg class="commune-map".*?</svg>', html, re.S).group(0)
    assert 'viewBox="0 0 640 ' in svg and "width=" not in svg.split(">", 1)[0]  # scales to the screen
    links = dict(re.findall(r'<a href="([^"]*)" aria-label="([^"]*)" data-state=', svg))
    assert links == {
        reverse("endpoint-page", args=[province.ep_c1.pk]): "Xã Tân Thanh · Đang hoạt động, chưa họp gần đây",
        reverse("endpoint-page", args=[province.ep_c2.pk]): "Xã Hoàng Việt · Đã lắp đặt (thí điểm)",
        "#xa-06310": "Xã Thụy Hùng · Chưa có điểm cầu",
    }
    assert "<title>Xã Thụy Hùng · Chưa có điểm cầu</title>" in svg  # the name on hover
    assert 'id="xa-06310"' in html  # the link's target, in the table of missing communes
    # The legend names each state with its count; the shapes differ, not only the colours.
    assert "Chưa có điểm cầu: <strong>1</strong>" in html and "Đã lắp đặt (thí điểm): <strong>1</strong>" in html
    assert "<path d=" in svg and "<rect x=" in svg


def test_communes_without_coordinates_are_counted_under_the_map(leader, province, clock):
    Unit.objects.filter(pk=province.c3.pk).update(lat=None, lon=None)
    _status, html = get(leader, "coverage-page", structure="legacy")
    assert html.count('data-state="') - html.count('<li data-state="') == 2
    assert "1 xã chưa có tọa độ nên không có trên bản đồ." in html


def test_the_map_is_drawn_on_the_current_tree_too(leader, province, clock):
    current = Unit.objects.create(structure="current", code="20", name="Tỉnh Lạng Sơn", level="province")
    commune = Unit.objects.create(
        structure="current", code="06281", name="Xã Tân Thanh", level="commune", parent=current, lat=22.07, lon=106.56
    )
    Unit.objects.create(
        structure="current", code="06311", name="Xã Thụy Hùng", level="commune", parent=current, lat=21.9, lon=106.86
    )
    Endpoint.objects.filter(pk=province.ep_c1.pk).update(unit=commune, legacy_unit=province.c1)
    _status, html = get(leader, "coverage-page", structure="current")
    assert 'aria-label="Xã Tân Thanh · Đang hoạt động, chưa họp gần đây"' in html
    assert 'href="#xa-06311" aria-label="Xã Thụy Hùng · Chưa có điểm cầu"' in html


def test_the_printed_coverage_page_says_when_and_by_whom(leader, province, clock):
    leader.profile.full_name = "Lương Văn Hùng"
    leader.profile.save()
    _status, html = get(leader, "coverage-page", structure="legacy")
    header = re.search(r'<p class="print-meta">([^<]*)</p>', html).group(1)
    assert header.startswith("Phủ sóng tính đến ngày 02/03/2026 · in lúc ")
    assert re.search(r"in lúc \d\d:\d\d \d\d/\d\d/\d{4} · người in: ", header)
    assert header.endswith("người in: Lương Văn Hùng")


# --- the dashboard -------------------------------------------------------------------------------


def test_the_payback_card_says_it_is_province_wide_when_a_district_is_chosen(leader, province, clock):
    Investment.objects.create(province_code="20", date=dt.date(2025, 12, 1), amount_vnd=5_000_000, description="x")
    _status, html = get(leader, "dashboard", district="178")
    note = re.search(r'data-scope="payback">([^<]*)<', html).group(1)
    assert note == "Toàn tỉnh, từ khi đầu tư: không lọc theo Huyện Văn Lãng"
    _status, html = get(leader, "dashboard")
    assert re.search(r'data-scope="payback">([^<]*)<', html).group(1) == "Toàn tỉnh, từ khi đầu tư"


def test_the_printed_dashboard_carries_the_period_the_print_date_and_who_printed_it(leader, province, clock):
    _status, html = get(leader, "dashboard", start="2026-01-01", end="2026-02-28")
    header = re.search(r'<p class="print-meta">([^<]*)</p>', html).group(1)
    assert header.startswith("Kỳ báo cáo: 01/01/2026 – 28/02/2026 · in lúc ")
    assert header.endswith("người in: lanhdao")  # no full name: the username


def test_the_dashboard_speaks_english_with_english_numbers_and_scales(leader, province, clock):
    Investment.objects.create(province_code="20", date=dt.date(2025, 12, 1), amount_vnd=2_500_000_000, description="x")
    _status, html = get(leader, "dashboard", "en")
    assert "tỷ" not in html
    assert "billion VND" in html
    assert "1 Dec 2025" in html  # the investment's date
