"""The national office's booking form in a real browser: provinces folded and opened on demand,
one tick for a whole province, the host found by typing part of its name (accents do not
matter), and a refusal by many rooms summed up per province with every conflict as CSV.

Its own server: the national part of the demo on five provinces (about 420 rooms, past the size
at which the form folds), `manage.py demo --national --provinces 5`."""

import datetime as dt
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DESKTOP, ROOT, open_page
from playwright.sync_api import Browser, Page, expect
from scratch_server import Server, scratch_server

HANOI = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def national_server() -> Iterator[Server]:
    workdir = Path(tempfile.mkdtemp(prefix="vconf-national-"))
    database_url = f"sqlite:///{workdir / 'db.sqlite3'}"
    env = {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "vconf.settings", "PATH": "/usr/bin:/bin"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    steps = ["--only", "rooms.demo.national", "rooms.demo.users"]
    subprocess.run([*manage, "demo", "--national", "--provinces", "5", *steps], cwd=ROOT, env=env, check=True)
    with scratch_server(seed="none", database_url=database_url, log=workdir / "server.log") as running:
        yield running


@pytest.fixture
def desk(browser: Browser, national_server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from open_page(browser, national_server, request, **DESKTOP)


def next_weekday(days: int) -> str:
    day = dt.datetime.now(HANOI).date() + dt.timedelta(days=days)
    while day.weekday() >= 5 or day.weekday() == 0:  # not on a Monday: the national conference
        day += dt.timedelta(days=1)
    return day.isoformat()


def test_the_national_office_books_a_province_in_one_tick_and_reads_a_long_refusal(
    desk: Page, national_server: Server
) -> None:
    page = desk
    page.goto("/dang-nhap/")
    page.locator("main input[name=username]").fill("chinhphu")
    page.locator("main input[name=password]").fill(national_server.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    response = page.goto("/lich-hop/dat-lich/")
    assert response is not None and len(response.body()) < 300_000
    form = page.locator("form.booking-form")
    expect(form.locator("li[data-lazy-unit]")).to_have_count(5)
    form.locator("input[name=title]").fill("Hội nghị trực tuyến về phòng chống thiên tai")
    form.locator("input[name=day]").fill(next_weekday(3))
    form.locator("input[name=start_time]").fill("09:00")
    form.locator("input[name=end_time]").fill("10:30")

    # The host: typed without accents, picked from what the server found.
    form.locator("input.host-search").fill("hoi truong cao bang")
    form.locator(".host-found button", has_text="Hội trường UBND tỉnh Cao Bằng").click()
    expect(form.locator("select[name=host] option:checked")).to_have_text("Hội trường UBND tỉnh Cao Bằng")

    # A whole province in one tick, then opened: its rooms come ticked.
    cao_bang = form.locator("li[data-rooms]", has_text="Tỉnh Cao Bằng")
    cao_bang.locator("input[name=units]").check()
    expect(form.locator("[data-chosen]")).to_have_text("Đã chọn 57 điểm cầu")
    cao_bang.get_by_role("button", name="Mở danh sách").click()
    rooms = cao_bang.locator("input[name=endpoints]")
    expect(rooms).to_have_count(57)
    expect(rooms.first).to_be_checked()
    page.shots("province-opened")
    form.locator("button[value=book]").click()
    expect(page.locator("main")).to_contain_text("Đã đặt lịch họp.")

    # The same rooms again at the same time: the refusal is summed up per province.
    page.goto("/lich-hop/dat-lich/")
    form = page.locator("form.booking-form")
    form.locator("input[name=title]").fill("Trùng giờ")
    # Hosted at the Government hall: Cao Bằng's MCU cascades to the central one.
    form.locator("select[name=host]").select_option(label="Hội trường Chính phủ")
    form.locator("input[name=day]").fill(next_weekday(3))
    form.locator("input[name=start_time]").fill("09:00")
    form.locator("input[name=end_time]").fill("10:30")
    form.locator("li[data-lazy-unit]", has_text="Tỉnh Cao Bằng").locator("input[name=units]").check()
    form.locator("button[value=check]").click()
    summary = page.locator("table.conflict-summary")
    expect(summary).to_contain_text("Tỉnh Cao Bằng")
    expect(summary).to_contain_text("điểm cầu khác")
    page.shots("refusal-summed-up")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải CSV mọi xung đột").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    # The header, the 57 busy rooms, and Cao Bằng's MCU, whose ports the first meeting holds.
    assert len(lines) == 1 + 57 + 1
    assert sum("MCU" in line.split(",")[2] for line in lines[1:]) == 1
