"""`manage.py report savings|coverage|usage|payback`: a report to a file, as the API would give it.

    python manage.py report savings --start 2025-01-01 --end 2025-12-31 --group-by month,district \\
        --format xlsx --output tiet-kiem-2025.xlsx
"""

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.exceptions import ValidationError as ApiValidationError
from tqdm import tqdm

from analytics import exports

# Command-line option → the query parameter every report reads (the API's names).
OPTIONS = {
    "start": "start",
    "end": "end",
    "group_by": "group_by",
    "province": "province",
    "district": "district",
    "as_of": "as_of",
    "structure": "structure",
}


def option_name(param: str) -> str:
    return "--" + param.replace("_", "-") if param in OPTIONS else param


def error_lines(detail: object) -> list[str]:
    """A ValidationError's messages as "--option: message" lines."""
    if isinstance(detail, dict):
        return [f"{option_name(key)}: {message}" for key, value in detail.items() for message in error_lines(value)]
    if isinstance(detail, list | tuple):
        return [line for item in detail for line in error_lines(item)]
    return [str(detail)]


class Command(BaseCommand):
    help = "Write a report (savings, coverage, usage, payback) as JSON, CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(exports.REPORT_BUILDERS), help="which report")
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
        params = {param: str(options[key]) for key, param in OPTIONS.items() if options.get(key) not in (None, "")}
        # disable=None: the bar shows on a terminal and stays out of logs and pipes.
        with tqdm(total=3, desc=f"report {name}", unit="step", disable=None, file=sys.stderr) as bar:
            bar.set_postfix_str("tính toán")
            try:
                report = exports.build(name, params)
            except ValidationError as error:
                detail = error.message_dict if hasattr(error, "error_dict") else error.messages
                raise CommandError("\n".join(error_lines(detail))) from None
            except ApiValidationError as error:
                raise CommandError("\n".join(error_lines(error.detail))) from None
            bar.update()
            bar.set_postfix_str("định dạng")
            if output:
                exports.write(report, fmt, str(output))
                bar.update(2)
            else:
                bar.update()
                data = self.as_text(report, fmt)
                bar.update()
        if output:
            self.stderr.write(self.style.SUCCESS(f"{output}: {len(report.rows)} dòng"))
        else:
            self.stdout.write(data)

    @staticmethod
    def format_of(output: object) -> str:
        suffix = str(output or "").rsplit(".", 1)[-1].lower()
        return suffix if suffix in exports.FORMATS else "json"

    @staticmethod
    def as_text(report: exports.Report, fmt: str) -> str:
        if fmt == "csv":
            return exports.csv_bytes(report).decode("utf-8-sig")
        return exports.json_bytes(report.body).decode()
