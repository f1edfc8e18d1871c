"""`manage.py import_users FILE.csv`: user accounts from a CSV file, all rows or none."""

from django.core.management.base import BaseCommand, CommandParser

from rooms.management.imports import import_refusals, read_file
from rooms.services.user_import import import_users_csv


class Command(BaseCommand):
    help = (
        "Import user accounts from CSV (columns: username, role; optional full_name, email, phone, home_unit, "
        "home_unit_structure, is_active, password, endpoints). All rows or none; errors name the row and column."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8; comma, semicolon or tab separated)")

    def handle(self, *args: object, file: str, **options: object) -> None:
        with import_refusals(self.stderr):
            created = import_users_csv(data=read_file(file))
        self.stdout.write(self.style.SUCCESS(f"{len(created)} users imported"))
