"""The leader's journey of issue 13 in a real browser, on the full demo (`manage.py demo`: Lạng Sơn on
both trees, with the units' coordinates): the dashboard and its map, the coverage page and its map on
both trees, Vietnamese numbers and dates, the print view, the switch to English; on a desktop
(1366×900) and a phone (390×844)."""

import re
from collections.abc import Iterator

import pytest
from conftest import PHONE, SCREENSHOTS, open_page
from playwright.sync_api import Browser, Page, expect
from scratch_server import Server, scratch_server

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
VI_PERCENT = re.compile(r"\(\d{1,3},\d%\)")
EN_PERCENT = re.compile(r"\(\d{1,3}\.\d%\)")
VI_DATE = re.compile(r"\b\d\d/\d\d/\d{4}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The full demo: 65 communes on the current tree, 194 on the legacy one, all with coordinates."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with scratch_server(seed="demo", log=SCREENSHOTS / "server-demo.log") as running:
        yield running


@pytest.fixture
def desktop(browser: Browser, demo: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from open_page(browser, demo, request, **DESKTOP)


@pytest.fixture
def handset(browser: Browser, demo: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from open_page(browser, demo, request, **PHONE)


def log_in_as_leader(page: Page, demo: Server) -> None:
    page.goto("/dang-nhap/")
    page.locator("main input[name=username]").fill("lanhdao")
    page.locator("main input[name=password]").fill(demo.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(f"{demo.url}/bao-cao/")


def visible_text(page: Page) -> str:
    return page.locator("main").inner_text()


def test_a_leader_reads_the_dashboard_and_its_map_in_vietnamese(desktop: Page, demo: Server) -> None:
    page = desktop
    log_in_as_leader(page, demo)
    main = page.locator("main")
    expect(main.locator("svg.commune-map")).to_be_visible()
    assert main.locator("svg.commune-map a").count() == 65  # every commune of the current tree
    text = visible_text(page)
    assert VI_PERCENT.search(text) and VI_DATE.search(text)
    assert not EN_PERCENT.search(text) and not ISO_DATE.search(text)
    # Chart axes: round steps, the unit once above the axis, never inside the ticks.
    units = main.locator("svg.chart text.axis-unit").all_text_contents()
    assert "%" in units and any(u.endswith("đồng") for u in units)
    page.shots("dashboard")

    page.locator("select[name=district]").select_option(label="Huyện Cao Lộc")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("[data-scope=payback]")).to_have_text("Toàn tỉnh, từ khi đầu tư: không lọc theo Huyện Cao Lộc")
    page.shots("dashboard-district")

    # The printed page: no menu or buttons; the period, the print date and who printed it on top.
    expect(page.locator(".print-meta")).to_be_hidden()
    page.emulate_media(media="print")
    header = page.locator(".print-meta")
    expect(header).to_be_visible()
    expect(header).to_contain_text("Kỳ báo cáo: ")
    expect(header).to_contain_text("người in: ")
    assert re.search(r"in lúc \d\d:\d\d \d\d/\d\d/\d{4}", header.inner_text())
    expect(page.locator("header.top")).to_be_hidden()
    page.shots("dashboard-print")


def test_a_leader_finds_the_missing_communes_on_the_coverage_map(desktop: Page, demo: Server) -> None:
    page = desktop
    log_in_as_leader(page, demo)
    page.goto("/bao-cao/phu-song/")
    headline = page.locator("[data-headline]")
    expect(headline).to_have_text(re.compile(r"^\d+ / 65 xã, phường \(\d{1,3},\d%\)$"))
    assert not ISO_DATE.search(visible_text(page))
    commune_map = page.locator("svg.commune-map")
    expect(commune_map).to_be_visible()
    points = commune_map.locator("a")
    assert points.count() == 65
    missing = commune_map.locator("a[data-state=missing]")
    legend = page.locator(".map-legend li[data-state=missing]")
    expect(legend).to_contain_text(f"Chưa có điểm cầu: {missing.count()}")
    page.locator("#ban-do").screenshot(path=str(SCREENSHOTS / "test_leaders-coverage-map.png"))
    page.shots("coverage")

    # Each point names its commune on hover and leads somewhere: a missing commune to its row in
    # the table of missing communes, a covered one to its room.
    name = missing.first.locator("title").text_content()
    assert name and name.endswith("· Chưa có điểm cầu")
    missing.first.click()
    assert re.search(r"#xa-\d+$", page.url)
    expect(page.locator(page.url[page.url.index("#") :])).to_contain_text(name.split(" · ")[0])
    covered = commune_map.locator("a[data-state=active]").first
    covered.click()
    expect(page).to_have_url(re.compile(r"/diem-cau/\d+/$"))
    page.shots("endpoint-from-map")

    page.goto("/bao-cao/phu-song/?structure=legacy")
    expect(page.locator("svg.commune-map")).to_be_visible()
    assert page.locator("svg.commune-map a").count() == 194  # the former communes have coordinates too
    expect(page.locator("[data-headline]")).to_have_text(re.compile(r"^\d+ / 194 xã \(\d{1,3},\d%\)$"))
    page.shots("coverage-legacy")


def test_a_leader_switches_to_english(desktop: Page, demo: Server) -> None:
    page = desktop
    log_in_as_leader(page, demo)
    page.locator("form.lang button[value=en]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main h1")).not_to_contain_text("Hiệu quả")
    text = visible_text(page)
    # "tỷ" may stay in what the office typed (an investment's description), never in the interface.
    interface = text
    for cell in page.locator("main td").all_inner_texts():
        interface = interface.replace(cell, "")
    assert "tỷ" not in interface and "tỷ" not in "".join(page.locator("svg").all_text_contents())
    assert "billion VND" in text
    assert EN_PERCENT.search(text) and not VI_PERCENT.search(text)
    assert not VI_DATE.search(text) and not ISO_DATE.search(text)
    units = page.locator("svg.chart text.axis-unit").all_text_contents()
    assert all("đồng" not in u and "tỷ" not in u for u in units)
    page.shots("dashboard-english")

    page.goto("/bao-cao/phu-song/")
    expect(page.locator("[data-headline]")).to_have_text(re.compile(r"^\d+ / 65 communes and wards \(\d{1,3}\.\d%\)$"))
    expect(page.locator(".map-legend")).to_contain_text("No endpoint yet")
    text = visible_text(page)
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}\b", text)  # 31 Dec 2026
    page.shots("coverage-english")


def test_the_leader_pages_fit_a_phone(handset: Page, demo: Server) -> None:
    page = handset
    log_in_as_leader(page, demo)
    for path, step in (("/bao-cao/", "dashboard"), ("/bao-cao/phu-song/", "coverage")):
        page.goto(path)
        commune_map = page.locator("svg.commune-map")
        expect(commune_map).to_be_visible()
        box = commune_map.bounding_box()
        assert box and box["width"] <= 390 and box["width"] > 300  # the map takes the screen's width
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        commune_map.screenshot(path=str(SCREENSHOTS / f"test_leaders-phone-{step}-map.png"))
        page.shots(step)
