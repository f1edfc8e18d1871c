from .accounts import Profile, Role
from .attendance import CheckIn, CheckInKind, HeadCount, IssueType, TestResult
from .cdr import BridgeLeg, BridgeRecord, PendingLeg, RecordSource
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
from .notices import Notice, NoticeKind, NoticeMail
from .operations import DayOff, DayOffKind, MeetingRequest, PortRefusal, RequestDecision
from .units import Level, Structure, Unit

__all__ = [
    "Bridge",
    "BridgeLeg",
    "BridgeRecord",
    "CheckIn",
    "CheckInKind",
    "Connection",
    "CoverageTarget",
    "DayOff",
    "DayOffKind",
    "Endpoint",
    "EndpointGroup",
    "EndpointStatus",
    "HeadCount",
    "IssueType",
    "Level",
    "Meeting",
    "MeetingRequest",
    "MeetingStatus",
    "Notice",
    "NoticeKind",
    "NoticeMail",
    "Participation",
    "PendingLeg",
    "PortRefusal",
    "Profile",
    "ProvinceSettings",
    "RecordSource",
    "RequestDecision",
    "Role",
    "Series",
    "StatusChange",
    "Structure",
    "TestResult",
    "TravelMode",
    "Unit",
]
