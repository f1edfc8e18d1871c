"""Load: office staff booking, operators checking in, leaders reading reports (run by bench/load.sh).

The server's address and the users' tokens come from the file bench/load.sh has the scratch server
write (VCONF_SERVER_INFO). A booking answered 409 (the slot was taken) is a correct answer, not an
error; anything else but 2xx is counted as an error. At the end the error count and the p95
latency are printed, and the run exits 1 if there was any error.
"""

import datetime as dt
import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.env import Environment

HANOI = dt.timezone(dt.timedelta(hours=7))
INFO = json.loads(Path(os.environ.get("VCONF_SERVER_INFO", "bench/out/load/server.json")).read_text())
STATE: dict = {}


def auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Token {INFO['tokens'][user]}"}


@events.test_start.add_listener
def open_a_meeting_to_check_into(environment: Environment, **kwargs: object) -> None:
    """Before the users arrive: list the bookable endpoints, and find (or book) a meeting that is
    on now with the operator's room, so the operators have something to check into."""
    import requests

    host = environment.host
    endpoints, url = [], f"{host}/api/endpoints/"
    while url:
        page = requests.get(url, headers=auth("admin"), timeout=30).json()
        endpoints += page["results"]
        url = page["next"]
    bookable = [e for e in endpoints if e["status"] in ("pilot", "in_service")]
    operator = next(u for u in INFO["tokens"] if u.startswith("kythuat"))
    mine = [e["id"] for e in bookable if operator in e.get("operators", [])]
    now = dt.datetime.now(HANOI).replace(second=0, microsecond=0)
    # A meeting of the operator's room that is on now (the small data set has one) ...
    window = {
        "endpoint": mine[0],
        "start_after": (now - dt.timedelta(hours=4)).isoformat(),
        "start_before": now.isoformat(),
    }
    running = [
        m["id"]
        for m in requests.get(f"{host}/api/meetings/", params=window, headers=auth("admin"), timeout=30).json()[
            "results"
        ]
        if m["status"] == "in_progress"
    ]
    if running:
        meeting_id = running[0]
    else:  # ... or one booked now, starting in a minute (check-in opens before the start).
        start = now + dt.timedelta(minutes=1)
        body = {
            "title": "Kiểm thử tải: giao ban",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=3)).isoformat(),
            "host": mine[0],
            "endpoints": mine[1:],
        }
        booked = requests.post(f"{host}/api/meetings/", json=body, headers=auth("admin"), timeout=30)
        booked.raise_for_status()
        meeting_id = booked.json()["id"]
    STATE.update(endpoints=[e["id"] for e in bookable], operator=operator, meeting=meeting_id, mine=mine)


@events.quitting.add_listener
def print_figures(environment: Environment, **kwargs: object) -> None:
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95)
    print(f"\nrequests: {total.num_requests}, errors: {total.num_failures}, p95: {p95:.0f} ms, "
          f"median: {total.median_response_time:.0f} ms, {total.total_rps:.1f} requests/s")  # fmt: skip
    for error in environment.stats.errors.values():
        print(f"  {error.occurrences} × {error.method} {error.name}: {error.error}")
    if total.num_failures:
        environment.process_exit_code = 1


class Staff(HttpUser):
    """Office staff: look for a free slot, then book it (or learn it was just taken)."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers.update(auth("vanphong"))

    @task(3)
    def book(self) -> None:
        day = dt.date.today() + dt.timedelta(days=random.randint(1, 300))
        start = dt.datetime.combine(day, dt.time(random.randint(7, 15), random.choice((0, 30))), tzinfo=HANOI)
        chosen = random.sample(STATE["endpoints"], k=min(4, len(STATE["endpoints"])))
        body = {
            "title": "Họp kiểm thử tải",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=1)).isoformat(),
            "host": chosen[0],
            "endpoints": chosen[1:],
        }
        with self.client.post("/api/meetings/", json=body, name="POST /api/meetings/", catch_response=True) as r:
            if r.status_code in (201, 409):
                r.success()
            else:
                r.failure(f"{r.status_code} {r.text[:160]}")

    @task(2)
    def availability(self) -> None:
        ids = ",".join(str(i) for i in random.sample(STATE["endpoints"], k=min(3, len(STATE["endpoints"]))))
        start = dt.date.today() + dt.timedelta(days=random.randint(1, 30))
        self.client.get(
            f"/api/availability/?endpoints={ids}&start={start}&end={start + dt.timedelta(days=5)}&duration=60",
            name="GET /api/availability/",
        )

    @task(1)
    def calendar(self) -> None:
        self.client.get(f"/api/meetings/?start_after={dt.date.today()}", name="GET /api/meetings/")


class Operator(HttpUser):
    """An endpoint operator on a phone: checks the room in, updates the head count, reports problems."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers.update(auth(STATE["operator"]))

    @task(3)
    def check_in(self) -> None:
        # No "out": once a room has checked out, the rules refuse its further check-ins (400).
        kind = random.choice(("in", "in", "issue"))
        body = {"endpoint": random.choice(STATE["mine"]), "kind": kind, "client_id": str(uuid.uuid4())}
        if kind == "in":
            body["attendees"] = random.randint(5, 25)
        elif kind == "issue":
            body.update(issue_type=random.choice(("connection", "no_sound")), note="Tiếng bị rè")
        url = f"/api/meetings/{STATE['meeting']}/checkins/"
        with self.client.post(url, json=body, name="POST /api/meetings/[id]/checkins/", catch_response=True) as r:
            # Before the meeting's check-in window opens the service answers 409: a correct refusal.
            if r.status_code in (200, 201, 409):
                r.success()
            else:
                r.failure(f"{r.status_code} {r.text[:160]}")

    @task(2)
    def attendance(self) -> None:
        self.client.get(f"/api/meetings/{STATE['meeting']}/attendance/", name="GET /api/meetings/[id]/attendance/")


class Leader(HttpUser):
    """A leader reading the reports."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.client.headers.update(auth("lanhdao"))

    @task
    def savings(self) -> None:
        self.client.get("/api/reports/savings/?group_by=month", name="GET /api/reports/savings/")

    @task
    def usage(self) -> None:
        self.client.get("/api/reports/usage/?group_by=month", name="GET /api/reports/usage/")

    @task
    def coverage(self) -> None:
        self.client.get("/api/reports/coverage/?province=20&structure=legacy", name="GET /api/reports/coverage/")
