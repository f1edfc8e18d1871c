"""The three journeys of issue #7 in a real browser, on the small data set of bin/scratch_server.py:
office staff book a meeting and run into a conflict, an operator checks a room in on a phone, a
leader opens the dashboard."""

import datetime as dt

from playwright.sync_api import Page, expect

HANOI = dt.timezone(dt.timedelta(hours=7))


def tomorrow() -> str:
    return (dt.datetime.now(HANOI).date() + dt.timedelta(days=1)).isoformat()


def test_office_staff_book_a_meeting_after_seeing_the_conflict(page: Page, server, log_in) -> None:
    log_in(page, "vanphong")
    expect(page).to_have_url(f"{server.url}/lich-hop/")  # staff start their day on the calendar
    page.shots("calendar")
    page.goto("/lich-hop/dat-lich/")
    form = page.locator("form.booking-form")
    form.locator("input[name=title]").fill("Họp bàn kế hoạch phòng chống thiên tai")
    # Tomorrow 09:00–10:00 the province hall and Tân Thanh are already in "Họp triển khai kế hoạch quý".
    form.locator("input[name=day]").fill(tomorrow())
    form.locator("input[name=start_time]").fill("09:30")
    form.locator("input[name=end_time]").fill("10:30")
    form.locator(f"input[name=endpoints][value='{server.ids['endpoint_06280']}']").check()
    form.locator(f"input[name=endpoints][value='{server.ids['endpoint_06283']}']").check()
    form.locator("button[value=book]").click()

    conflicts = page.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("Họp triển khai kế hoạch quý")
    expect(conflicts).to_contain_text("UBND Xã Tân Thanh")
    page.shots("conflict")

    # The office moves the meeting to the afternoon, when everyone is free, and books it.
    form = page.locator("form.booking-form")
    form.locator("input[name=start_time]").fill("14:00")
    form.locator("input[name=end_time]").fill("15:00")
    form.locator("button[value=book]").click()
    expect(page.locator("#conflicts")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Họp bàn kế hoạch phòng chống thiên tai")
    assert "/dat-lich/" not in page.url
    page.shots("booked")


def test_an_operator_checks_the_room_in_on_a_phone(phone: Page, server, log_in) -> None:
    log_in(phone, "kythuat")
    expect(phone).to_have_url(f"{server.url}/phong-cua-toi/")
    meeting = phone.locator("main").get_by_text("Giao ban trực tuyến (đang họp)")
    expect(meeting.first).to_be_visible()
    phone.shots("my-room")

    checkin = phone.locator("form.checkin").filter(has=phone.locator("input[name=kind][value=in]")).first
    checkin.locator("input[name=attendees]").fill("14")
    checkin.locator("button[type=submit]").click()
    # Said once the page has reloaded itself after the send (the room may be connected already).
    expect(phone.locator("main .messages").get_by_text("Đã báo kết nối: 14 người.")).to_be_visible()
    expect(phone.locator("main .badge.state-connected").first).to_be_visible()
    expect(phone.get_by_role("button", name="Cập nhật số người").first).to_be_visible()
    # Made for a phone: nothing wider than the screen, buttons big enough for a thumb.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = phone.get_by_role("button", name="Cập nhật số người").first.bounding_box()
    assert box and box["height"] >= 44
    phone.shots("connected")


def test_a_leader_opens_the_dashboard(page: Page, server, log_in) -> None:
    log_in(page, "lanhdao")
    expect(page).to_have_url(f"{server.url}/bao-cao/")  # leaders start their day on the dashboard
    expect(page.locator("main h1")).to_contain_text("Hiệu quả hội nghị truyền hình")
    meetings = page.locator("[data-figure=meetings]")
    expect(meetings).to_be_visible()
    assert int(meetings.inner_text().replace(".", "").replace(",", "").strip() or 0) > 0
    expect(page.locator("[data-figure=money]")).to_be_visible()
    page.shots("dashboard")
    # Leaders read only: no booking or check-in entry in their menu.
    expect(page.locator("nav.main-nav")).not_to_contain_text("Đặt lịch họp")
    expect(page.locator("nav.main-nav")).not_to_contain_text("Phòng của tôi")
