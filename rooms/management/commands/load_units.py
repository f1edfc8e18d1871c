"""`manage.py load_units --province 20 --structure both`: administrative units from the packaged
`vietnamadminunits` data, or `--csv FILE` for a tree a user prepared. Safe to run again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rooms.management.imports import import_refusals, read_file
from rooms.models import Structure
from rooms.services.units import BOTH, LoadResult, ProgressBar, load_packaged_units
from rooms.services.units_csv import import_units_csv


class Command(BaseCommand):
    help = (
        "Load administrative units: --province <code>|all --structure current|legacy|both from the packaged "
        "data, or --csv FILE --structure current|legacy. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", help="province code (e.g. 20), several separated by commas, or 'all'")
        parser.add_argument("--structure", default=BOTH, choices=[Structure.CURRENT, Structure.LEGACY, BOTH])
        parser.add_argument("--csv", dest="csv_file", help="a CSV tree: code,name,level,parent[,lat,lon,...]")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: object, **options: Any) -> None:
        province, structure, csv_file = options["province"], options["structure"], options["csv_file"]
        quiet = options["no_progress"] or options["verbosity"] == 0

        def progress(**kwargs: object) -> ProgressBar:
            return tqdm(file=self.stderr._out, unit=" đơn vị", disable=quiet, leave=False, **kwargs)

        with import_refusals(self.stderr):
            if csv_file:
                if structure == BOTH:
                    raise CommandError("--csv needs --structure current or --structure legacy")
                result = import_units_csv(data=read_file(csv_file), structure=structure, progress=progress)
            elif province:
                result = load_packaged_units(province=province, structure=structure, progress=progress)
            else:
                raise CommandError("give --province <code>|all, or --csv FILE")
        self.report(result)

    def report(self, result: LoadResult) -> None:
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("OK"))
