"""The office staff journey of issue #13 in a real browser: booking the rooms of a former district
from the legacy tree, a saved endpoint group booked in one tick, the running count of chosen
rooms, a series described in words, the name shown as written, and the booking page on a phone.

Its own server: the small data set plus today's tree over it (two rooms of today's Đồng Đăng
commune serving the former Cao Lộc district), so the shared server of the other journeys keeps
its one-tree data."""

import datetime as dt
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PHONE, ROOT, open_page
from playwright.sync_api import Browser, Locator, Page, expect
from scratch_server import Server, scratch_server

HANOI = dt.timezone(dt.timedelta(hours=7))
TODAYS_TREE = """
from rooms.models import Endpoint, Level, Structure, Unit
from django.contrib.auth.models import User
old = {u.code: u for u in Unit.objects.filter(structure=Structure.LEGACY)}
now = Structure.CURRENT
province, _ = Unit.objects.get_or_create(
    structure=now, code="20", defaults={"name": "Tỉnh Lạng Sơn", "level": Level.PROVINCE}
)
commune, _ = Unit.objects.get_or_create(
    structure=now, code="06184", defaults={"name": "Xã Đồng Đăng", "level": Level.COMMUNE, "parent": province}
)
for name, served in (("UBND xã Đồng Đăng (Thụy Hùng cũ)", "06310"), ("Hội trường huyện Cao Lộc cũ", "180")):
    room = {"legacy_unit": old[served], "status": "in_service"}
    Endpoint.objects.get_or_create(unit=commune, name=name, defaults=room)
staff = User.objects.get(username="vanphong")
staff.profile.full_name = "Nguyễn Thị Lan"
staff.profile.job_title = "Chuyên viên Văn phòng UBND tỉnh"
staff.profile.save()
"""


@pytest.fixture(scope="module")
def office_server() -> Iterator[Server]:
    workdir = Path(tempfile.mkdtemp(prefix="vconf-office-"))
    database_url = f"sqlite:///{workdir / 'db.sqlite3'}"
    with scratch_server(seed="small", database_url=database_url, log=workdir / "server.log") as running:
        env = {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "vconf.settings", "PATH": "/usr/bin:/bin"}
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", TODAYS_TREE], cwd=ROOT, env=env, check=True
        )
        yield running


