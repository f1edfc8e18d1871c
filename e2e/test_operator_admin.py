"""Issue 13 in a real browser: the operator's day (phone with and without JavaScript, offline,
desktop) and the administrator's (audit log, admin, history import, error pages, language)."""

import re

from conftest import DESKTOP, PHONE
from playwright.sync_api import Page, expect


def checkin_form(page: Page):
    return page.locator("form.checkin").filter(has=page.locator("input[name=kind][value=in]")).first


def messages(page: Page):
    return page.locator("main .messages")


def no_wider_than_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_operator_checks_in_reports_and_resolves_an_issue_and_works_offline(
    phone: Page, server, log_in, new_page
) -> None:
    log_in(phone, "kythuat")
    expect(phone).to_have_url(f"{server.url}/phong-cua-toi/")
    form = checkin_form(phone)
    limit = form.locator("input[name=attendees]").get_attribute("max")
    expect(form).to_contain_text(f"tối đa {limit}")
    form.locator("input[name=attendees]").fill("25")
    form.locator("button[type=submit]").click()
    # The JavaScript path says what the form path says, after the page reloads itself.
    expect(messages(phone).get_by_text("Đã báo kết nối: 25 người.")).to_be_visible()
    phone.shots("checked-in")

    issue = phone.locator("form.checkin").filter(has=phone.locator("input[name=kind][value=issue]")).first
    issue.locator("select[name=issue_type]").select_option("no_sound")
    issue.locator("input[name=note]").fill("Mất tiếng phía tỉnh")
    issue.locator("button[type=submit]").click()
    expect(messages(phone).get_by_text("Đã báo sự cố.")).to_be_visible()
    reported = phone.locator("ul.issues li").filter(has_text="Mất tiếng phía tỉnh").last
    expect(reported).to_contain_text("chưa khắc phục")
    phone.shots("issue-reported")
    reported.get_by_role("button", name="Đã khắc phục").click()
    expect(phone.locator("ul.issues li").filter(has_text="Mất tiếng phía tỉnh").last).to_contain_text(
        "đã khắc phục lúc"
    )

    # "Kết thúc" asks first, and does not look like "Báo sự cố".
    end = phone.locator("details.end-meeting summary").first
    style = "e => getComputedStyle(e).borderColor + getComputedStyle(e).backgroundColor"
    assert end.evaluate(style) != issue.locator("button[type=submit]").evaluate(style)
    end.click()
    expect(phone.get_by_role("button", name="Xác nhận kết thúc").first).to_be_visible()
    assert no_wider_than_the_screen(phone)
    phone.shots("end-asks")
    end.click()  # closed again: the room stays in the meeting for the other journeys

    # The room's calendar feed: a webcal:// link and a copy button (shown with JavaScript).
    expect(phone.locator("a[href^='webcal://']").first).to_be_visible()
    expect(phone.get_by_role("button", name="Chép địa chỉ").first).to_be_visible()

    # Offline: the service worker shows the kept page; a check-in waits and goes out on return.
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.allowed_errors.extend([r"ERR_INTERNET_DISCONNECTED", r"Failed to load resource", r"Failed to fetch"])
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.locator("main h1")).to_have_text("Phòng của tôi")
    checkin_form(phone).locator("input[name=attendees]").fill("27")
    checkin_form(phone).locator("button[type=submit]").click()
    expect(phone.locator("#pending")).to_contain_text("1 bản ghi đang chờ gửi lại")
    phone.shots("offline-queued")
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(messages(phone).get_by_text("Đã báo kết nối: 27 người.")).to_be_visible()
    phone.shots("back-online")

    desktop = new_page("desktop", **DESKTOP)
    log_in(desktop, "kythuat")
    expect(desktop.locator("main h1")).to_have_text("Phòng của tôi")
    expect(desktop.locator("a[href^='webcal://']").first).to_be_visible()
    desktop.shots("my-room")


