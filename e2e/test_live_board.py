"""The live board in Chromium applies deltas: a check-in changes its row without a reload, and
the other rows stay the very same elements (#14, the national network)."""

import json
import urllib.request
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect
from scratch_server import Server


def check_in(server: Server, meeting: int, endpoint: int) -> None:
    body = json.dumps({"endpoint": endpoint, "kind": "in", "attendees": 11, "client_id": str(uuid.uuid4())})
    request = urllib.request.Request(
        f"{server.url}/api/meetings/{meeting}/checkins/",
        data=body.encode(),
        headers={"Authorization": f"Token {server.tokens['admin']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def test_the_board_applies_a_delta_to_the_changed_row_only(
    page: Page, server: Server, log_in: Callable[[Page, str], None]
) -> None:
    log_in(page, "vanphong")
    meeting, room, host = server.ids["meeting_running"], server.ids["endpoint_06283"], server.ids["endpoint_20"]
    page.goto(f"/truc-tiep/{meeting}/")
    expect(page.locator("#board-link")).to_have_text("Trực tiếp")
    page.wait_for_function("window.vconfBoard && window.vconfBoard.messages >= 1")
    # Mark the host's row: a whole re-render would replace it.
    page.evaluate(f"document.querySelector('tr[data-endpoint=\"{host}\"]').dataset.marked = '1'")
    page.shots("before")
    check_in(server, meeting, room)
    expect(page.locator(f'tr[data-endpoint="{room}"] .badge.state-connected')).to_be_visible(timeout=5000)
    assert page.evaluate(f"document.querySelector('tr[data-endpoint=\"{host}\"]').dataset.marked") == "1"
    assert page.evaluate("window.vconfBoard.messages") >= 2
    page.shots("after")
