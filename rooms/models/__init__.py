from .accounts import Profile, Role
from .attendance import CheckIn, CheckInKind, HeadCount, IssueType, TestResult
from .endpoints import Bridge, Connection, CoverageTarget, Endpoint, EndpointStatus, ProvinceSettings, StatusChange
from .groups import EndpointGroup
from .meetings import Meeting, MeetingStatus, Participation, Series
from .operations import Notice, NoticeKind
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
    "MeetingStatus",
    "Notice",
    "NoticeKind",
    "Participation",
    "Profile",
    "ProvinceSettings",
    "Role",
    "Series",
    "StatusChange",
    "Structure",
    "TestResult",
    "Unit",
]
