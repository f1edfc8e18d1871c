from .accounts import Profile, Role
from .attendance import CheckIn, CheckInKind, HeadCount, IssueType, TestResult
from .endpoints import Bridge, Connection, CoverageTarget, Endpoint, EndpointStatus, ProvinceSettings, StatusChange
from .groups import EndpointGroup
from .operations import Notice, NoticeKind
from .meetings import Meeting, MeetingStatus, Participation, Series
from .units import Level, Structure, Unit

__all__ = [
    "Bridge",
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
    "Role",
    "Series",
    "StatusChange",
    "TestResult",
    "Structure",
    "Unit",
]
