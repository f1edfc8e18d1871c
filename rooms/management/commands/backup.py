"""`manage.py backup --output FILE`: a consistent copy of the whole database, taken while it runs.

PostgreSQL: `pg_dump -Fc` (custom format: compressed, restored with pg_restore, tables in any
order). SQLite: the sqlite3 online backup API, which copies pages under a read lock and so gives a
consistent file even while workers write (copying the .sqlite3 file with cp would not). The file
is restored with `manage.py restore FILE`. See docs/deployment.md "Backups".
"""

import os
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

# The first bytes of each kind of backup file, so restore can tell which one it was handed.
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def libpq_env(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """Connection parameters for pg_dump/pg_restore/psql as libpq environment variables, so a
    password never shows up in the process list."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def run_tool(args: list[str], settings_dict: Mapping[str, Any]) -> None:
    try:
        result = subprocess.run(args, env=libpq_env(settings_dict), capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise CommandError(
            f"{args[0]} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        ) from error
    if result.returncode != 0:
        raise CommandError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}")


def row_counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows in the table of every model (many-to-many tables included), by table name."""
    connection = connections[alias]
    existing = set(connection.introspection.table_names())
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed} & existing
    )
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def backup_sqlite(alias: str, output: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    output.unlink(missing_ok=True)
    target = sqlite3.connect(output)
    try:
        # Copies every page under a shared lock: a consistent snapshot even with writers around.
        connection.connection.backup(target)
    finally:
        target.close()


def backup_postgresql(alias: str, output: Path) -> None:
    settings_dict = connections[alias].settings_dict
    run_tool(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={output}"], settings_dict)


class Command(BaseCommand):
    help = "Write a consistent backup of the database to FILE (pg_dump -Fc on PostgreSQL, an SQLite file on SQLite)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", required=True, help="the backup file to write")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args: object, output: str, database: str, **options: object) -> None:
        path = Path(output).resolve()
        if not path.parent.is_dir():
            raise CommandError(f"folder does not exist: {path.parent}")
        vendor = connections[database].vendor
        if vendor == "sqlite":
            backup_sqlite(database, path)
        elif vendor == "postgresql":
            backup_postgresql(database, path)
        else:
            raise CommandError(f"backup supports PostgreSQL and SQLite, not {vendor}")
        counts = row_counts(database)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path} ({path.stat().st_size:,} bytes, {vendor}): "
                f"{sum(counts.values()):,} rows in {len(counts)} tables."
            )
        )
