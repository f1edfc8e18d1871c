#!/usr/bin/env python
"""A throw-away vconf server on 127.0.0.1 for fuzzing, browser tests and load tests.

It migrates a fresh database (a temporary SQLite file unless --database-url is given), loads a
small deterministic data set (`--seed small`, below) or the full demo (`--seed demo`), creates an
API token for every seeded user, and serves the ASGI app with uvicorn until stopped. Nothing
listens on anything but loopback.

    .venv/bin/python bin/scratch_server.py --port 8765 --workers 2 --info /tmp/server.json

Python callers use `scratch_server(...)`, a context manager yielding a `Server` (url, tokens).
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "vconf-demo-2026"  # the same as `manage.py demo`, so the docs need one password

# username, role, home unit code (legacy tree), the endpoint they operate
USERS = [
    ("admin", "administrator", None, None),
    ("vanphong", "staff", "20", None),
    ("vanphong_vanlang", "staff", "178", None),
    ("kythuat", "operator", "06280", "06280"),
    ("lanhdao", "leader", "20", None),
]


@dataclass
class Server:
    url: str
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    password: str = PASSWORD
    process: subprocess.Popen | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(*, port: int, database_url: str, redis_url: str | None, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "VCONF_SECURE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "vconf.settings",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port},http://localhost:{port}",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url}/healthz did not answer 200 within {timeout}s")


@contextlib.contextmanager
def scratch_server(
    *,
    port: int = 0,
    workers: int = 1,
    seed: str = "small",
    database_url: str | None = None,
    redis_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[Server]:
    """Migrate, seed, serve; stop the server and delete the temporary database on exit."""
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="vconf-scratch-"))
    database_url = database_url or f"sqlite:///{workdir / 'db.sqlite3'}"
    env = server_env(port=port, database_url=database_url, redis_url=redis_url, extra=extra_env)
    process = None
    try:
        manage("migrate", "--noinput", env=env)
        if seed == "demo":
            manage("demo", env=env)
        seeded = subprocess.run(
            [sys.executable, __file__, "--seed-only", seed], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{seeded.stdout}\n{seeded.stderr}")
        info = json.loads(seeded.stdout.strip().splitlines()[-1])
        out = (log or workdir / "server.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "vconf.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                # Longer than a client's (or nginx's upstream) idle keep-alive, so the server is
                # never the one closing a connection the other side is about to reuse (found by
                # bench/load.sh: "connection reset by peer" with uvicorn's default of 5 s).
                "--timeout-keep-alive",
                "75",
                "--ws",
                "vconf.websocket_protocol:WebSocketProtocol",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(url=f"http://127.0.0.1:{port}", tokens=info["tokens"], ids=info["ids"], process=process)
        wait_healthy(server.url, process)
        yield server
    finally:
        if process is not None and process.poll() is None:
            # uvicorn with --workers runs a supervisor: stop its whole process group.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- the small data set


def seed_small() -> dict:  # pragma: no cover - runs in the seeding subprocess
    """Lạng Sơn in miniature (as tests/conftest.py), one user per role, a meeting running now with
    the operator's room in it, one tomorrow at 09:00 to collide with, and two months of held
    meetings with check-ins so the reports have figures. Times follow the real clock."""
    import datetime as dt
    import uuid

    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from analytics.models import Investment
    from rooms.models import (
        Bridge,
        CheckIn,
        Endpoint,
        Level,
        Meeting,
        Participation,
        Profile,
        ProvinceSettings,
        Structure,
        Unit,
    )

    legacy = Structure.LEGACY
    units = {}
    for code, name, level, parent, lat, lon in [
        ("20", "Tỉnh Lạng Sơn", Level.PROVINCE, None, 21.85, 106.76),
        ("178", "Huyện Văn Lãng", Level.DISTRICT, "20", 22.03, 106.58),
        ("180", "Huyện Cao Lộc", Level.DISTRICT, "20", 21.87, 106.84),
        ("06280", "Xã Tân Thanh", Level.COMMUNE, "178", 22.07, 106.56),
        ("06283", "Xã Hoàng Việt", Level.COMMUNE, "178", 22.02, 106.62),
        ("06310", "Xã Thụy Hùng", Level.COMMUNE, "180", 21.90, 106.86),
    ]:
        units[code], _ = Unit.objects.get_or_create(
            structure=legacy,
            code=code,
            defaults={"name": name, "level": level, "parent": units.get(parent), "lat": lat, "lon": lon},
        )
    bridge, _ = Bridge.objects.get_or_create(name="MCU tỉnh Lạng Sơn", defaults={"ports": 40})
    endpoints = {}
    for code, unit in units.items():
        name = "Hội trường UBND tỉnh" if code == "20" else f"UBND {unit.name}"
        endpoints[code], _ = Endpoint.objects.get_or_create(
            unit=unit,
            name=name,
            defaults={
                "status": "in_service",
                "status_since": dt.date(2015, 1, 1),
                "seats": 120 if code == "20" else 30,
                "bridge": bridge,
                "road_km": 0 if code == "20" else None,
                "dial_address": f"sip:{code}@mcu.langson.example.vn",
            },
        )
    ProvinceSettings.objects.get_or_create(province_code="20", defaults={"name": "Lạng Sơn", "host": endpoints["20"]})
    Investment.objects.get_or_create(
        province_code="20",
        date=dt.date(2018, 6, 1),
        defaults={"amount_vnd": 3_600_000_000, "description": "Thiết bị điểm cầu và MCU"},
    )

    from rest_framework.authtoken.models import Token

    tokens, ids = {}, {f"endpoint_{code}": e.pk for code, e in endpoints.items()}
    for username, role, home, operates in USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(PASSWORD)
            user.is_superuser = user.is_staff = role == "administrator"
            user.save()
        user.groups.add(Group.objects.get(name=role))
        Profile.objects.update_or_create(user=user, defaults={"home_unit": units.get(home) if home else None})
        if operates:
            endpoints[operates].operators.add(user)
        tokens[username] = Token.objects.get_or_create(user=user)[0].key
        ids[f"user_{username}"] = user.pk

    if not Meeting.objects.exists():
        now = timezone.now().replace(second=0, microsecond=0)
        host, staff = endpoints["20"], User.objects.get(username="vanphong")
        operator = User.objects.get(username="kythuat")

        def meeting(title: str, start: dt.datetime, minutes: int, codes: list[str], **extra: object) -> Meeting:
            m = Meeting.objects.create(
                title=title, host=host, bridge=bridge, start=start, end=start + dt.timedelta(minutes=minutes),
                organizer=staff, **extra,
            )  # fmt: skip
            for code in ["20", *codes]:
                Participation.objects.create(
                    meeting=m, endpoint=endpoints[code], is_host=code == "20", start=m.start, end=m.end
                )
            return m

        running = meeting("Giao ban trực tuyến (đang họp)", now - dt.timedelta(minutes=10), 90, ["06280", "06283"])
        ids["meeting_running"] = running.pk
        local_tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
        nine = timezone.make_aware(dt.datetime.combine(local_tomorrow, dt.time(9, 0)))
        ids["meeting_tomorrow"] = meeting("Họp triển khai kế hoạch quý", nine, 60, ["06280", "06310"]).pk
        for week in range(1, 9):
            start = now - dt.timedelta(weeks=week, hours=2)
            held = meeting(f"Giao ban tuần trước ({week})", start, 120, ["178", "180", "06280", "06310"])
            for code, people in (("178", 12), ("180", 9), ("06280", 14)):
                CheckIn.objects.create(
                    meeting=held, endpoint=endpoints[code], kind="in", attendees=people, client_id=uuid.uuid4(),
                    recorded_by=operator, at=held.start + dt.timedelta(minutes=2),
                )  # fmt: skip
        ids["meeting_held"] = held.pk
    else:
        ids["meeting_running"] = Meeting.objects.order_by("pk").first().pk
    return {"tokens": tokens, "ids": ids}


def demo_tokens() -> dict:  # pragma: no cover - runs in the seeding subprocess
    """After `manage.py demo`: an API token for each demo user (their passwords are the demo's)."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    tokens = {u.username: Token.objects.get_or_create(user=u)[0].key for u in User.objects.all()}
    return {"tokens": tokens, "ids": {}}


def seed_only(kind: str) -> None:  # pragma: no cover - runs in the seeding subprocess
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    info = {"small": seed_small, "demo": demo_tokens}.get(kind, lambda: {"tokens": {}, "ids": {}})()
    print(json.dumps(info))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", choices=["small", "demo", "none"], default="small")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", help="default: in-memory channel layer and cache")
    parser.add_argument("--info", type=Path, help="write {url, tokens, ids} here once the server is up")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra settings")
    parser.add_argument("--log", type=Path, help="the server's output (default: a temporary file)")
    parser.add_argument("--seed-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        seed_only(args.seed_only)
        return
    extra = dict(item.split("=", 1) for item in args.env)
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with scratch_server(
        port=args.port,
        workers=args.workers,
        seed=args.seed,
        database_url=args.database_url,
        redis_url=args.redis_url,
        extra_env=extra,
        log=args.log,
    ) as server:
        info = {"url": server.url, "tokens": server.tokens, "ids": server.ids, "password": server.password}
        if args.info:
            args.info.write_text(json.dumps(info, indent=2))
        print(f"vconf scratch server on {server.url} (Ctrl-C stops it)", flush=True)
        while not stop and server.process.poll() is None:
            time.sleep(0.5)


if __name__ == "__main__":
    main()
