"""Benchmark: the live board under load.

    .venv/bin/python bench/live.py                          # PostgreSQL, 300 subscribers, 250 check-ins in 60 s
    .venv/bin/python bench/live.py --database sqlite --subscribers 100 --seconds 20
    .venv/bin/python bench/live.py --national [--minutes 5] [--subscribers 300]   # bench/live_national.py

300 WebSocket subscribers watch one meeting while 250 endpoints check in (each through
`POST /api/meetings/<id>/checkins/` with its own operator's token) at random moments within
60 seconds. The server is `uvicorn --workers 2` (with vconf's WebSocket protocol, as `make run`)
on 127.0.0.1 with the Redis channel layer (127.0.0.1:6379, db 5, its own key prefix) and a
temporary database (PostgreSQL vconf_bench_h5, or the SQLite file /tmp/vconf_bench_h5.sqlite3),
all removed afterwards.

Figures: the share of subscribers whose last snapshot is complete (all 250 connected; goal
100%), and the delay from a check-in (the time the server recorded it) to each subscriber's first
snapshot showing it (goal p99 ≤ 500 ms); also from the moment the client sent it, the request
times, the snapshots received and the CPU used by the server and by this client. Subscribers
behave like browsers: they offer permessage-deflate (BENCH_COMPRESSION= to turn it off) and send
no pings. Loopback only; the whole run is bounded in time (--timeout).
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scratch import ROOT, Scratch

SCRATCH = Scratch(os.environ.get("BENCH_DATABASE", "vconf_bench_h5"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
REDIS_PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "vconf-bench-h5")
HOST = "127.0.0.1"
COMPRESSION = os.environ.get("BENCH_COMPRESSION", "deflate") or None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def environment(database: str) -> dict[str, str]:
    url = SCRATCH.url(database)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": REDIS_PREFIX,
        "DJANGO_SETTINGS_MODULE": "vconf.settings",
        "AXES_ENABLED": "0",
        # Persistent database connections, as in production: with the default 0, every handshake
        # and every snapshot opens a new PostgreSQL connection (a process fork) and 300 sockets
        # connecting at once overrun the server's 10-second handshake timeout.
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DEBUG", None)
    return env


def clear_redis() -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def seed(endpoints: int) -> dict:
    """One province hall hosting `endpoints` rooms, an operator with a token for each, a leader."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from rooms.models import Endpoint, EndpointStatus, Level, Meeting, Participation, Role, Structure, Unit
    from vconf import clock

    call_command("migrate", verbosity=0)
    province = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE)
    rooms = Endpoint.objects.bulk_create(
        Endpoint(
            unit=province,
            name=f"Điểm cầu {n:03d}",
            seats=40,
            status=EndpointStatus.IN_SERVICE,
            status_since=dt.date(2020, 1, 1),
            feed_token=f"bench-feed-{n}",
        )
        for n in range(endpoints + 1)
    )
    operator_group, leader_group = Group.objects.get(name=Role.OPERATOR), Group.objects.get(name=Role.LEADER)
    users = User.objects.bulk_create(User(username=f"kythuat{n:03d}") for n in range(1, endpoints + 1))
    operator_group.user_set.add(*users)
    Endpoint.operators.through.objects.bulk_create(
        Endpoint.operators.through(endpoint_id=room.pk, user_id=user.pk)
        for room, user in zip(rooms[1:], users, strict=True)
    )
    tokens = Token.objects.bulk_create(Token(user=user, key=Token.generate_key()) for user in users)
    leader = User.objects.create(username="lanhdao")
    leader.groups.add(leader_group)
    now = clock.now()
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(hours=2)
    meeting = Meeting.objects.create(title="Giao ban", host=rooms[0], start=start, end=end, organizer=leader)
    Participation.objects.bulk_create(
        Participation(meeting=meeting, endpoint=room, is_host=room.pk == rooms[0].pk, start=start, end=end)
        for room in rooms
    )
    return {
        "meeting": meeting.pk,
        "leader": Token.objects.create(user=leader).key,
        "checkins": [(room.pk, token.key) for room, token in zip(rooms[1:], tokens, strict=True)],
    }


def start_server(env: dict[str, str], port: int, workers: int, ws: str) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/uvicorn"),
        "vconf.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--ws",
        ws,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("the server did not start")


