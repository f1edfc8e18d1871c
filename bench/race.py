"""Race: 8 processes book overlapping meetings on the same endpoints at the same instant, 50 rounds.

    .venv/bin/python bench/race.py                          # SQLite and PostgreSQL, the booking service
    .venv/bin/python bench/race.py --via api --workers 2    # through POST /api/meetings/ on uvicorn
    .venv/bin/python bench/race.py --database sqlite --rounds 10
    .venv/bin/python bench/race.py --scenario cascade       # national + provincial meetings, two bridge levels

Each round, every process waits at a barrier, then books a one-hour meeting starting at the same
slot (each five minutes later than the one before) with the same host and the same commune
endpoint (plus one more of its own). Exactly one may win; the other seven must be refused with a
conflict (409), never a server error and never "database is locked". Afterwards the database is
searched for any two live bookings of one endpoint that overlap: there must be none.

Real processes, real connections: a temporary SQLite file (WAL, IMMEDIATE transactions) or the
PostgreSQL database vconf_race_h7 on 127.0.0.1 (dropped afterwards). `--via service` calls
`rooms.services.booking.book_meeting(*, organizer, title, start, end, host, endpoints, ...)` in
each process; `--via api` starts a scratch uvicorn server (bin/scratch_server.py) and POSTs.
Prints the figures and exits 1 if any rule was broken. `--scenario cascade` races national and
provincial meetings over a central MCU and two provincial MCUs (bench/race_cascade.py): any
number may win a round, but no bridge may end over its ports and no endpoint double-booked.
"""

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections import Counter
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = os.environ.get("RACE_DB", "vconf_race_h7")  # RACE_DB: a scratch name of your own
HANOI = dt.timezone(dt.timedelta(hours=7))

# SQL for the invariant: two live bookings of one endpoint whose intervals overlap.
DOUBLE_BOOKINGS = """
SELECT a.endpoint_id, a.meeting_id, b.meeting_id
FROM rooms_participation a JOIN rooms_participation b
  ON a.endpoint_id = b.endpoint_id AND a.id < b.id
WHERE a.active AND b.active AND a."start" < b."end" AND b."start" < a."end"
"""


def slot(round_no: int, worker: int) -> tuple[dt.datetime, dt.datetime]:
    """Round r: day r+2 from today at 09:00 Hanoi time; worker i starts 5 i minutes later."""
    day = dt.datetime.now(HANOI).date() + dt.timedelta(days=round_no + 2)
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=HANOI) + dt.timedelta(minutes=5 * worker)
    return start, start + dt.timedelta(hours=1)


# ------------------------------------------------------------------------------------ workers


