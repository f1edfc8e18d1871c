"""One way to hand a report out: JSON for programs, CSV and XLSX (Vietnamese headers) for people.

Every report (coverage, usage, savings) is built as a `Report` by a function
`build_report(params: Mapping[str, str], user) -> Report` that raises ValidationError naming the
bad parameter; the API views and `manage.py report` both call it and render it here.
"""

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module

import pandas as pd
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from vconf.fields import query_choice

FORMATS = ["json", "csv", "xlsx"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The reports `manage.py report NAME` and the API know, by name.
REPORT_BUILDERS = {
    "coverage": "analytics.coverage.build_report",
    "usage": "analytics.usage.build_report",
    "savings": "analytics.savings.build_report",
    "payback": "analytics.payback.build_report",
}


@dataclass
class Report:
    name: str  # file name stem: "savings", "coverage", ...
    body: dict  # the whole JSON answer, as the API contract shapes it
    rows: pd.DataFrame  # the table people open in a spreadsheet
    labels: dict[str, str] = field(default_factory=dict)  # column -> Vietnamese header
    # Extra sheets for the XLSX file (totals, cost models used, ...): sheet name -> frame.
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)


def build(name: str, params: Mapping[str, str], user: object = None) -> Report:
    """The named report; `user=None` (the command line) means no scope: the whole database."""
    module, func = REPORT_BUILDERS[name].rsplit(".", 1)
    return getattr(import_module(module), func)(params, user)


def requested_format(params: Mapping[str, str]) -> str:
    return query_choice(params, "format", FORMATS, default="json")


def table_for_people(report: Report) -> pd.DataFrame:
    return report.rows.rename(columns=report.labels)


def csv_bytes(report: Report) -> bytes:
    # UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly.
    return table_for_people(report).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheets = {report.name: table_for_people(report), **report.sheets}
        for sheet_name, frame in sheets.items():
            frame = frame.copy()
            for column in frame.select_dtypes(include=["datetimetz"]).columns:
                frame[column] = frame[column].dt.tz_localize(None)  # Excel has no time zones
            frame.to_excel(writer, sheet_name=sheet_name[:31], index=False)
            sheet = writer.sheets[sheet_name[:31]]
            for index, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=index).column_letter
                sheet.column_dimensions[letter].width = max(12, min(45, len(str(column)) + 4))
                if pd.api.types.is_float_dtype(frame[column]):
                    for cell in sheet[letter][1:]:
                        cell.number_format = "#,##0.0"
                elif pd.api.types.is_integer_dtype(frame[column]):
                    for cell in sheet[letter][1:]:
                        cell.number_format = "#,##0"
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def json_bytes(body: dict) -> bytes:
    """The JSON answer. A DataFrame value (a big `rows` table) is written by pandas' own
    serialiser, an order of magnitude faster than building a dict per row."""
    tables = {key: value for key, value in body.items() if isinstance(value, pd.DataFrame)}
    marks = {key: f"@@vconf-frame-{key}@@" for key in tables}
    text = json.dumps({**body, **marks}, ensure_ascii=False, cls=DjangoJSONEncoder)
    for key, frame in tables.items():
        rows = frame.to_json(orient="records", force_ascii=False, date_format="iso", double_precision=15)
        text = text.replace(json.dumps(marks[key]), rows, 1)
    return text.encode()


def render(report: Report, fmt: str) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(json_bytes(report.body), content_type="application/json")
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(csv_bytes(report), content_type="text/csv; charset=utf-8")
        extension = "csv"
    else:
        response = HttpResponse(xlsx_bytes(report), content_type=XLSX_TYPE)
        extension = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="vconf-{report.name}-{stamp}.{extension}"'
    return response


def write(report: Report, fmt: str, path: str) -> None:
    """For `manage.py report`: write the report to a file in the given format."""
    writers = {
        "json": lambda: json_bytes(report.body),
        "csv": lambda: csv_bytes(report),
        "xlsx": lambda: xlsx_bytes(report),
    }
    data = writers[fmt]()
    with open(path, "wb") as out:
        out.write(data)


class ReportQuerySerializer(serializers.Serializer):
    """Documents `?format=` for every report endpoint in the OpenAPI schema."""

    format = serializers.ChoiceField(choices=FORMATS, required=False, default="json")


def report_responses(json_body: object, *, description: str) -> dict:
    """The 200 answers of a report endpoint for drf-spectacular's `extend_schema(responses=...)`:
    one media type per `?format=`, so the schema names every content type the endpoint sends."""
    text = (
        f"{description}. JSON by default; ?format=csv gives the table as CSV (UTF-8 with a byte-order mark), "
        "?format=xlsx as an Excel workbook, both with Vietnamese headers."
    )
    return {
        (200, "application/json"): OpenApiResponse(json_body, description=text),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=text),
        (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=text),
    }
