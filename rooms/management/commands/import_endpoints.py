"""`manage.py import_endpoints FILE.csv`: endpoints from a CSV file, all rows or none."""

from django.core.management.base import BaseCommand, CommandParser

from rooms.management.imports import import_refusals, read_file
from rooms.services.endpoint_import import import_endpoints_csv


class Command(BaseCommand):
    help = (
        "Import endpoints from CSV (columns: name, unit; optional unit_structure, legacy_unit, seats, dial_address, "
        "connection, bridge, road_km, status, status_since, operators). All rows or none; errors name the row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8; comma, semicolon or tab separated)")

    def handle(self, *args: object, file: str, **options: object) -> None:
        with import_refusals(self.stderr):
            created = import_endpoints_csv(data=read_file(file), by=None)
        self.stdout.write(self.style.SUCCESS(f"{len(created)} endpoints imported"))
