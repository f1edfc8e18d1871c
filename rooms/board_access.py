"""Who may open a live-board socket, and on which part of the meeting (rooms/consumers.py)."""

from urllib.parse import parse_qs

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from rooms.board_state import BoardState, dumps, read_board
from rooms.models import Meeting
from rooms.permissions import board_unit, can_watch_meeting
from rooms.selectors.board import unit_by_code

# Close codes: the client knows not to retry (or to fall back to polling, which would fail too).
CLOSE_BAD_UNIT = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def refusal(user: User | AnonymousUser | None, meeting_id: int, unit_code: str | None) -> tuple[int | None, int | None]:
    """The close code for a subscriber who may not watch this meeting (None to accept), and the
    id of the unit its board narrows to (None: the whole meeting)."""
    if user is None or not user.is_authenticated:
        return CLOSE_UNAUTHENTICATED, None
    if not Meeting.objects.filter(pk=meeting_id).exists():
        return CLOSE_NOT_FOUND, None
    if not can_watch_meeting(user, meeting_id):
        return CLOSE_FORBIDDEN, None
    asked = None
    if unit_code is not None and (asked := unit_by_code(unit_code[:20])) is None:
        return CLOSE_BAD_UNIT, None
    try:
        unit = board_unit(user, asked)
    except PermissionDenied:
        return CLOSE_FORBIDDEN, None
    return None, unit.pk if unit else None


def snapshot_text(meeting_id: int, unit_id: int | None = None) -> str:
    """A whole snapshot, as a new subscriber gets it."""
    state = BoardState()
    state.apply_whole(read_board(meeting_id, unit_id=unit_id))
    return state.message_since(None) or dumps({})


def unit_param(scope: dict) -> str | None:
    """The `?unit=` of the socket's address, if any."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("unit")
    return values[0].strip() if values else None
