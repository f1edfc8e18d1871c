"""Importing endpoints, and the bridges they use, from CSV files: all rows or none, every bad row named.

Columns: name, unit (required); unit_structure, legacy_unit, legacy_units (codes separated by
spaces or semicolons; default: the legacy communes the unit absorbed), seats, dial_address, connection,
bridge (id or name), road_km, status, status_since, operators (usernames separated by spaces
or semicolons). Each row is read by the API's EndpointSerializer and written by the same
create_endpoint service, so the file obeys exactly the rules of POST /api/endpoints/.

Bridges (a national network's 35 MCUs) come first, from their own file: columns name, ports;
dial_address, parent (the name or id of the MCU it cascades to, in the file or the database, in
any order), unit (the code of the unit whose MCU it is). The rules are those of POST /api/bridges/,
a loop of parents included.
"""

import re
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import Bridge, Endpoint
from rooms.services.csv_files import RowErrors, read_rows, save_each_row
from rooms.services.endpoints import create_bridge, create_endpoint, update_bridge
from vconf.exceptions import validation_messages

REQUIRED = {"name", "unit"}
OPTIONAL = {
    "unit_structure",
    "legacy_unit",
    "legacy_units",
    "seats",
    "dial_address",
    "connection",
    "bridge",
    "road_km",
    "status",
    "status_since",
    "operators",
}


def _payload(values: dict[str, str], errors: dict) -> dict:
    payload: dict[str, object] = {key: value for key, value in values.items() if value != ""}
    if "operators" in payload:
        payload["operators"] = [name for name in re.split(r"[\s;,]+", str(payload["operators"])) if name]
    if "legacy_units" in payload:
        payload["legacy_units"] = [code for code in re.split(r"[\s;,]+", str(payload["legacy_units"])) if code]
    if "road_km" in payload:
        payload["road_km"] = str(payload["road_km"]).replace(",", ".")
    bridge = payload.get("bridge")
    if bridge is not None and not (str(bridge).isascii() and str(bridge).isdigit()):
        found = Bridge.objects.filter(name__iexact=bridge).values_list("pk", flat=True).first()
        if found is None:
            errors["bridge"] = [_("Không có cầu (MCU) tên “%s”.") % bridge]
        payload["bridge"] = found
    return payload


def import_endpoints_csv(*, data: bytes | str, by: User | None) -> list[Endpoint]:
    """Create one endpoint per row in one transaction; RowErrors (nothing saved) if any row is bad."""
    from rooms.serializers.endpoints import EndpointSerializer

    records = read_rows(data, required=REQUIRED, optional=OPTIONAL)
    with transaction.atomic():
        saved, bad = save_each_row(
            records,
            lambda values, errors: EndpointSerializer(data=_payload(values, errors)),
            partial(create_endpoint, by=by),
        )
        if bad:
            # Leaving the block with an exception rolls back every row written so far.
            raise RowErrors(bad)
    return [endpoint for _number, endpoint in saved]


BRIDGE_REQUIRED = {"name", "ports"}
BRIDGE_OPTIONAL = {"dial_address", "parent", "unit"}


def import_bridges_csv(*, data: bytes | str) -> list[Bridge]:
    """Create one bridge per row, then link each to its parent, in one transaction; RowErrors
    (nothing saved) if any row is bad. Parents are linked after every row exists, so a file may
    list a provincial MCU before the central one."""
    from rooms.serializers.endpoints import BridgeSerializer

    records = read_rows(data, required=BRIDGE_REQUIRED, optional=BRIDGE_OPTIONAL)
    parents = {number: values.pop("parent", "") for number, values in records}
    with transaction.atomic():
        saved, bad = save_each_row(
            records,
            lambda values, _errors: BridgeSerializer(data={k: v for k, v in values.items() if v}),
            create_bridge,
        )
        for number, bridge in saved:
            if errors := link_parent(bridge, parents[number]):
                bad.append({"row": number, "errors": errors})
        if bad:
            raise RowErrors(sorted(bad, key=lambda row: row["row"]))
    return [bridge for _number, bridge in saved]


def link_parent(bridge: Bridge, parent: str) -> dict[str, list[str]]:
    """Cascade a just-imported bridge to the one named (by name or id); the errors, if any."""
    if not parent:
        return {}
    found = Bridge.objects.filter(name__iexact=parent).first()
    if found is None and parent.isascii() and parent.isdigit():
        found = Bridge.objects.filter(pk=int(parent)).first()
    if found is None:
        return {"parent": [_("Không có cầu (MCU) tên “%s”.") % parent]}
    try:
        update_bridge(bridge=bridge, parent=found)
    except ValidationError as error:
        return validation_messages(error)
    return {}
