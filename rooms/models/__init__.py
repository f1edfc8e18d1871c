from .accounts import Profile, Role
from .attendance import CheckIn, CheckInKind, HeadCount, IssueType
from .cdr import BridgeLeg, BridgeRecord, RecordSource
from .endpoints import (
    Bridge,
    Connection,
    CoverageTarget,
    Endpoint,
    EndpointStatus,
    ProvinceSettings,
    StatusChange,
    TravelMode,
)
from .groups import EndpointGroup
from .meetings import Meeting, MeetingStatus, Participation, Series
from .units import Level, Structure, Unit

__all__ = [
    "Bridge",
    "BridgeLeg",
    "BridgeRecord",
    "CheckIn",
    "CheckInKind",
    "Connection",
    "CoverageTarget",
    "Endpoint",
    "EndpointGroup",
    "EndpointStatus",
    "HeadCount",
    "IssueType",
    "Level",
    "Meeting",
    "MeetingStatus",
    "Participation",
    "Profile",
    "ProvinceSettings",
    "RecordSource",
    "Role",
    "Series",
    "StatusChange",
    "Structure",
    "TravelMode",
    "Unit",
]
