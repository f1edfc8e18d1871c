"""`manage.py report`: the same reports as the API, to a file, with errors naming the bad option."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(province, held_meeting, clock):
    province.ep_d1.road_km = Decimal(40)
    province.ep_d1.save()
    held_meeting(start=datetime(2026, 2, 2, 1, 0, tzinfo=UTC), heads={province.ep_d1: 5})
    return province


def test_the_savings_report_is_written_as_xlsx(saved, tmp_path):
    path = tmp_path / "tiet-kiem.xlsx"
    call_command(
        "report",
        "savings",
        "--start",
        "2026-01-01",
        "--end",
        "2026-02-28",
        "--group-by",
        "month",
        "--output",
        str(path),
        stderr=io.StringIO(),
    )
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["Tháng", "Số cuộc họp"]
    assert [c.value for c in sheet["A"]][1:] == [datetime(2026, 1, 1), datetime(2026, 2, 1)]  # real Excel dates


def test_json_and_csv_go_to_a_file_or_to_standard_output(saved, tmp_path):
    path = tmp_path / "savings.json"
    call_command("report", "savings", "--format", "json", "--output", str(path), stderr=io.StringIO())
    assert json.loads(path.read_text())["totals"]["money_vnd"] == 1_860_000
    out = io.StringIO()
    call_command("report", "savings", "--format", "csv", "--group-by", "district", stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines()[0].startswith("Mã huyện,Huyện")


def test_the_payback_and_coverage_reports_go_through_the_same_command(saved, tmp_path):
    out = io.StringIO()
    call_command("report", "payback", "--province", "20", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["totals"]["savings_vnd"] == 1_860_000
    path = tmp_path / "coverage.csv"
    call_command("report", "coverage", "--structure", "legacy", "--output", str(path), stderr=io.StringIO())
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--group-by", "year"], "--group-by"),
        (["--start", "tomorrow"], "--start"),
        (["--district", "999"], "--district"),
        (["--format", "xlsx"], "--output"),
    ],
)
def test_a_bad_option_is_named_in_the_error(saved, args, option):
    with pytest.raises(CommandError, match=option):
        call_command("report", "savings", *args, stdout=io.StringIO(), stderr=io.StringIO())
