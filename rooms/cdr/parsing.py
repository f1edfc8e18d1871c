"""Deliveries of call records, parsed into plain records ready to store (no database here).

- Cisco Meeting Server posts `<records session=".." callBridge="..">` holding `<record type=".."
  time=".." recordIndex="..">` elements (CMS CDR guide, "Example Traffic Flow"). A record is known by
  call bridge + session + record index; it speaks of the `<callLeg id>` or `<call id>` inside it.
- Pexip Infinity's event sink posts JSON events `{"event", "node", "seq", "time", "data": {...}}`
  (one object, a list, or one per line); a record is known by node + sequence number.
- A CSV row (remote_address, connected_at, disconnected_at) is a whole leg, known by its hash.

XML goes through defusedxml: a document with a DTD, entities or external references is refused
before anything is stored (the "billion laughs" and XXE attacks).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import fromstring as stdlib_fromstring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rooms.cdr.legs import remote_of

# CMS records that are about a call leg, and those about the call as a whole.
LEG_RECORDS = {"callLegStart", "callLegUpdate", "callLegEnd"}
PEXIP_EVENTS = {"participant_connected", "participant_updated", "participant_disconnected"}
MAX_KEY = 255


@dataclass(frozen=True)
class ParsedRecord:
    key: str
    leg: str
    kind: str
    at: datetime
    payload: dict[str, Any]
    remote: str


def _record(key: str, leg: str, kind: str, at: datetime, payload: dict[str, Any]) -> ParsedRecord:
    if len(key) > MAX_KEY or len(leg) > MAX_KEY:
        raise ValidationError({"records": [_("Mã bản ghi quá dài.")]})
    return ParsedRecord(key=key, leg=leg, kind=kind, at=at, payload=payload, remote=remote_of(kind, payload)[:MAX_KEY])


def _time(text: str | None) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValidationError({"records": [_("Thời điểm không hợp lệ: %s") % text]}) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _fields(element: Element) -> dict[str, Any]:
    """A CMS callLeg/call element as a flat mapping: its attributes, then each child's text (nested
    statistics such as rxAudio are left out: nothing here reads them)."""
    fields: dict[str, Any] = dict(element.attrib)
    for child in element:
        if not len(child):
            text = child.text
            fields[child.tag] = text.strip() if text else ""
    return fields


def _root(body: bytes) -> Element:
    """The document's root element. A body without any `<!` (no DTD, comment or CDATA) cannot
    declare an entity, and expat refuses every entity but the five predefined ones when none is
    declared: such a body is safe for the standard library's C parser, 8× faster than defusedxml's
    Python one. Anything else goes through defusedxml, which refuses a DTD outright."""
    try:
        if b"<!" not in body:
            return stdlib_fromstring(body)
        return fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as error:
        raise ValidationError({"records": [_("XML không hợp lệ hoặc bị từ chối: %s") % type(error).__name__]}) from None


def parse_cms(body: bytes) -> list[ParsedRecord]:
    root = _root(body)
    if root.tag != "records":
        raise ValidationError({"records": [_("Cần phần tử gốc <records>.")]})
    prefix = f"{root.get('callBridge', '')}:{root.get('session', '')}"
    records = []
    for element in root.iter("record"):
        kind = element.get("type", "")
        index = element.get("recordIndex")
        if not kind or index is None:
            raise ValidationError({"records": [_("Bản ghi thiếu type hoặc recordIndex.")]})
        subject = element.find("callLeg") if kind in LEG_RECORDS else element.find("call")
        payload = {"type": kind, **(_fields(subject) if subject is not None else {})}
        leg = str(payload.get("id", "")) if kind in LEG_RECORDS else f"call:{payload.get('id', '')}"
        records.append(_record(f"cms:{prefix}:{index}", leg, kind, _time(element.get("time")), payload))
    return records


def _pexip_event(event: object) -> ParsedRecord:
    if not isinstance(event, dict) or not isinstance(event.get("data", {}), dict):
        raise ValidationError({"records": [_("Sự kiện Pexip phải là một đối tượng JSON.")]})
    name, node, seq = event.get("event"), event.get("node"), event.get("seq")
    if not isinstance(name, str) or node is None or not isinstance(seq, int):
        raise ValidationError({"records": [_("Sự kiện Pexip thiếu event, node hoặc seq.")]})
    data = event.get("data") or {}
    try:
        at = datetime.fromtimestamp(float(str(event.get("time") or data.get("connect_time"))), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValidationError({"records": [_("Sự kiện Pexip thiếu thời điểm (time).")]}) from None
    leg = str(data.get("uuid", "")) if name in PEXIP_EVENTS else f"{name}:{data.get('name', '')}"
    payload = {"event": name, **{k: v for k, v in data.items() if isinstance(v, str | int | float | bool)}}
    return _record(f"pexip:{node}:{seq}", leg, name, at, payload)


def parse_pexip(body: bytes) -> list[ParsedRecord]:
    text = body.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
        events = document if isinstance(document, list) else [document]
    except ValueError:
        try:  # JSON lines, as a recorded delivery file keeps them
            events = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise ValidationError({"records": [_("JSON không hợp lệ.")]}) from None
    except RecursionError:
        raise ValidationError({"records": [_("JSON lồng nhau quá sâu.")]}) from None
    return [_pexip_event(event) for event in events]


def csv_record(*, remote_address: str, connected_at: datetime, disconnected_at: datetime) -> ParsedRecord:
    payload = {
        "remote_address": remote_address,
        "connected_at": connected_at.astimezone(UTC).isoformat(),
        "disconnected_at": disconnected_at.astimezone(UTC).isoformat(),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:40]
    return _record(f"csv:{digest}", f"csv:{digest}", "csv", connected_at, payload)


def parse_delivery(body: bytes, content_type: str) -> tuple[str, list[ParsedRecord]]:
    """(source, records) of a receiver body: XML is CMS, JSON is Pexip (by type, else by its first byte)."""
    head = body.lstrip()[:1]
    if "xml" in content_type or head == b"<":
        return "cms", parse_cms(body)
    if "json" in content_type or head in (b"{", b"["):
        return "pexip", parse_pexip(body)
    raise ValidationError({"records": [_("Cần XML của Cisco Meeting Server hoặc JSON của Pexip.")]})
