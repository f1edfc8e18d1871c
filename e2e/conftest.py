"""Browser tests: Playwright driving Debian's chromium against a live vconf (uvicorn, scratch database).

Run by `make e2e` (which installs chromium and requirements-e2e.txt). No browser is downloaded:
Playwright launches /usr/bin/chromium. One server for the session (bin/scratch_server.py: a
migrated temporary SQLite database with the small data set), one fresh browser context per test,
a screenshot of every step in e2e/screenshots/, and any console error or uncaught page error
fails the test.
"""

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, Response, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))
from scratch_server import Server, scratch_server  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    SCREENSHOTS.mkdir(exist_ok=True)
    with scratch_server(seed="small", log=SCREENSHOTS / "server.log") as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs it (apt-get install chromium chromium-driver)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Shots:
    """Numbered screenshots of one test: e2e/screenshots/<test>-<n>-<step>.png."""

    def __init__(self, page: Page, test_name: str) -> None:
        self.page, self.prefix, self.count = page, re.sub(r"[^\w-]+", "_", test_name), 0

    def __call__(self, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def open_page(
    browser: Browser, server: Server, request: pytest.FixtureRequest, label: str = "", **context: object
) -> Iterator[Page]:
    SCREENSHOTS.mkdir(exist_ok=True)
    context.setdefault("locale", "vi-VN")
    ctx = browser.new_context(base_url=server.url, timezone_id="Asia/Ho_Chi_Minh", **context)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    # A form page answered 400 or 409 with its errors is by design (the booking page shows its
    # conflicts that way); Chromium still logs the status as a console error. Those, and only
    # those, are let through: a script, a stylesheet or a fetch that fails still fails the test.
    refused_documents: set[str] = set()

    def on_response(response: Response) -> None:
        if response.request.resource_type == "document" and 400 <= response.status < 500:
            refused_documents.add(response.url)

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and url in refused_documents:
            return
        # A test that cuts the network on purpose names the errors it expects (page.allowed_errors).
        if any(re.search(pattern, message.text) for pattern in page.allowed_errors):
            return
        problems.append(f"console error: {message.text} ({url})")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught page error: {error}")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    # Nothing may be fetched from outside the server (no CDN, no fonts, no analytics).
    page.route(re.compile(r"^(?!" + re.escape(server.url) + r").*"), lambda route: route.abort())
    page.allowed_errors = []
    page.shots = Shots(page, request.node.name + (f"-{label}" if label else ""))
    yield page
    try:
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            page.shots("failed")
    finally:
        ctx.close()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def page(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page (1280×800)."""
    yield from open_page(browser, server, request, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized page (390×844, touch), as an operator in a commune hall holds it."""
    yield from open_page(browser, server, request, **PHONE)


@pytest.fixture
def new_page(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """`new_page("phone-nojs", **PHONE, java_script_enabled=False)`: one more page in its own
    browser context (any new_context option: viewport, locale, JavaScript off), screenshots named
    after the test and the label, checked and closed like `page`."""
    opened: list[Iterator[Page]] = []

    def make(label: str, **context: object) -> Page:
        pages = open_page(browser, server, request, label=label, **context)
        opened.append(pages)
        return next(pages)

    yield make
    for pages in opened:
        with contextlib.suppress(StopIteration):
            next(pages)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # Lets the page fixture see whether the test failed, to keep a screenshot of the moment.
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture
def log_in(server: Server) -> "Callable[[Page, str], None]":
    """`log_in(page, "vanphong")` through the login form, with the seeded password."""

    def submit(page: Page, username: str) -> None:
        page.goto("/dang-nhap/")
        page.locator("main input[name=username]").fill(username)
        page.locator("main input[name=password]").fill(server.password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        assert "/dang-nhap/" not in page.url, f"{username} could not log in"

    return submit
