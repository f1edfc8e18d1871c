"""Reading a CSV file a person prepared (in a spreadsheet) for an all-or-nothing import.

Row numbers are the line numbers a spreadsheet shows: the header is row 1, the first data row is
row 2, so "row 7" in an error is the row the user sees as 7.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A bigger file is refused before any row is read: no import needs more (the whole country has
# about 10,000 communes), and the limit keeps one upload from filling the server's memory.
MAX_ROWS = 20_000


class RowErrors(Exception):
    """A file was refused because of some of its rows; nothing was imported.

    `rows` is `[{"row": n, "errors": {"column": ["message"]}}]`, the 400 body of an import."""

    def __init__(self, rows: list[dict]) -> None:
        super().__init__(f"{len(rows)} bad rows")
        self.rows = rows

    def as_body(self) -> dict:
        return {"rows": self.rows}

    def as_lines(self) -> list[str]:
        lines = []
        for entry in self.rows:
            details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in entry["errors"].items())
            lines.append(_("Dòng %(row)s: %(details)s") % {"row": entry["row"], "details": details})
        return lines


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        # utf-8-sig drops the byte-order mark Excel writes in front of UTF-8 files.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("Tệp phải là CSV mã hóa UTF-8 (Excel: “CSV UTF-8”).")]}) from None


def read_rows(data: bytes | str, *, required: set[str], optional: set[str]) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a CSV file as (row number, {column: stripped text}).

    The separator is a comma, a semicolon (Excel in Vietnamese) or a tab, whichever the header
    uses. Missing or unknown columns refuse the whole file with a 400 on `file`."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if not any(header):
        raise ValidationError({"file": [_("Tệp trống hoặc không có dòng tiêu đề.")]})
    reader.fieldnames = header
    missing = sorted(required - set(header))
    unknown = sorted(set(header) - required - optional - {""})
    if missing:
        raise ValidationError({"file": [_("Thiếu cột: %s.") % ", ".join(missing)]})
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise ValidationError(
            {
                "file": [
                    _("Cột không dùng được: %(unknown)s. Các cột: %(allowed)s.")
                    % {"unknown": ", ".join(unknown), "allowed": allowed}
                ]
            }
        )
    rows = []
    try:
        for record in reader:
            values = {key: (value or "").strip() for key, value in record.items() if key}
            if record.get(None):
                values["__extra__"] = "x"  # more cells than the header has columns
            if any(values.values()):
                rows.append((reader.line_num, values))
            if len(rows) > MAX_ROWS:
                raise ValidationError({"file": [_("Tệp quá lớn: tối đa %s dòng.") % MAX_ROWS]})
    except csv.Error as error:
        raise ValidationError({"file": [_("Không đọc được tệp CSV: %s") % error]}) from None
    if not rows:
        raise ValidationError({"file": [_("Tệp không có dòng dữ liệu nào.")]})
    return rows


def too_many_cells(values: dict[str, str]) -> dict[str, list[str]]:
    if values.pop("__extra__", None):
        return {"file": [_("Dòng có nhiều ô hơn số cột của tiêu đề.")]}
    return {}