def test_an_operator_without_javascript(new_page, server, log_in) -> None:
    phone = new_page("nojs", **PHONE, java_script_enabled=False)
    log_in(phone, "kythuat")
    form = checkin_form(phone)
    form.locator("input[name=attendees]").fill("25")
    form.locator("button[type=submit]").click()
    expect(messages(phone).get_by_text("Đã báo kết nối: 25 người.")).to_be_visible()
    # Too many people: the browser refuses above the same limit the server applies.
    limit = int(checkin_form(phone).locator("input[name=attendees]").get_attribute("max"))
    assert limit == 60
    end = phone.locator("details.end-meeting summary").first
    end.click()
    expect(phone.get_by_role("button", name="Xác nhận kết thúc").first).to_be_visible()
    # No JavaScript, no copy button; the address is there to select.
    expect(phone.get_by_role("button", name="Chép địa chỉ")).to_have_count(0)
    expect(phone.locator(".feed input").first).to_have_value(re.compile(r"/calendar\.ics\?token="))
    assert no_wider_than_the_screen(phone)
    phone.shots("no-js")

    staff = new_page("staff-nojs", **DESKTOP, java_script_enabled=False)
    log_in(staff, "vanphong")
    staff.goto(f"/lich-hop/{server.ids['meeting_running']}/")
    figures = staff.locator("#attendance-summary [data-total=attendees]")
    expect(figures).not_to_have_text("–")
    staff.shots("meeting-figures")


def test_an_administrator_reads_the_log_the_admin_and_imports_history(page: Page, server, log_in, new_page) -> None:
    desk = new_page("desktop", **DESKTOP)
    log_in(desk, "admin")
    desk.goto("/quan-tri/nhat-ky/")
    table = desk.locator("main table")
    expect(desk.locator("main thead")).to_contain_text("Asia/Ho_Chi_Minh, +07:00")
    expect(table.locator("tbody tr td").first).to_have_text(re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d \+07:00$"))
    text = table.inner_text()
    assert ".None" not in text and not re.search(r"\d\d:\d\d:\d\d\.\d{6}", text)
    desk.shots("audit-log", full_page=False)
    desk.locator("input[name=object]").fill("giao ban truc tuyen")
    desk.get_by_role("button", name="Lọc").click()
    expect(table.locator("tbody")).to_contain_text("Giao ban trực tuyến")
    desk.shots("audit-search", full_page=False)

    desk.goto("/admin/")
    expect(desk.locator("#site-name")).to_contain_text("Quản trị vconf")
    assert "Django" not in desk.locator("body").inner_text()
    expect(desk.locator("#content")).to_contain_text("Điểm cầu")
    desk.shots("admin")

    desk.goto("/bao-cao/nhap-lich-su/")
    expect(desk.locator("main")).to_contain_text("id:<số>")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Tải tệp mẫu (CSV)").click()
    template = download.value.path()
    desk.locator("input[type=file]").set_input_files(template)
    desk.get_by_role("button", name="Nhập", exact=True).click()
    expect(messages(desk)).to_contain_text("Đã nhập 1 cuộc họp")
    desk.shots("imported")
    desk.locator("input[type=file]").set_input_files(
        files=[{"name": "sai.csv", "mimeType": "text/csv", "buffer": b"meeting_ref,title\nx,y\n"}]
    )
    desk.get_by_role("button", name="Nhập", exact=True).click()
    error = desk.locator("main .errorlist, main tr.row-error td.error").first
    expect(error).to_be_visible()
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
    desk.shots("import-error")

    # Error pages: Vietnamese with the menu and a way home; English once chosen.
    desk.goto("/khong-co-trang-nay/")
    expect(desk.locator("main h1")).to_have_text("Không tìm thấy trang")
    expect(desk.locator("nav.main-nav")).to_be_visible()
    desk.shots("404")
    desk.locator("form.lang button[value=en]").click()
    expect(desk.locator("main h1")).to_have_text("Page not found")
    desk.get_by_role("link", name="Back to the home page").click()
    desk.locator("form.lang button[value=vi]").click()

    log_in(page, "vanphong")
    response = page.goto("/quan-tri/nhat-ky/")
    assert response is not None and response.status == 403
    expect(page.locator("main h1")).to_have_text("Không có quyền truy cập")

    phone = new_page("phone", **PHONE)
    log_in(phone, "admin")
    phone.goto("/quan-tri/nhat-ky/")
    expect(phone.locator("main h1")).to_have_text("Nhật ký thay đổi")
    phone.shots("audit-log")


def test_a_new_visitor_with_an_english_browser_reads_vietnamese(new_page) -> None:
    visitor = new_page("english-browser", **DESKTOP, locale="en-US")
    visitor.goto("/dang-nhap/")
    expect(visitor.locator("main h1")).to_have_text("Đăng nhập")
    expect(visitor.locator("html")).to_have_attribute("lang", "vi")
    icon = visitor.request.get("/favicon.ico")
    assert icon.ok and "svg" in icon.headers["content-type"]
    visitor.locator("form.lang button[value=en]").click()
    expect(visitor.locator("main h1")).to_have_text("Sign in")
    visitor.shots("chosen-english")
