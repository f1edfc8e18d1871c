"""What the benchmark scripts share: a scratch database of their own, named by the script (a SQLite
file in /tmp or a PostgreSQL database, removed afterwards), and Django set up on it in a child."""

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
        if database == "postgres":
            self.psql(f"DROP DATABASE IF EXISTS {self.name}", check=True)
            self.psql(f"CREATE DATABASE {self.name}", check=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(self.sqlite_path + suffix).unlink(missing_ok=True)

    def drop(self, database: str) -> None:
        if database == "postgres":
            self.psql(f"DROP DATABASE IF EXISTS {self.name}", check=False)
        else:
            self.reset(database)

    def run_children(self, script: str, choice: str, runs: int) -> None:
        """`script --child DATABASE --runs N` on a fresh scratch database, for each one chosen."""
        for database in ["sqlite", "postgres"] if choice == "both" else [choice]:
            self.reset(database)
            try:
                subprocess.run([sys.executable, script, "--child", database, "--runs", str(runs)], check=True)
            finally:
                self.drop(database)

    @staticmethod
    def psql(sql: str, *, check: bool) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=check)

    def setup_django(self, database: str) -> None:
        """In the child process: Django on this database, no Redis, no lockouts, errors only."""
        os.environ.update(
            DATABASE_URL=self.url(database),
            DJANGO_SETTINGS_MODULE="vconf.settings",
            AXES_ENABLED="0",
            LOG_LEVEL="ERROR",
        )
        os.environ.pop("REDIS_URL", None)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