def service_worker(worker: int, rounds: int, barrier: Barrier, results: Queue, env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "vconf.settings"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.exceptions import ValidationError
    from django.db import connection
    from rest_framework.exceptions import APIException

    from rooms.models import Endpoint
    from rooms.services.booking import book_meeting
    from vconf.exceptions import Conflict

    staff = User.objects.get(username="vanphong")
    ids = json.loads(env["RACE_IDS"])
    host = Endpoint.objects.get(pk=ids["endpoint_178"])
    shared = Endpoint.objects.get(pk=ids["endpoint_06280"])
    own = Endpoint.objects.get(pk=ids["endpoint_06283" if worker % 2 else "endpoint_06310"])
    for round_no in range(rounds):
        start, end = slot(round_no, worker)
        barrier.wait(timeout=120)
        began = time.perf_counter()
        try:
            book_meeting(
                organizer=staff,
                title=f"Race {round_no}/{worker}",
                start=start,
                end=end,
                host=host,
                endpoints=[shared, own],
                notify=False,
            )
            outcome = "201"
        except Conflict:
            outcome = "409"
        except ValidationError as error:
            outcome = f"400 {error.messages[:1]}"
        except APIException as error:
            outcome = f"{error.status_code} {error.detail}"
        except Exception as error:
            outcome = f"500 {type(error).__name__}: {error}"
            traceback.print_exc()
        results.put((round_no, worker, outcome, time.perf_counter() - began))
        connection.close()


def api_worker(worker: int, rounds: int, barrier: Barrier, results: Queue, env: dict) -> None:
    ids, url, token = json.loads(env["RACE_IDS"]), env["RACE_URL"], env["RACE_TOKEN"]
    for round_no in range(rounds):
        start, end = slot(round_no, worker)
        body = {
            "title": f"Race {round_no}/{worker}",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "host": ids["endpoint_178"],
            "endpoints": [ids["endpoint_06280"], ids["endpoint_06283" if worker % 2 else "endpoint_06310"]],
        }
        request = urllib.request.Request(
            f"{url}/api/meetings/",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait(timeout=120)
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                outcome = str(response.status)
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")[:200]
            outcome = "409" if error.code == 409 else f"{error.code} {text}"
        except OSError as error:
            outcome = f"000 {type(error).__name__}: {error}"
        results.put((round_no, worker, outcome, time.perf_counter() - began))


# ------------------------------------------------------------------------------------ the run


def prepare(database: str, workdir: Path, *, scenario: str = "endpoint") -> dict:
    if database == "postgres":
        for sql in (f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)", f"CREATE DATABASE {PG_NAME}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        url = f"{PG_SERVER}/{PG_NAME}"
    else:
        url = f"sqlite:///{workdir / 'race.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "vconf.settings"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    if scenario == "cascade":
        made = subprocess.run([sys.executable, "bench/race_cascade.py", "seed"], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        ids = made.stdout.strip().splitlines()[-1]
        return {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "vconf.settings", "RACE_IDS": ids}
    seeded = subprocess.run(
        [sys.executable, "bin/scratch_server.py", "--seed-only", "small"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    ids, token = json.dumps(info["ids"]), info["tokens"]["vanphong"]
    return {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "vconf.settings", "RACE_IDS": ids, "RACE_TOKEN": token}


def double_bookings(env: dict) -> list[tuple]:
    code = (
        "import json, django; django.setup(); from django.db import connection; c = connection.cursor(); "
        f"c.execute({DOUBLE_BOOKINGS!r}); print(json.dumps(c.fetchall()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def bridges_over_ports(env: dict) -> list[dict]:
    result = subprocess.run([sys.executable, "bench/race_cascade.py", "check"], cwd=ROOT,
                            env={**os.environ, **env}, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])["over"]


def collect(results: Queue, processes: list, expected: int) -> list[tuple]:
    """Every worker's outcomes; stops early (with what it has) if a worker process died."""
    outcomes: list[tuple] = []
    while len(outcomes) < expected:
        try:
            outcomes.append(results.get(timeout=5))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                print("a worker process died: see its traceback above")
                for p in processes:
                    p.kill()
                break
    return outcomes


def run(database: str, *, via: str, clients: int, rounds: int, workers: int, scenario: str = "endpoint") -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="vconf-race-"))
    env = prepare(database, workdir, scenario=scenario)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(clients), ctx.Queue()
    server = None
    try:
        if via == "api":
            from scratch_server import scratch_server

            server = scratch_server(workers=workers, seed="none", database_url=env["DATABASE_URL"],
                                    extra_env={"THROTTLE_USER": "100000/minute"})  # fmt: skip
            env["RACE_URL"] = server.__enter__().url
        target = service_worker if via == "service" else api_worker
        if scenario == "cascade":
            from race_cascade import worker as target  # type: ignore[import-not-found]

        began = time.perf_counter()
        processes = [ctx.Process(target=target, args=(i, rounds, barrier, results, env)) for i in range(clients)]
        for p in processes:
            p.start()
        outcomes = collect(results, processes, clients * rounds)
        for p in processes:
            p.join(timeout=60)
        elapsed = time.perf_counter() - began
    finally:
        if server is not None:
            server.__exit__(None, None, None)
    wins = Counter(r for r, _w, outcome, _t in outcomes if outcome == "201")
    statuses = Counter(outcome.split(" ", 1)[0] for _r, _w, outcome, _t in outcomes)
    odd = [o for o in outcomes if o[2] not in ("201", "409")]
    overlaps = double_bookings(env)
    over = bridges_over_ports(env) if scenario == "cascade" else []
    latencies = sorted(t for *_rest, t in outcomes)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    one_winner = scenario == "cascade" or all(wins.get(r) == 1 for r in range(rounds))
    print(f"\n== {database}, {scenario}, via {via}" + (f" ({workers} uvicorn workers)" if via == "api" else ""))
    print(f"{clients} processes × {rounds} rounds = {len(outcomes)} bookings in {elapsed:.1f}s")
    print(f"answers: {dict(sorted(statuses.items()))}")
    print(f"winners per round: min {min(wins.values(), default=0)}, max {max(wins.values(), default=0)}")
    print(f"latency: median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"double bookings in the database: {len(overlaps)}")
    if scenario == "cascade":
        print(f"bookings made: {sum(wins.values())}; bridges over their ports: {len(over)}")
        for sample in over[:5]:
            print(f"  over: {sample}")
    for sample in odd[:5]:
        print(f"  unexpected answer (round {sample[0]}, process {sample[1]}): {sample[2]}")
    if database == "postgres":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)"]
        )
    ok = one_winner and not odd and not overlaps and not over
    told = "no bridge over its ports" if scenario == "cascade" else "one winner per round"
    print("result: " + (f"OK — {told}, every loser 409, no double booking" if ok else "FAILED"))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--via", choices=["service", "api"], default="service")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers with --via api")
    parser.add_argument("--scenario", choices=["endpoint", "cascade"], default="endpoint")
    args = parser.parse_args()
    if args.scenario == "cascade" and args.via != "service":
        parser.error("--scenario cascade books through the service (--via service)")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = [
        run(d, via=args.via, clients=args.clients, rounds=args.rounds, workers=args.workers, scenario=args.scenario)
        for d in databases
    ]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