def stop_server(server: subprocess.Popen) -> None:
    # Only the process group this script started.
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by the processes of one process group (the server and its workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def post_checkin(port: int, meeting: int, endpoint: int, token: str, n: int) -> tuple[float, float, int]:
    body = json.dumps(
        {"endpoint": endpoint, "kind": "in", "attendees": 10 + n % 20, "client_id": f"00000000-0000-4000-8000-{n:012d}"}
    ).encode()
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/meetings/{meeting}/checkins/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    sent = time.time()
    at = float("nan")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status = answer.status
            at = dt.datetime.fromisoformat(json.loads(answer.read())["at"]).timestamp()
    except urllib.error.HTTPError as error:
        status = error.code
    return sent, time.time(), at, status


class Subscriber:
    """A board client: applies the first snapshot, then the deltas (as the browser does), and
    notes when its board first counted k connected endpoints."""

    def __init__(self) -> None:
        self.reached: list[float] = []  # reached[k - 1]: when the board first showed k connected
        self.states: dict[int, str] = {}
        self.snapshots = 0
        self.bytes = 0
        self.errors: list[str] = []

    def apply(self, raw: str, now: float) -> None:
        message = json.loads(raw)
        if message.get("type") == "attendance":
            self.bytes = max(self.bytes, len(raw))
            self.states = {r["endpoint"]: r["state"] for r in message["endpoints"]}
        elif message.get("type") == "attendance.delta":
            for pk in message["removed"]:
                self.states.pop(pk, None)
            self.states.update({r["endpoint"]: r["state"] for r in message["endpoints"]})
        else:
            return
        self.snapshots += 1
        connected = sum(1 for state in self.states.values() if state == "connected")
        while len(self.reached) < connected:
            self.reached.append(now)

    async def run(self, url: str, origin: str, ready: asyncio.Event, stop: asyncio.Event) -> None:
        import websockets

        try:
            # Like a browser: no pings of its own (it answers the server's), deflate offered.
            async with websockets.connect(
                url, origin=origin, max_size=None, open_timeout=60, compression=COMPRESSION, ping_interval=None
            ) as ws:
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

    @property
    def last(self) -> dict | None:
        if not self.states:
            return None
        return {"endpoints": [{"endpoint": pk, "state": state} for pk, state in self.states.items()]}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


async def drive(args: argparse.Namespace, port: int, data: dict, server_pid: int) -> dict:
    origin = f"http://{HOST}:{port}"
    url = f"ws://{HOST}:{port}/ws/meetings/{data['meeting']}/?token={data['leader']}"
    # Warm both workers up (the first request of a process imports the URLconf, pandas and all).
    warm = urllib.request.Request(
        f"http://{HOST}:{port}/api/meetings/{data['meeting']}/attendance/",
        headers={"Authorization": f"Token {data['leader']}"},
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _n: urllib.request.urlopen(warm, timeout=60).read(), range(16)))
    stop = asyncio.Event()
    subscribers = [Subscriber() for _ in range(args.subscribers)]
    readies = [asyncio.Event() for _ in subscribers]
    tasks = []
    connect_started = time.monotonic()
    for subscriber, ready in zip(subscribers, readies, strict=True):
        tasks.append(asyncio.create_task(subscriber.run(url, origin, ready, stop)))
        # People open the board over a few seconds, not all in the same millisecond: 50 per second.
        await asyncio.sleep(0.02)
    await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), timeout=90)
    connect_seconds = time.monotonic() - connect_started

    server_cpu, client_cpu = group_cpu_seconds(server_pid), own_cpu_seconds()
    rng = random.Random(5)
    checkins = data["checkins"]
    offsets = sorted(rng.uniform(0, args.seconds) for _ in checkins)
    sent: dict[int, tuple[float, float, float, int]] = {}
    loop = asyncio.get_running_loop()
    begin = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for n, ((endpoint, token), offset) in enumerate(zip(checkins, offsets, strict=True)):
            await asyncio.sleep(max(0.0, begin + offset - time.monotonic()))
            future = loop.run_in_executor(pool, post_checkin, port, data["meeting"], endpoint, token, n)
            futures.append((endpoint, future))
        for endpoint, future in futures:
            sent[endpoint] = await future
    checkin_seconds = time.monotonic() - begin
    # Let the last snapshots arrive (a few coalescing intervals), bounded.
    settle_until = time.monotonic() + 10
    while time.monotonic() < settle_until and any(len(s.reached) < len(checkins) for s in subscribers):
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)
    server_cpu, client_cpu = group_cpu_seconds(server_pid) - server_cpu, own_cpu_seconds() - client_cpu
    stop.set()
    await asyncio.gather(*tasks)

    # A snapshot is read from committed data, so the endpoints it shows connected are the first
    # k check-ins in the order the server recorded them (`at`): the k-th of them showed up when
    # a snapshot first counted k connected endpoints.
    recorded = sorted(sent.values(), key=lambda item: item[2])
    from_send, from_record = [], []
    for s in subscribers:
        for k, (sent_at, _done, at, _status) in enumerate(recorded):
            if k < len(s.reached):
                from_send.append((s.reached[k] - sent_at) * 1000)
                from_record.append((s.reached[k] - at) * 1000)
    wanted = {endpoint for endpoint, _ in checkins}
    lasts = [s.last for s in subscribers]
    complete = sum(
        1
        for last in lasts
        if last
        and len(last["endpoints"]) == len(checkins) + 1
        and {r["endpoint"] for r in last["endpoints"] if r["state"] == "connected"} >= wanted
    )
    post_ms = [(done - start) * 1000 for start, done, _at, _status in sent.values()]
    statuses: dict[int, int] = {}
    for *_times, status in sent.values():
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "subscribers": args.subscribers,
        "subscriber_errors": sum(len(s.errors) for s in subscribers),
        "first_errors": sorted({e for s in subscribers for e in s.errors})[:3],
        "connect_seconds": round(connect_seconds, 2),
        "checkins": len(checkins),
        "checkin_seconds": round(checkin_seconds, 1),
        "http_statuses": statuses,
        "post_ms_p50": round(percentile(post_ms, 50), 1),
        "post_ms_p99": round(percentile(post_ms, 99), 1),
        "complete_last_snapshot_percent": round(100 * complete / args.subscribers, 1),
        "observations": len(from_record),
        "missing_observations": args.subscribers * len(checkins) - len(from_record),
        "delay_ms_p50": round(percentile(from_record, 50), 1),
        "delay_ms_p95": round(percentile(from_record, 95), 1),
        "delay_ms_p99": round(percentile(from_record, 99), 1),
        "delay_ms_max": round(max(from_record, default=float("nan")), 1),
        "delay_from_send_ms_p50": round(percentile(from_send, 50), 1),
        "delay_from_send_ms_p99": round(percentile(from_send, 99), 1),
        "snapshots_per_subscriber_mean": round(statistics.mean(s.snapshots for s in subscribers), 1),
        "snapshots_per_subscriber_per_second_max": round(
            max(s.snapshots for s in subscribers) / (checkin_seconds + 1.5), 2
        ),
        "snapshot_bytes": max(s.bytes for s in subscribers),
        "server_cpu_seconds": round(server_cpu, 1),
        "bench_client_cpu_seconds": round(client_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--endpoints", type=int, default=250)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--ws",
        default="vconf.websocket_protocol:WebSocketProtocol",
        help="uvicorn's WebSocket implementation: vconf's (deflate level 1, the default), auto, wsproto...",
    )
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds")
    parser.add_argument(
        "--national", action="store_true", help="3,356 rooms, two nodes behind nginx (live_national.py)"
    )
    parser.add_argument("--minutes", type=float, default=5, help="--national: spread the check-ins over this long")
    parser.add_argument("--rooms", type=int, default=3355, help="--national: commune rooms checking in")
    parser.add_argument("--no-browser", dest="browser", action="store_false", help="--national: skip Chromium")
    args = parser.parse_args()
    if args.national:
        import live_national

        live_national.main(args)
        return

    env = environment(args.database)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    SCRATCH.reset(args.database)
    clear_redis()
    server = None
    try:
        data = seed(args.endpoints)
        from django.db import connections

        connections.close_all()
        port = free_port()
        server = start_server(env, port, args.workers, args.ws)
        figures = asyncio.run(asyncio.wait_for(drive(args, port, data, server.pid), timeout=args.timeout))
    finally:
        if server is not None:
            stop_server(server)
        from django.db import connections

        connections.close_all()
        SCRATCH.drop(args.database)
        clear_redis()
    figures.update(database=args.database, workers=args.workers, ws=args.ws, compression=COMPRESSION or "none")
    print(json.dumps(figures, indent=2))
    goals = figures["complete_last_snapshot_percent"] == 100 and figures["delay_ms_p99"] <= 500
    print("goals met" if goals else "goals NOT met: complete snapshots 100%, p99 delay ≤ 500 ms")


if __name__ == "__main__":
    main()