@pytest.fixture
def desk(browser: Browser, office_server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from open_page(browser, office_server, request, viewport={"width": 1366, "height": 900})


@pytest.fixture
def hand(browser: Browser, office_server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from open_page(browser, office_server, request, **PHONE)


def log_in(page: Page, server: Server, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(server.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def next_weekday(days: int) -> str:
    day = dt.datetime.now(HANOI).date() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day.isoformat()


def booking_form(page: Page, title: str, day: str, start: str, end: str) -> Locator:
    """The booking page, its form filled with a title and a time (the rooms are the test's to pick)."""
    page.goto("/lich-hop/dat-lich/")
    form = page.locator("form.booking-form")
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=day]").fill(day)
    form.locator("input[name=start_time]").fill(start)
    form.locator("input[name=end_time]").fill(end)
    return form


def test_office_staff_book_a_former_district_a_group_and_a_series(desk: Page, office_server: Server) -> None:
    page = desk
    log_in(page, office_server, "vanphong")
    expect(page.locator("header")).to_contain_text("Nguyễn Thị Lan")

    form = booking_form(page, "Giao ban khối huyện cũ Cao Lộc", next_weekday(2), "14:00", "15:00")
    expect(form.locator("input[name=count]")).to_be_hidden()  # "Số buổi" only for a series
    # Switching to the former districts keeps what was typed.
    form.get_by_role("button", name="Xem theo địa giới cũ (có huyện)").click()
    form = page.locator("form.booking-form")
    expect(form.locator("input[name=title]")).to_have_value("Giao ban khối huyện cũ Cao Lộc")
    expect(form.locator("input[name=start_time]")).to_have_value("14:00")
    cao_loc = form.locator("label", has_text="Huyện Cao Lộc").locator("input[name=units]")
    cao_loc.check()
    # The former district brings its old rooms and today's rooms that serve it.
    expect(form.locator("[data-chosen]")).to_have_text("Đã chọn 4 điểm cầu")
    expect(form.locator("[data-tree]")).to_contain_text("UBND xã Đồng Đăng (Thụy Hùng cũ)")
    form.locator(".tree-filter").fill("thuy hung")  # accents and case do not matter
    expect(form.locator("[data-tree] li", has_text="UBND xã Đồng Đăng (Thụy Hùng cũ)").first).to_be_visible()
    expect(form.locator("[data-tree] label", has_text="UBND Xã Tân Thanh")).to_be_hidden()
    page.shots("former-district")
    form.locator("button[value=book]").click()
    expect(page.locator("main")).to_contain_text("Hội trường huyện Cao Lộc cũ")
    expect(page.locator("main")).to_contain_text("Nguyễn Thị Lan")  # "Người đặt"
    page.shots("former-district-booked")

    # A saved group of rooms, managed on its own page.
    page.goto("/nhom-diem-cau/")
    page.locator("input[name=name]").fill("Các xã biên giới")
    page.locator("label", has_text="UBND Xã Tân Thanh").locator("input").check()
    page.locator("label", has_text="UBND xã Đồng Đăng (Thụy Hùng cũ)").locator("input").check()
    page.get_by_role("button", name="Lưu nhóm").click()
    expect(page.locator("main table")).to_contain_text("Các xã biên giới")
    page.shots("group-saved")

    form = booking_form(page, "Giao ban các xã biên giới", next_weekday(3), "15:30", "16:30")
    form.locator("label", has_text="Các xã biên giới").locator("input[name=groups]").check()
    expect(form.locator("[data-chosen]")).to_have_text("Đã chọn 2 điểm cầu")
    form.locator("select[name=repeat]").select_option("weekly")
    expect(form.locator("input[name=count]")).to_be_visible()
    form.locator("input[name=count]").fill("3")
    form.locator("button[value=check]").click()
    status = page.locator("section[role=status]")
    expect(status).to_contain_text("Hằng tuần vào")
    expect(status).to_contain_text("3 buổi")
    expect(page.locator("form.booking-form input[name=title]")).to_have_value("Giao ban các xã biên giới")
    page.shots("series-checked")
    page.locator("form.booking-form button[value=book]").click()
    expect(page.locator("main")).to_contain_text("Hằng tuần vào")
    assert "FREQ=" not in page.locator("main").inner_text()
    page.shots("series-booked")


def test_the_booking_page_fits_a_phone(hand: Page, office_server: Server) -> None:
    log_in(hand, office_server, "vanphong")
    hand.goto("/lich-hop/dat-lich/")
    expect(hand.locator("form.booking-form")).to_be_visible()
    width = hand.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the booking page is {width}px wide on a 390px phone"
    hand.shots("booking-phone")
    hand.goto("/nhom-diem-cau/")
    hand.shots("groups-phone")


def test_the_calendar_wraps_a_long_unbroken_title(desk: Page, office_server: Server) -> None:
    day = next_weekday(4)
    title = "Hộinghị" * 28 + "ABCD"  # 200 characters without a space
    response = desk.request.post(
        f"{office_server.url}/api/meetings/",
        headers={"Authorization": f"Token {office_server.tokens['vanphong']}"},
        data={
            "title": title,
            "start": f"{day}T07:30:00+07:00",
            "end": f"{day}T08:00:00+07:00",
            "host": office_server.ids["endpoint_20"],
            "endpoints": [office_server.ids["endpoint_06283"]],
        },
    )
    assert response.status == 201, response.text()
    log_in(desk, office_server, "vanphong")
    desk.goto(f"/lich-hop/?week={day}")
    expect(desk.locator(".week")).to_contain_text(title[:20])
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, f"the calendar is {width}px wide"
    desk.shots("calendar-long-title")
