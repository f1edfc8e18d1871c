"""The web shell in a real browser: the login page, the language switch, logging in and out."""

from playwright.sync_api import Page, expect


def test_the_login_page_renders_in_vietnamese(page: Page, server) -> None:
    page.goto("/dang-nhap/")
    expect(page).to_have_title("Đăng nhập · Hội nghị truyền hình")
    expect(page.locator("main h1")).to_have_text("Đăng nhập")
    expect(page.locator("main input[name=username]")).to_be_focused()
    page.shots("login")


def test_the_language_switch_turns_the_page_into_english_and_back(page: Page, server) -> None:
    page.goto("/dang-nhap/")
    page.locator("form.lang button[value=en]").click()
    expect(page.locator("main h1")).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.shots("english")
    page.locator("form.lang button[value=vi]").click()
    expect(page.locator("main h1")).to_have_text("Đăng nhập")


def test_a_wrong_password_is_refused_with_a_message(page: Page, server) -> None:
    page.goto("/dang-nhap/")
    page.locator("main input[name=username]").fill("vanphong")
    page.locator("main input[name=password]").fill("not-the-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .error")).to_contain_text("không đúng")
    page.shots("refused")


def test_an_administrator_logs_in_reads_the_audit_log_and_logs_out(page: Page, server, log_in) -> None:
    log_in(page, "admin")
    page.goto("/quan-tri/nhat-ky/")
    expect(page.locator("main h1")).to_have_text("Nhật ký thay đổi")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    page.shots("audit-log", full_page=False)
    page.locator("form.logout button").click()
    expect(page).to_have_url(f"{server.url}/dang-nhap/")
