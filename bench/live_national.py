"""Benchmark: the national live board (`bench/live.py --national`).

    .venv/bin/python bench/live.py --national                       # 3,356 rooms, 5 minutes, 300 watchers
    .venv/bin/python bench/live.py --national --minutes 2 --subscribers 60   # scaled for a small machine

The Government hall hosts a national conference with 3,355 commune rooms in 34 provinces. Every
room checks in once (`POST /api/meetings/<id>/checkins/` with its operator's token) at random
moments within --minutes; `--subscribers` WebSocket watchers (token clients, no Origin) follow
the board through two app nodes behind nginx (deploy/two_nodes.sh, round robin), each applying
the first snapshot and then the deltas as the browser does; and one Chromium page (Playwright,
/usr/bin/chromium) shows the board and notes when each room first shows as checked in.

Figures: the share of watchers whose board ends in the complete final state (every room
connected; goal 100 %), the delay from a check-in (the time the server recorded it) to each
watcher's first message showing it (p50/p99), bytes per delta per changed room (goal ≤ 2 KB), and
the browser's delay behind the server at the check-in rate (goal ≤ 1 s). PostgreSQL (scratch
database vconf_bench_national) and Redis db 2 (its own key prefix), all removed afterwards.
"""

import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from scratch import ROOT, Scratch

