"""The booking form at national size: `manage.py demo --national` on a scratch database, then
the national office's booking page (bytes, server time), the same page with every province
unfolded (what it was before: every room and every host inlined), one province's fragment, the
host search, and in Chromium (Playwright, /usr/bin/chromium) the time until the form is
interactive (DOMContentLoaded, booking.js's host search in place). Also the demo's load times.

    .venv/bin/python bench/booking_form.py --database postgres   # or sqlite; both by default
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bin"))
from scratch import Scratch, arguments

SCRATCH = Scratch("bench_booking_form")
PASSWORD = "vconf-demo-2026"
USER = "chinhphu"
BUDGET_BYTES = 300_000


def timed_get(client: object, url: str, runs: int) -> tuple[int, float, bytes]:
    times, body, status = [], b"", 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
        body, status = response.content, response.status_code
    return status, sorted(times)[len(times) // 2] * 1000, body


def child(database: str, runs: int) -> None:
    SCRATCH.setup_django(database)
    from django.core.management import call_command
    from django.test import Client

    from rooms.models import CheckIn, Endpoint, Meeting, Participation, Unit
    from rooms.views import booking_tree

    def counts() -> tuple[int, ...]:
        return tuple(m.objects.count() for m in (Unit, Endpoint, Meeting, Participation, CheckIn))

    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", stdout=quiet)
    default_s = time.perf_counter() - started
    started = time.perf_counter()
    call_command("demo", national=True, only=["none"], stdout=quiet)
    national_s = time.perf_counter() - started
    first = counts()
    started = time.perf_counter()
    call_command("demo", national=True, only=["none"], stdout=quiet)
    again_s = time.perf_counter() - started
    print(f"[{database}] demo: {default_s:.0f} s; --national on top: {national_s:.0f} s; again: {again_s:.0f} s")
    print(
        f"[{database}] units, endpoints, meetings, participations, check-ins: {first}"
        f" (second run: same={counts() == first})"
    )

    client = Client()
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username=USER))
    status, ms, page = timed_get(client, "/lich-hop/dat-lich/", runs)
    verdict = "within" if len(page) <= BUDGET_BYTES else "OVER"
    print(
        f"[{database}] booking form ({USER}): {status}, {len(page):,} bytes ({verdict} {BUDGET_BYTES:,}), {ms:.0f} ms"
    )
    options, boxes = page.count(b"<option"), page.count(b'type="checkbox"')
    print(f"[{database}]   <option>s: {options}, checkboxes: {boxes}")
    large = booking_tree.LARGE_TREE
    booking_tree.LARGE_TREE = 10**9  # every province unfolded, every host listed: the form before
    import rooms.views.booking_forms as forms_module

    forms_module.LARGE_TREE = 10**9
    status, ms_before, before = timed_get(client, "/lich-hop/dat-lich/", 1)
    booking_tree.LARGE_TREE = forms_module.LARGE_TREE = large
    print(f"[{database}] the same form unfolded (before): {len(before):,} bytes, {ms_before:.0f} ms")
    hanoi = Unit.objects.get(structure="current", code="01")
    status, ms, fragment = timed_get(client, f"/lich-hop/cay-don-vi/{hanoi.pk}/", runs)
    print(f"[{database}] one province's fragment (Hà Nội): {status}, {len(fragment):,} bytes, {ms:.0f} ms")
    status, ms, found = timed_get(client, "/lich-hop/tim-diem-cau/?q=hoi%20truong%20ha%20noi", runs)
    print(
        f"[{database}] host search “hoi truong ha noi”: {status},"
        f" {len(json.loads(found)['results'])} found, {ms:.0f} ms"
    )


def browser_figures(database_url: str) -> None:
    from playwright.sync_api import sync_playwright
    from scratch_server import scratch_server

    with scratch_server(seed="none", database_url=database_url) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        page = browser.new_page(base_url=server.url)
        page.goto("/dang-nhap/")
        page.locator("main input[name=username]").fill(USER)
        page.locator("main input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        figures = []
        for _ in range(3):
            started = time.perf_counter()
            page.goto("/lich-hop/dat-lich/", wait_until="domcontentloaded")
            page.wait_for_selector("input.host-search")  # booking.js has run: the form is interactive
            figures.append((time.perf_counter() - started) * 1000)
        timing = page.evaluate(
            "(() => { const t = performance.getEntriesByType('navigation')[0];"
            " return [t.responseEnd, t.domInteractive, t.domContentLoadedEventEnd]; })()"
        )
        started = time.perf_counter()
        page.locator("li[data-lazy-unit] [data-open-unit]").first.click()
        page.wait_for_selector("[data-tree] li:not([data-lazy-unit]) input[name=endpoints]")
        opened = (time.perf_counter() - started) * 1000
        browser.close()
    print(f"[browser] time to interactive: {', '.join(f'{f:.0f}' for f in figures)} ms (goto → booking.js ready)")
    print(
        f"[browser] navigation: response end {timing[0]:.0f} ms, DOM interactive {timing[1]:.0f} ms,"
        f" DOMContentLoaded {timing[2]:.0f} ms; a province opened in {opened:.0f} ms"
    )


def main() -> None:
    args = arguments(__doc__ or "", runs=5)
    if args.child:
        child(args.child, args.runs)
        return
    for database in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        SCRATCH.reset(database)
        try:
            subprocess.run([sys.executable, __file__, "--child", database, "--runs", str(args.runs)], check=True)
            browser_figures(SCRATCH.url(database))
        finally:
            SCRATCH.drop(database)


if __name__ == "__main__":
    main()
