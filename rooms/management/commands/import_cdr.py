"""`manage.py import_cdr --bridge <id> FILE.csv`: call records from a CSV file, all rows or none.

`--rederive` rebuilds the bridge's legs from every record it has (after rooms' aliases changed)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rooms.cdr.csv_import import import_cdr_csv
from rooms.cdr.ingest import rederive_bridge
from rooms.cdr.tasks import derive_pending
from rooms.management.imports import import_refusals, read_file
from rooms.models import Bridge


class Command(BaseCommand):
    help = (
        "Import a bridge's call records from CSV (columns: remote_address, connected_at, disconnected_at). "
        "All rows or none; errors name the row. A record the bridge already has adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bridge", type=int, required=True, help="the bridge (MCU) id")
        parser.add_argument("file", nargs="?", help="the CSV file (UTF-8; comma, semicolon or tab separated)")
        parser.add_argument("--rederive", action="store_true", help="rebuild every leg of the bridge from its records")

    def handle(self, *args: object, bridge: int, file: str | None, rederive: bool, **options: object) -> None:
        found = Bridge.objects.filter(pk=bridge).first()
        if found is None:
            raise CommandError(f"No bridge {bridge}")
        if file:
            with import_refusals(self.stderr):
                result = import_cdr_csv(bridge=found, data=read_file(file))
            derive_pending(bridge_id=found.pk)  # the command derives the legs itself: no worker needed
            self.stdout.write(self.style.SUCCESS(f"{result.received} records read, {result.stored} new"))
        if rederive:
            self.stdout.write(self.style.SUCCESS(f"{rederive_bridge(bridge=found)} legs derived"))
        if not file and not rederive:
            raise CommandError("Give a FILE, --rederive, or both")
