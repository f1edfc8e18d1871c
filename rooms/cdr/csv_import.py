"""Call records from a CSV file (an MCU that only exports files: Poly RMX, older Cisco MCUs' cdr_log).

Columns remote_address, connected_at, disconnected_at (ISO 8601; without an offset, Hanoi time).
All rows or none: a bad row refuses the file and names its row; nothing is stored.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rooms.cdr.addresses import MAX_ALIAS_LENGTH
from rooms.cdr.ingest import Accepted, store_records
from rooms.cdr.parsing import ParsedRecord, csv_record
from rooms.models import Bridge, RecordSource
from rooms.services.csv_files import RowErrors, read_rows, too_many_cells
from vconf.fields import read_moment
from vconf.limits import MAX_MEETING

COLUMNS = {"remote_address", "connected_at", "disconnected_at"}


def _row_record(values: dict[str, str]) -> tuple[ParsedRecord | None, dict[str, list[str]]]:
    errors = too_many_cells(values)
    remote = values.get("remote_address", "")
    if not remote:
        errors["remote_address"] = [_("Bắt buộc.")]
    elif len(remote) > MAX_ALIAS_LENGTH:
        errors["remote_address"] = [_("Tối đa %s ký tự.") % MAX_ALIAS_LENGTH]
    times = {}
    for column in ("connected_at", "disconnected_at"):
        try:
            times[column] = read_moment(values.get(column, ""))
        except ValidationError as error:
            errors[column] = error.messages
    if len(times) == 2 and not times["connected_at"] < times["disconnected_at"] <= times["connected_at"] + MAX_MEETING:
        errors["disconnected_at"] = [
            _("Phải sau connected_at và trong vòng %s giờ.") % int(MAX_MEETING.total_seconds() // 3600)
        ]
    if errors:
        return None, errors
    return csv_record(remote_address=remote, **times), {}


def import_cdr_csv(*, bridge: Bridge, data: bytes | str) -> Accepted:
    records, bad = [], []
    for number, values in read_rows(data, required=COLUMNS, optional=set()):
        record, errors = _row_record(values)
        if errors:
            bad.append({"row": number, "errors": errors})
        elif record is not None:
            records.append(record)
    if bad:
        raise RowErrors(bad)
    return store_records(bridge=bridge, source=RecordSource.CSV, records=records)
