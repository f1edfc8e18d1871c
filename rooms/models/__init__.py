from .accounts import Profile, Role
from .attendance import CheckIn, CheckInKind, HeadCount, IssueType, TestResult
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
from .operations import Notice, NoticeKind
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
    "Notice",
    "NoticeKind",
    "MeetingStatus",
    "Participation",
    "Profile",
    "ProvinceSettings",
    "RecordSource",
    "Role",
    "Series",
    "StatusChange",
    "TestResult",
    "Structure",
    "TravelMode",
    "Unit",
]
