"""Files for people: no live formula in any export, file names that say the report, the grouping
and the period, headers in the reader's language on every sheet, real dates in XLSX."""

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from analytics.models import Investment

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
# A header nobody wrote for people: a JSON key such as trips_avoided or amount_vnd.
RAW_KEY = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$|^[a-z]+$")


@pytest.fixture
def saved(province, held_meeting, clock):
    province.ep_d1.road_km = Decimal(40)
    province.ep_d1.save()
    held_meeting(start=datetime(2026, 2, 2, 1, 0, tzinfo=UTC), heads={province.ep_d1: 5})
    Investment.objects.create(province_code="20", date=date(2025, 6, 1), amount_vnd=1_000_000, description="Màn hình")
    return province


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def cells(book: openpyxl.Workbook) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_text_that_looks_like_a_formula_is_neutralised_in_csv_and_xlsx(saved, held_meeting, leader, api):
    for number, title in enumerate(HOSTILE):
        held_meeting(start=datetime(2026, 1, 5 + number, 1, 0, tzinfo=UTC), title=title, heads={saved.ep_d1: 2})
    saved.ep_d1.name = "=cmd|' /C calc'!A0"
    saved.ep_d1.save()
    query = {"start": "2026-01-01", "end": "2026-02-28", "group_by": "meeting"}
    text = api(leader).get("/api/reports/savings/", {**query, "format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert sorted(row[1] for row in rows[1:]) == sorted(["'" + t for t in HOSTILE] + ["Giao ban trực tuyến"])
    book = workbook(api(leader).get("/api/reports/savings/", {**query, "format": "xlsx"}))
    titles = [cell.value for cell in book.worksheets[0]["B"][1:]]
    # XML reads a CR back as a line feed; what matters is the quote in front.
    assert sorted(titles) == sorted(["'" + t.replace("\r", "\n") for t in HOSTILE] + ["Giao ban trực tuyến"])
    assert not [cell.coordinate for cell in cells(book) if cell.data_type == "f"]
    by_endpoint = workbook(
        api(leader).get("/api/reports/savings/", {**query, "group_by": "endpoint", "format": "xlsx"})
    )
    assert "'=cmd|' /C calc'!A0" in [cell.value for cell in by_endpoint.worksheets[0]["B"]]


def test_numbers_stay_numbers_in_xlsx(saved, leader, api):
    book = workbook(api(leader).get("/api/reports/savings/", {"group_by": "district", "format": "xlsx"}))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    money = [row[header.index("Chi phí tiết kiệm (đồng)")].value for row in sheet.iter_rows(min_row=2)]
    assert 1_860_000 in money and all(isinstance(value, int | float) for value in money)


def test_the_json_answer_keeps_the_text_as_it_was_written(saved, held_meeting, leader, api):
    held_meeting(start=datetime(2026, 1, 5, 1, 0, tzinfo=UTC), title="=1+1", heads={saved.ep_d1: 2})
    body = api(leader).get("/api/reports/savings/", {"group_by": "meeting", "start": "2026-01-01"}).json()
    assert "=1+1" in [row["title"] for row in body["rows"]]


def test_file_names_say_the_report_the_grouping_and_the_period(saved, leader, api):
    client = api(leader)
    names = set()
    for group_by in ("month", "district", "meeting"):
        response = client.get(
            "/api/reports/savings/",
            {"start": "2026-01-01", "end": "2026-12-31", "group_by": group_by, "format": "xlsx"},
        )
        names.add(response["Content-Disposition"])
    assert len(names) == 3
    assert 'filename="vconf-tiet-kiem-theo-thang-2026-01-01_2026-12-31.xlsx"' in " ".join(names)
    payback = client.get("/api/reports/payback/", {"end": "2026-03-31", "format": "csv"})
    assert payback["Content-Disposition"] == 'attachment; filename="vconf-hoan-von-20-den-2026-03-31.csv"'
    usage = client.get("/api/reports/usage/", {"end": "2026-03-31", "group_by": "district", "format": "csv"})
    assert usage["Content-Disposition"] == 'attachment; filename="vconf-su-dung-theo-huyen-den-2026-03-31.csv"'
    coverage = client.get("/api/reports/coverage/", {"as_of": "2026-03-01", "structure": "legacy", "format": "xlsx"})
    assert coverage["Content-Disposition"] == 'attachment; filename="vconf-phu-song-20-legacy-2026-03-01.xlsx"'


REPORTS = [
    ("/api/reports/savings/", {"group_by": "meeting"}),
    ("/api/reports/savings/", {"group_by": "month,district"}),
    ("/api/reports/payback/", {}),
    ("/api/reports/usage/", {"group_by": "endpoint"}),
    ("/api/reports/coverage/", {"structure": "legacy"}),
]


@pytest.mark.parametrize(("url", "query"), REPORTS)
def test_every_sheet_has_headers_for_people(saved, leader, api, url, query):
    book = workbook(api(leader).get(url, {**query, "format": "xlsx"}))
    for sheet in book.worksheets:
        headers = [cell.value for cell in sheet[1] if cell.value is not None]
        assert not [h for h in headers if RAW_KEY.match(str(h))], sheet.title


def test_headers_are_english_when_the_reader_chose_english(saved, leader, api):
    client = api(leader)
    client.cookies["django_language"] = "en"
    book = workbook(client.get("/api/reports/savings/", {"group_by": "month", "format": "xlsx"}))
    assert [cell.value for cell in book.worksheets[0][1]][:2] == ["Month", "Number of meetings"]
    totals = [cell.value for cell in book.worksheets[1][1]]
    assert "Trips avoided" in totals
    payback = workbook(client.get("/api/reports/payback/", {"format": "xlsx"}))
    assert [cell.value for cell in payback.worksheets[1][1]][:2] == ["Date", "Amount (VND)"]


def test_dates_and_times_are_real_excel_dates(saved, leader, api):
    client = api(leader)
    by_meeting = workbook(client.get("/api/reports/savings/", {"group_by": "meeting", "format": "xlsx"}))
    start = by_meeting.worksheets[0]["C"][1]
    assert start.value == datetime(2026, 2, 2, 8, 0)  # local time, 01:00 UTC
    assert start.is_date
    by_month = workbook(client.get("/api/reports/savings/", {"start": "2026-02-01", "format": "xlsx"}))
    assert by_month.worksheets[0]["A"][1].value == datetime(2026, 2, 1)
    payback = workbook(client.get("/api/reports/payback/", {"format": "xlsx"}))
    invested = payback.worksheets[1]["A"][1]
    assert invested.value == datetime(2025, 6, 1) and invested.is_date
    coverage = workbook(client.get("/api/reports/coverage/", {"structure": "legacy", "format": "xlsx"}))
    header = [cell.value for cell in coverage.worksheets[0][1]]
    since = coverage.worksheets[0].cell(row=2, column=header.index("Lắp đặt từ") + 1)
    assert since.is_date and since.value == datetime(2015, 1, 1)
