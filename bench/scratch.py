"""What the benchmark scripts share: a scratch database of their own, named by the script (a SQLite
file in /tmp or a PostgreSQL database, removed afterwards), and Django set up on it in a child."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


class Scratch:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sqlite_path = f"/tmp/{name}.sqlite3"

    def url(self, database: str) -> str:
        return f"{PG_SERVER}/{self.name}" if database == "postgres" else f"sqlite:///{self.sqlite_path}"

    def reset(self, database: str) -> None:
        """An empty database: created anew on PostgreSQL, the file and its WAL removed on SQLite."""
        self.drop(database)
        if database == "postgres":
            self.postgres(f"CREATE DATABASE {self.name}")

    def drop(self, database: str) -> None:
        if database == "postgres":
            # FORCE: a server the benchmark started may still hold connections to it.
            self.postgres(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(self.sqlite_path + suffix).unlink(missing_ok=True)

    def run_children(self, script: str, choice: str, runs: int) -> None:
        """`script --child DATABASE --runs N` on a fresh scratch database, for each one chosen."""
        for database in ["sqlite", "postgres"] if choice == "both" else [choice]:
            self.reset(database)
            try:
                subprocess.run([sys.executable, script, "--child", database, "--runs", str(runs)], check=True)
            finally:
                self.drop(database)

    @staticmethod
    def postgres(sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def setup_django(self, database: str) -> None:
        """In the child process: Django on this database, no Redis, no lockouts, errors only."""
        os.environ.update(
            DATABASE_URL=self.url(database),
            DJANGO_SETTINGS_MODULE="vconf.settings",
            AXES_ENABLED="0",
            LOG_LEVEL="ERROR",
        )
        os.environ.pop("REDIS_URL", None)
        # The worker's queue in a scratch file too: what a benchmark queues (the demo's invitations)
        # must not wait in the default queue next to the code for the next real worker.
        os.environ.setdefault("HUEY_FILE", f"/tmp/{self.name}_huey.sqlite3")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


def arguments(description: str, *, runs: int) -> argparse.Namespace:
    """--database sqlite|postgres|both and --runs; --child is how the script calls itself."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
