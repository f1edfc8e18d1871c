"""`manage.py report savings|coverage|usage|payback`: a report to a file, as the API would give it.

    python manage.py report savings --start 2025-01-01 --end 2025-12-31 --group-by month,district \\
        --format xlsx --output tiet-kiem-2025.xlsx

The options fill the report's query serializer, as the API's query string does.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from analytics import exports
from analytics.serializers import REPORTS, build_report
from vconf.exceptions import validation_messages

# Command-line options, by the query parameter every report reads (the API's names).
OPTIONS = ["start", "end", "group_by", "province", "district", "as_of", "structure"]


def error_lines(detail: object, name: str = "") -> list[str]:
    """Validation messages as "--option: message" lines."""
    if isinstance(detail, dict):
        return [line for key, value in detail.items() for line in error_lines(value, key)]
    if isinstance(detail, list | tuple):
        return [line for item in detail for line in error_lines(item, name)]
    option = "--" + name.replace("_", "-") if name in OPTIONS else "" if name == "non_field_errors" else name
    return [f"{option}: {detail}" if option else str(detail)]


class Command(BaseCommand):
    help = "Write a report (savings, coverage, usage, payback) as JSON, CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(REPORTS), help="which report")
        parser.add_argument("--start", help="ISO date or datetime (savings, usage)")
        parser.add_argument("--end", help="ISO date (that whole day included) or datetime (savings, usage)")
        parser.add_argument("--group-by", dest="group_by", help="month, district, endpoint or meeting (savings, usage)")
        parser.add_argument("--province", help="province code")
        parser.add_argument("--district", help="district code (savings)")
        parser.add_argument("--as-of", dest="as_of", help="ISO date (coverage, payback)")
        parser.add_argument("--structure", help="current or legacy (coverage)")
        parser.add_argument("--format", choices=exports.FORMATS, help="default: from the --output extension, else json")
        parser.add_argument("--output", help="file to write; without it JSON and CSV go to standard output")

    def handle(self, *args: object, **options: Any) -> None:
        name = str(options["name"])
        output = options.get("output")
        fmt = options.get("format") or self.format_of(output)
        if fmt == "xlsx" and not output:
            raise CommandError("--output: bắt buộc với --format xlsx")
        params = {key: str(options[key]) for key in OPTIONS if options.get(key) not in (None, "")}
        query = REPORTS[name][0](data=params)
        if not query.is_valid():
            raise CommandError("\n".join(error_lines(query.errors)))
        # disable=None: the bar shows on a terminal and stays out of logs and pipes.
        with tqdm(total=3, desc=f"report {name}", unit="step", disable=None, file=sys.stderr) as bar:
            bar.set_postfix_str("tính toán")
            try:
                report = build_report(name, query.validated_data, None)
            except ValidationError as error:
                raise CommandError("\n".join(error_lines(validation_messages(error)))) from None
            bar.update()
            bar.set_postfix_str("định dạng")
            if output:
                Path(str(output)).write_bytes(exports.file_bytes(report, fmt))
                bar.update(2)
            else:
                bar.update()
                data = exports.file_bytes(report, fmt).decode("utf-8-sig")
                bar.update()
        if output:
            self.stderr.write(self.style.SUCCESS(f"{output}: {len(report.rows)} dòng"))
        else:
            self.stdout.write(data)

    @staticmethod
    def format_of(output: object) -> str:
        suffix = str(output or "").rsplit(".", 1)[-1].lower()
        return suffix if suffix in exports.FORMATS else "json"
