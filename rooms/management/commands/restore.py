"""`manage.py restore FILE`: put back a backup made by `manage.py backup`, replacing every row.

PostgreSQL: `pg_restore --clean --single-transaction`, so a failed restore leaves the database as it
was. SQLite: the sqlite3 backup API copies the file's pages into the live database in one step.
`--database-url URL` restores into another database instead (a scratch copy to inspect, or a new
server); otherwise the configured one is replaced, after a confirmation unless --noinput.
"""

import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from rooms.management.commands.backup import PG_DUMP_MAGIC, SQLITE_MAGIC, row_counts, run_tool

VENDORS = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}


def backup_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise CommandError(f"{path} is not a vconf backup (neither an SQLite file nor a pg_dump -Fc archive)")


def open_checked_sqlite(path: Path) -> sqlite3.Connection:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (verdict,) = source.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        source.close()
        raise CommandError(f"{path} is damaged: {error}") from error
    if verdict != "ok":
        source.close()
        raise CommandError(f"{path} is damaged: {verdict}")
    return source


def forget_cached_data(alias: str) -> None:
    """What the cache holds was computed from the database just replaced: every calendar feed gets
    a new version (its cached body is never served again) and a local cache is emptied. A Redis
    cache is not flushed: it may share its database with the channel layer and other prefixes."""
    from rooms import ical
    from rooms.models import Endpoint

    ical.bump_feed_versions(list(Endpoint.objects.using(alias).values_list("pk", flat=True)))
    for cache in caches.all():
        if isinstance(cache, LocMemCache):
            cache.clear()


class Command(BaseCommand):
    help = "Replace the database with a backup made by `manage.py backup` (or restore it into --database-url)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by `manage.py backup`")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")
        parser.add_argument("--database-url", help="restore into this database instead of the configured one")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: object, file: str, database: str, database_url: str | None, **options: object) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        kind = backup_kind(path)
        if database_url:
            settings_dict: Mapping[str, Any] = dj_database_url.parse(database_url)
            vendor = VENDORS.get(settings_dict["ENGINE"], settings_dict["ENGINE"])
        else:
            settings_dict = connections[database].settings_dict
            vendor = connections[database].vendor
        if kind != vendor:
            raise CommandError(f"{path} is a {kind} backup; the target database is {vendor}")
        target = settings_dict["NAME"]
        if not options["noinput"]:
            self.confirm(target)
        if kind == "sqlite":
            self.restore_sqlite(path, database, None if not database_url else target)
        else:
            if not database_url:
                # pg_restore drops and recreates the tables: our own idle connection must not hold them.
                connections[database].close()
            run_tool(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={target}",
                    str(path),
                ],
                settings_dict,
            )
        summary = ""
        if not database_url:
            counts = row_counts(database)
            summary = f": {sum(counts.values()):,} rows in {len(counts)} tables"
            try:
                forget_cached_data(database)
            except Exception as error:
                self.stderr.write(f"The cache could not be cleared ({error}): calendar feeds may be stale for an hour.")
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {target}{summary}."))

    def confirm(self, target: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError("restore replaces every row of the database: pass --noinput to confirm")
        answer = input(f"This replaces every row of {target} with the backup. Type 'yes' to continue: ")
        if answer.strip().lower() != "yes":
            raise CommandError("restore cancelled")

    def restore_sqlite(self, path: Path, alias: str, other_file: str | None) -> None:
        source = open_checked_sqlite(path)
        try:
            if other_file:
                target = sqlite3.connect(other_file)
                try:
                    source.backup(target)
                finally:
                    target.close()
                return
            connection = connections[alias]
            if connection.in_atomic_block:
                raise CommandError("cannot restore inside a transaction")
            connection.ensure_connection()
            # Page by page into the live database, under its write lock: readers see the old
            # database or the restored one, never a mix.
            source.backup(connection.connection)
        finally:
            source.close()
