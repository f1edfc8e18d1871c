"""`manage.py import_endpoints FILE.csv`: endpoints from a CSV file, all rows or none."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rooms.services.csv_files import RowErrors
from rooms.services.endpoint_import import import_endpoints_csv
from vconf.exceptions import validation_lines


class Command(BaseCommand):
    help = (
        "Import endpoints from CSV (columns: name, unit; optional unit_structure, legacy_unit, seats, dial_address, "
        "connection, bridge, road_km, status, status_since, operators). All rows or none; errors name the row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8; comma, semicolon or tab separated)")

    def handle(self, *args: object, file: str, **options: object) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            created = import_endpoints_csv(data=path.read_bytes(), by=None)
        except RowErrors as error:
            for line in error.as_lines():
                self.stderr.write(line)
            raise CommandError(f"{len(error.rows)} bad rows: nothing was imported") from None
        except ValidationError as error:
            raise CommandError(" ".join(validation_lines(error))) from None
        self.stdout.write(self.style.SUCCESS(f"{len(created)} endpoints imported"))
