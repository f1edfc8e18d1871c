"""One way to hand a report out: JSON for programs, CSV and XLSX for people.

Every report (coverage, usage, savings, payback) is built as a `Report` by its module's
`build_report(...)` from the typed arguments its query serializer reads (analytics/serializers.py
REPORTS); the API views and `manage.py report` both go through that and render it here. Files for
people carry headers in the reader's language, a name that says the report, the grouping and the
period, real dates in XLSX, and no cell a spreadsheet would run as a formula.
"""

import datetime as dt
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from analytics.months import LOCAL_TZ

FORMATS = ["json", "csv", "xlsx"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A text cell starting with one of these is run as a formula by Excel and LibreOffice (CSV
# injection): a title or an endpoint name typed as "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Columns (by key) that hold a time, a date or a month as text: real Excel values in XLSX.
TIME_COLUMNS = {"start", "end"}
DATE_COLUMNS = {"date", "due", "as_of", "installed_since", "effective_from", "projected_full_coverage"}
MONTH_COLUMNS = {"month"}
EXCEL_FORMATS = {"time": "dd/mm/yyyy hh:mm", "date": "dd/mm/yyyy", "month": "mm/yyyy"}


@dataclass
class Report:
    name: str  # the first sheet's name, in the reader's language
    stem: str  # the file name between "vconf-" and the extension: report, grouping, period
    body: dict  # the whole JSON answer, as the API contract shapes it
    rows: pd.DataFrame  # the table people open in a spreadsheet
    labels: Mapping[str, object] = field(default_factory=dict)  # column -> header (lazy text), every sheet
    # Extra sheets for the XLSX file (totals, cost models used, ...): sheet name -> frame.
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)


def period_stem(start: dt.datetime | None, end: dt.datetime) -> str:
    """[start, end) in local days for a file name: 2025-01-01_2025-12-31, or den-2025-12-31."""
    last = timezone.localtime(end - dt.timedelta(microseconds=1)).date().isoformat()
    return f"{timezone.localtime(start).date().isoformat()}_{last}" if start else f"den-{last}"


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a leading quote on every text cell a spreadsheet would take for a formula
    (the OWASP advice); numbers stay numbers."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "mixed"):
            continue
        risky = values.map(lambda value: isinstance(value, str) and value.startswith(FORMULA_STARTS))
        if risky.any():
            frame[column] = values.astype("object").where(~risky, "'" + values.astype("string"))
    return frame


# The headers of the group keys every report shares.
GROUP_LABELS = {
    "month": gettext_lazy("Tháng"),
    "district": gettext_lazy("Mã huyện"),
    "district_name": gettext_lazy("Huyện"),
    "endpoint": gettext_lazy("Mã điểm cầu"),
    "endpoint_name": gettext_lazy("Điểm cầu"),
    "province": gettext_lazy("Mã tỉnh"),
    "province_name": gettext_lazy("Tỉnh"),
    "meetings": gettext_lazy("Số cuộc họp"),
}
# The groupings in file names.
GROUP_SLUGS = {"month": "thang", "district": "huyen", "endpoint": "diem-cau", "meeting": "cuoc-hop", "province": "tinh"}


def sheets_for_people(report: Report) -> dict[str, pd.DataFrame]:
    return {report.name: report.rows, **report.sheets}


def headers(report: Report) -> dict[str, str]:
    """The report's headers in the active language (the request's)."""
    return {key: str(label) for key, label in report.labels.items()}


def for_people(report: Report, frame: pd.DataFrame) -> pd.DataFrame:
    return defused(frame).rename(columns=headers(report))


def csv_bytes(report: Report) -> bytes:
    # UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly; CRLF lines (RFC 4180),
    # so a field holding a bare CR is quoted and stays one field.
    return for_people(report, report.rows).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def excel_values(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Times, dates and months as naive local datetimes Excel shows as such; column -> kind."""
    frame, kinds = frame.copy(), {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            frame[column], kinds[column] = values.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None), "time"
        elif column in TIME_COLUMNS:
            local = pd.to_datetime(values, utc=True, errors="coerce").dt.tz_convert(LOCAL_TZ)
            frame[column], kinds[column] = local.dt.tz_localize(None), "time"
        elif column in DATE_COLUMNS:
            frame[column], kinds[column] = pd.to_datetime(values, errors="coerce"), "date"
        elif column in MONTH_COLUMNS:
            frame[column], kinds[column] = pd.to_datetime(values, format="%Y-%m", errors="coerce"), "month"
    return frame, kinds


def xlsx_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet_name, table in sheets_for_people(report).items():
            frame, kinds = excel_values(table)
            frame = for_people(report, frame)
            kinds = {headers(report).get(column, column): kind for column, kind in kinds.items()}
            frame.to_excel(writer, sheet_name=sheet_name[:31], index=False)
            format_sheet(writer.sheets[sheet_name[:31]], frame, kinds)
    return buffer.getvalue()


def format_sheet(sheet: Any, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
    for index, column in enumerate(frame.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(45, len(str(column)) + 4))
        if column in kinds:
            number_format = EXCEL_FORMATS[kinds[column]]
        elif pd.api.types.is_float_dtype(frame[column]):
            number_format = "#,##0.0"
        elif pd.api.types.is_integer_dtype(frame[column]):
            number_format = "#,##0"
        else:
            continue
        for cell in sheet[letter][1:]:
            cell.number_format = number_format
    sheet.freeze_panes = "A2"


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


CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}


def file_bytes(report: Report, fmt: str) -> bytes:
    if fmt == "json":
        return json_bytes(report.body)
    return csv_bytes(report) if fmt == "csv" else xlsx_bytes(report)


def render(report: Report, fmt: str) -> HttpResponse:
    response = HttpResponse(file_bytes(report, fmt), content_type=CONTENT_TYPES[fmt])
    if fmt != "json":
        response["Content-Disposition"] = f'attachment; filename="vconf-{report.stem}.{fmt}"'
    return response


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
