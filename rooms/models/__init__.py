from .accounts import Profile, Role
from .attendance import CheckIn, CheckInKind, HeadCount, IssueType
from .endpoints import Bridge, Connection, CoverageTarget, Endpoint, EndpointStatus, ProvinceSettings, StatusChange
from .groups import EndpointGroup
from .meetings import Meeting, MeetingStatus, Participation, Series
from .operations import DayOff, DayOffKind, MeetingRequest, PortRefusal, RequestDecision
from .units import Level, Structure, Unit

__all__ = [
    "Bridge",
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
    "Participation",
    "PortRefusal",
    "Profile",
    "ProvinceSettings",
    "RequestDecision",
    "Role",
    "Series",
    "StatusChange",
    "Structure",
    "Unit",
]