SCRATCH = Scratch(os.environ.get("BENCH_DATABASE", "vconf_bench_national"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
REDIS_PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "vconf-bench-national")
HOST = "127.0.0.1"
PROVINCES = 34
ROOMS = 3355  # + the Government hall = 3,356 endpoints
PASSWORD = "bench-national-password"


def seed(rooms: int) -> dict:
    """VN > 34 provinces > communes, one room and one operator (with a token) per commune, the
    Government hall hosting them all; a national leader (token) and a national staff (password)."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from rooms.models import Endpoint, EndpointStatus, Level, Meeting, Participation, Role, Structure, Unit
    from vconf import clock

    call_command("migrate", verbosity=0)
    current = Structure.CURRENT
    vn = Unit.objects.create(structure=current, code="VN", name="Việt Nam", level=Level.COUNTRY)
    provinces = Unit.objects.bulk_create(
        Unit(structure=current, code=f"{p + 1:02d}", name=f"Tỉnh {p + 1:02d}", level=Level.PROVINCE, parent=vn)
        for p in range(PROVINCES)
    )
    communes = Unit.objects.bulk_create(
        Unit(
            structure=current, code=f"{n:05d}", name=f"Xã {n:05d}", level=Level.COMMUNE, parent=provinces[n % PROVINCES]
        )
        for n in range(rooms)
    )
    since = dt.date(2025, 7, 1)
    hall = Endpoint.objects.create(
        unit=vn, name="Hội trường Chính phủ", status=EndpointStatus.IN_SERVICE, status_since=since
    )
    endpoints = Endpoint.objects.bulk_create(
        Endpoint(
            unit=u, name=f"UBND {u.name}", status=EndpointStatus.IN_SERVICE, status_since=since, feed_token=f"n{u.code}"
        )
        for u in communes
    )
    users = User.objects.bulk_create(User(username=f"kt{n:05d}") for n in range(rooms))
    Group.objects.get(name=Role.OPERATOR).user_set.add(*users)
    Endpoint.operators.through.objects.bulk_create(
        Endpoint.operators.through(endpoint_id=e.pk, user_id=u.pk) for e, u in zip(endpoints, users, strict=True)
    )
    tokens = Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    leader = User.objects.create(username="lanhdao_tw")
    leader.groups.add(Group.objects.get(name=Role.LEADER))
    staff = User.objects.create(username="vpcp")
    staff.set_password(PASSWORD)
    staff.save()
    staff.groups.add(Group.objects.get(name=Role.STAFF))
    now = clock.now()
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(hours=3)
    meeting = Meeting.objects.create(title="Hội nghị toàn quốc", host=hall, start=start, end=end, organizer=staff)
    Participation.objects.bulk_create(
        Participation(meeting=meeting, endpoint=e, is_host=e.pk == hall.pk, start=start, end=end)
        for e in [hall, *endpoints]
    )
    return {
        "meeting": meeting.pk,
        "leader": Token.objects.create(user=leader).key,
        "checkins": [(e.pk, t.key) for e, t in zip(endpoints, tokens, strict=True)],
    }


def start_nodes(env: dict[str, str], port: int) -> subprocess.Popen:
    command = ["bash", str(ROOT / "deploy/two_nodes.sh"), "--port", str(port), "--first-node-port", str(port + 1)]
    nodes = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return nodes
        except OSError:
            time.sleep(0.5)
    nodes.terminate()
    raise SystemExit("the two nodes did not start")


class Watcher:
    """A board client: the first snapshot, then deltas applied; notes when each room first showed
    connected, and the size of each delta per changed room."""

    def __init__(self) -> None:
        self.states: dict[int, str] = {}
        self.seen: dict[int, float] = {}
        self.per_room: list[float] = []
        self.messages = 0
        self.snapshot_bytes = 0
        self.errors: list[str] = []

    def apply(self, raw: str, now: float) -> None:
        message = json.loads(raw)
        kind = message.get("type")
        if kind == "attendance":
            self.snapshot_bytes = len(raw)
            self.states = {}
        elif kind == "attendance.delta":
            if message["endpoints"]:
                self.per_room.append(len(raw) / len(message["endpoints"]))
            for pk in message["removed"]:
                self.states.pop(pk, None)
        else:
            return
        self.messages += 1
        # Only the rows of this message: a client scanning the whole board on every delta
        # would starve its own event loop (and miss the server's pings).
        for row in message["endpoints"]:
            pk, state = row["endpoint"], row["state"]
            self.states[pk] = state
            if state == "connected" and pk not in self.seen:
                self.seen[pk] = now

    async def run(self, url: str, ready: asyncio.Event, stop: asyncio.Event) -> None:
        import websockets

        try:
            async with websockets.connect(url, max_size=None, open_timeout=120, ping_interval=None) as ws:
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    self.apply(raw, time.time())
                    ready.set()
        except Exception as error:
            self.errors.append(f"{type(error).__name__}: {error}"[:120])
            ready.set()


def post_checkin(port: int, meeting: int, endpoint: int, token: str, n: int) -> tuple[int, float, int, float]:
    body = json.dumps(
        {"endpoint": endpoint, "kind": "in", "attendees": 5 + n % 20, "client_id": f"00000000-0000-4000-8000-{n:012d}"}
    )
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/meetings/{meeting}/checkins/",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    sent = time.time()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            at = dt.datetime.fromisoformat(json.loads(answer.read())["at"]).timestamp()
            return endpoint, at, answer.status, (time.time() - sent) * 1000
    except urllib.error.HTTPError as error:
        return endpoint, float("nan"), error.code, (time.time() - sent) * 1000


def browser_board(port: int, meeting: int, started: threading.Event, stop: threading.Event, out: dict) -> None:
    """Chromium shows the national board; when each room first shows as checked in (page clock)."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            page = browser.new_page(base_url=f"http://{HOST}:{port}")
            page.goto("/dang-nhap/")
            page.locator("main input[name=username]").fill("vpcp")
            page.locator("main input[name=password]").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            page.goto(f"/truc-tiep/{meeting}/")
            # Polled with evaluate: wait_for_function would need 'unsafe-eval', which the CSP refuses.
            deadline = time.monotonic() + 120
            while not page.evaluate("window.vconfBoard ? window.vconfBoard.messages : 0"):
                if time.monotonic() > deadline:
                    raise TimeoutError("the board showed no snapshot")
                time.sleep(0.2)
            started.set()
            while not stop.wait(1.0):
                pass
            out["seen"] = {int(k): v / 1000 for k, v in page.evaluate("window.vconfBoard.seen").items()}
            out["messages"] = page.evaluate("window.vconfBoard.messages")
            browser.close()
    except Exception as error:  # the socket figures stand without the browser's
        out["error"] = f"{type(error).__name__}: {error}"[:200]
        started.set()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


async def drive(args, port: int, data: dict) -> dict:
    url = f"ws://{HOST}:{port}/ws/meetings/{data['meeting']}/?token={data['leader']}"
    # Warm both nodes up (the first request of a process imports the URLconf, pandas and all).
    warm = urllib.request.Request(
        f"http://{HOST}:{port}/api/meetings/{data['meeting']}/attendance/",
        headers={"Authorization": f"Token {data['leader']}"},
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _n: urllib.request.urlopen(warm, timeout=120).read(), range(8)))
    stop = asyncio.Event()
    watchers = [Watcher() for _ in range(args.subscribers)]
    readies = [asyncio.Event() for _ in watchers]
    tasks = []
    for watcher, ready in zip(watchers, readies, strict=True):
        tasks.append(asyncio.create_task(watcher.run(url, ready, stop)))
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=600)

    browser_out: dict = {}
    browser_started, browser_stop = threading.Event(), threading.Event()
    browser = threading.Thread(
        target=browser_board, args=(port, data["meeting"], browser_started, browser_stop, browser_out), daemon=True
    )
    if args.browser:
        browser.start()
        await asyncio.to_thread(browser_started.wait, 180)

    seconds = args.minutes * 60
    checkins = data["checkins"]
    # Paced: one check-in every seconds/len(checkins), with a little jitter. (A Random(14) seeded
    # per check-in gave every check-in the same offset: one burst, the old 5.3 s p99.)
    rng = random.Random(14)
    step = seconds / max(1, len(checkins))
    offsets = [n * step + rng.uniform(0, step) for n in range(len(checkins))]
    loop = asyncio.get_running_loop()
    begin = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for n, ((endpoint, token), offset) in enumerate(zip(checkins, offsets, strict=True)):
            await asyncio.sleep(max(0.0, begin + offset - time.monotonic()))
            target = port + 1 if os.environ.get("BENCH_DIRECT") else port
            futures.append(loop.run_in_executor(pool, post_checkin, target, data["meeting"], endpoint, token, n))
        results = [await f for f in futures]
    checkin_seconds = time.monotonic() - begin
    wanted = {endpoint for endpoint, _ in checkins}
    settle = time.monotonic() + 20
    while time.monotonic() < settle and any(not wanted <= w.seen.keys() for w in watchers):
        await asyncio.sleep(0.2)
    browser_stop.set()
    if args.browser:
        await asyncio.to_thread(browser.join, 60)
    stop.set()
    await asyncio.gather(*tasks)

    at = {endpoint: when for endpoint, when, _status, _ms in results}
    post_ms = [ms for *_rest, ms in results]
    delays = [(w.seen[pk] - at[pk]) * 1000 for w in watchers for pk in wanted if pk in w.seen]
    complete = sum(1 for w in watchers if {pk for pk, s in w.states.items() if s == "connected"} >= wanted)
    per_room = [size for w in watchers for size in w.per_room]
    statuses: dict[int, int] = {}
    for _endpoint, _at, status, _ms in results:
        statuses[status] = statuses.get(status, 0) + 1
    seen = browser_out.get("seen", {})
    lag = [(seen[pk] - at[pk]) * 1000 for pk in wanted if pk in seen]
    return {
        "rooms": len(checkins) + 1,
        "subscribers": args.subscribers,
        "subscriber_errors": sum(len(w.errors) for w in watchers),
        "first_errors": sorted({e for w in watchers for e in w.errors})[:3],
        "checkin_seconds": round(checkin_seconds, 1),
        "checkins_per_second": round(len(checkins) / checkin_seconds, 1),
        "http_statuses": statuses,
        "post_ms_p50": round(percentile(post_ms, 50), 1),
        "post_ms_p99": round(percentile(post_ms, 99), 1),
        "complete_final_state_percent": round(100 * complete / args.subscribers, 1),
        "delay_ms_p50": round(percentile(delays, 50), 1),
        "delay_ms_p99": round(percentile(delays, 99), 1),
        "delay_ms_max": round(max(delays, default=float("nan")), 1),
        "missing_observations": args.subscribers * len(wanted) - len(delays),
        "snapshot_bytes": max(w.snapshot_bytes for w in watchers),
        "delta_bytes_per_changed_room_mean": round(sum(per_room) / len(per_room), 1) if per_room else None,
        "delta_bytes_per_changed_room_p99": round(percentile(per_room, 99), 1),
        "messages_per_watcher_mean": round(sum(w.messages for w in watchers) / len(watchers), 1),
        "browser": browser_out.get("error")
        or {
            "rooms_seen": len(lag),
            "lag_ms_p50": round(percentile(lag, 50), 1),
            "lag_ms_p99": round(percentile(lag, 99), 1),
            "lag_ms_max": round(max(lag, default=float("nan")), 1),
            "messages": browser_out.get("messages"),
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main(args) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": SCRATCH.url("postgres"),
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": REDIS_PREFIX,
        "DJANGO_SETTINGS_MODULE": "vconf.settings",
        "AXES_ENABLED": "0",
        # The PostgreSQL server is shared: connections are not kept between requests.
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DEBUG", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    SCRATCH.reset("postgres")
    nodes = None
    try:
        data = seed(args.rooms)
        from django.db import connections

        connections.close_all()
        port = 18480
        nodes = start_nodes(env, port)
        figures = asyncio.run(asyncio.wait_for(drive(args, port, data), timeout=args.minutes * 60 + 900))
    finally:
        if nodes is not None:
            nodes.terminate()  # the script stops the nodes and nginx it started
            nodes.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        SCRATCH.drop("postgres")
    figures.update(minutes=args.minutes, nodes=2, database="postgres")
    print(json.dumps(figures, indent=2))
    browser = figures["browser"]
    goals = {
        "100% of watchers on the complete final state": figures["complete_final_state_percent"] == 100,
        "check-in-to-socket p99 ≤ 1 s": figures["delay_ms_p99"] is not None and figures["delay_ms_p99"] <= 1000,
        "≤ 2 KB per changed room": figures["delta_bytes_per_changed_room_p99"] is not None
        and figures["delta_bytes_per_changed_room_p99"] <= 2048,
        "browser within 1 s (p99)": isinstance(browser, dict) and browser["lag_ms_p99"] <= 1000,
    }
    for goal, met in goals.items():
        print(f"{'met   ' if met else 'MISSED'} {goal}")
