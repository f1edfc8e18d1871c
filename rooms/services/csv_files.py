"""Reading a CSV file a person prepared (in a spreadsheet) for an all-or-nothing import.

Row numbers are the line numbers a spreadsheet shows: the header is row 1, the first data row is
row 2, so "row 7" in an error is the row the user sees as 7.
"""

import csv
import io
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from vconf.exceptions import validation_messages

T = TypeVar("T")

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


class RowReader(Protocol):
    """What reads one row for the API: a DRF serializer, seen only through what the import uses."""

    @property
    def errors(self) -> Any: ...

    @property
    def validated_data(self) -> Any: ...

    def is_valid(self) -> bool: ...


def detail_messages(detail: object) -> list[str]:
    """DRF error details (lists, nested dicts for list fields) as plain strings."""
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in detail_messages(value)]
    if isinstance(detail, list | tuple):
        return [m for value in detail for m in detail_messages(value)]
    return [str(detail)]


def save_each_row(
    records: list[tuple[int, dict[str, str]]],
    reader: Callable[[dict[str, str], dict[str, list[str]]], RowReader],
    save: Callable[..., T],
) -> tuple[list[tuple[int, T]], list[dict]]:
    """Each row read by `reader(values, errors)` (the API's serializer) and written by `save` (the API's
    service): the saved objects by row number, and every bad row named. Call it inside the import's
    transaction: earlier rows are written already, so a name twice in the file is refused like a name
    already in the database, and raising RowErrors afterwards rolls every row back."""
    saved: list[tuple[int, T]] = []
    bad: list[dict] = []
    for number, values in records:
        errors = too_many_cells(values)
        serializer = reader(values, errors)
        if not serializer.is_valid():
            errors.update({field: detail_messages(detail) for field, detail in serializer.errors.items()})
        if not errors:
            try:
                saved.append((number, save(**serializer.validated_data)))
            except ValidationError as error:
                errors = validation_messages(error)
        if errors:
            bad.append({"row": number, "errors": errors})
    return saved, bad
