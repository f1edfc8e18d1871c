"""Importing user accounts from a CSV file: all rows or none, every bad row named by its line
and column (API.md "The national network": 3,356 operator accounts are not typed by hand).

Columns: username, role (required); full_name, email, phone, home_unit, home_unit_structure,
is_active, password, endpoints. `endpoints` lists the rooms an operator runs, separated by spaces,
commas or semicolons: each is a room's dial address (exactly as stored, ignoring case) or, when
no room has that address, a room's id. A row without a password makes an account that cannot sign
in until an administrator sets one. Each row is read by the API's UserSerializer and written by
the same create_user service, so the file obeys exactly the rules of POST /api/users/.
"""

import re

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from rooms.models import Endpoint
from rooms.services.csv_files import RowErrors, read_rows, save_each_row
from rooms.services.users import create_user

REQUIRED = {"username", "role"}
OPTIONAL = {"full_name", "email", "phone", "home_unit", "home_unit_structure", "is_active", "password", "endpoints"}


class RoomFinder:
    """Rooms by dial address (lower case) or id, read once for the whole file."""

    def __init__(self) -> None:
        self.by_address: dict[str, list[int]] = {}
        rows = Endpoint.objects.exclude(dial_address="").values_list("pk", Lower("dial_address"))
        for pk, address in rows:
            self.by_address.setdefault(address, []).append(pk)
        self.ids = set(Endpoint.objects.values_list("pk", flat=True))

    def find(self, text: str) -> tuple[list[int], list[str]]:
        found, errors = [], []
        for token in (t for t in re.split(r"[\s;,]+", text) if t):
            matches = self.by_address.get(token.lower(), [])
            if len(matches) > 1:
                errors.append(_("Nhiều điểm cầu có địa chỉ “%s”: ghi mã (id) điểm cầu.") % token)
            elif matches:
                found.append(matches[0])
            elif token.isascii() and token.isdigit() and int(token) in self.ids:
                found.append(int(token))
            else:
                errors.append(_("Không có điểm cầu địa chỉ hoặc mã “%s”.") % token)
        return found, errors


# A CSV cell says yes or no in words: the API's is_active takes JSON booleans only.
TRUE_WORDS = {"true", "1", "yes", "có", "x"}
FALSE_WORDS = {"false", "0", "no", "không"}


def _row_payload(values: dict[str, str], rooms: RoomFinder, errors: dict) -> dict:
    payload: dict[str, object] = {key: value for key, value in values.items() if value != ""}
    if "is_active" in payload:
        word = str(payload["is_active"]).strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            payload["is_active"] = word in TRUE_WORDS
        else:
            errors["is_active"] = [_("Ghi true hoặc false (có/không).")]
            del payload["is_active"]
    if "endpoints" in payload:
        found, problems = rooms.find(str(payload["endpoints"]))
        if problems:
            errors["endpoints"] = problems
        payload["endpoints"] = found
    return payload


def import_users_csv(*, data: bytes | str) -> list:
    """Create one account per row in one transaction; RowErrors (nothing saved) if any row is bad."""
    from rooms.serializers.users import UserSerializer

    records = read_rows(data, required=REQUIRED, optional=OPTIONAL)
    rooms = RoomFinder()
    with transaction.atomic():
        saved, bad = save_each_row(
            records, lambda values, errors: UserSerializer(data=_row_payload(values, rooms, errors)), create_user
        )
        if bad:
            raise RowErrors(bad)
    return [user for _number, user in saved]
