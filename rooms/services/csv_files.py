"""Reading a CSV file a person prepared (in a spreadsheet) for an all-or-nothing import.

Row numbers are the line numbers a spreadsheet shows: the header is row 1, the first data row is
row 2, so "row 7" in an error is the row the user sees as 7.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# A bigger file is refused before any row is read: no import needs more (the whole country has
# about 10,000 communes), and the limit keeps one upload from filling the server's memory.
MAX_ROWS = 20_000
# 20,000 rows of a dozen short cells fit in a few MB; a file past this is not an import.
MAX_FILE_BYTES = 8 * 1024 * 1024
# The csv module refuses a cell over 128 KB (csv.field_size_limit()); no line of a real import
# comes near it, so a longer line is refused by its length before the reader sees it.
MAX_LINE_CHARS = 128 * 1024


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


def too_large() -> ValidationError:
    return ValidationError({"file": [_("Tệp quá lớn: tối đa %s MB.") % (MAX_FILE_BYTES // (1024 * 1024))]})


def read_upload(upload: UploadedFile) -> bytes:
    """An uploaded file's bytes, refused before reading when over MAX_FILE_BYTES."""
    if (getattr(upload, "size", None) or 0) > MAX_FILE_BYTES:
        raise too_large()
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_large()
    return data


def check_line_lengths(text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            message = _("Dòng %(row)s quá dài (tối đa %(size)s ký tự).") % {
                "row": number,
                "size": f"{MAX_LINE_CHARS:,}",
            }
            raise ValidationError({"file": [message]})


def decode(data: bytes | str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise too_large()
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
    check_line_lengths(text)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A quoted header cell can run over several lines, past the csv module's cell limit.
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise ValidationError({"file": [_("Không đọc được tệp CSV: %s") % error]}) from None
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
