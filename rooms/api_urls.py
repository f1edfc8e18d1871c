"""API routes of the rooms app. Each subject registers its ViewSets and paths here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from rooms.views import accounts, import_pages
from rooms.views import attendance as attendance_views
from rooms.views import cdr as cdr_views
from rooms.views import endpoints as endpoint_views
from rooms.views import feeds as feed_views
from rooms.views import groups as group_views
from rooms.views import meetings as meeting_views
from rooms.views import operations as operation_views
from rooms.views import provinces as province_views
from rooms.views import readiness as readiness_views
from rooms.views import units as unit_views
from rooms.views import users as user_views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("meetings", meeting_views.MeetingViewSet, basename="meeting")
router.register("units", unit_views.UnitViewSet, basename="unit")
router.register("endpoints", endpoint_views.EndpointViewSet, basename="endpoint")
router.register("bridges", endpoint_views.BridgeViewSet, basename="bridge")
router.register("endpoint-groups", group_views.EndpointGroupViewSet, basename="endpoint-group")
# The national network's administration (natadmin): provinces, coverage targets, accounts.
router.register("provinces", province_views.ProvinceSettingsViewSet, basename="province")
router.register("coverage-targets", province_views.CoverageTargetViewSet, basename="coverage-target")
router.register("users", user_views.UserViewSet, basename="user")

urlpatterns = [
    path("auth/token/", accounts.ObtainToken.as_view(), name="api-token"),
    path("meetings/<int:meeting_id>/checkins/", attendance_views.CheckInView.as_view(), name="meeting-checkins"),
    path(
        "meetings/<int:meeting_id>/checkins/<int:record_id>/resolve/",
        attendance_views.ResolveIssueView.as_view(),
        name="meeting-checkin-resolve",
    ),
    path("meetings/<int:meeting_id>/attendance/", attendance_views.AttendanceView.as_view(), name="meeting-attendance"),
    path("meetings/import/", meeting_views.ImportView.as_view(), name="meeting-import"),
    path("meetings/import-ics/", import_pages.RequestImportView.as_view(), name="meeting-request-import"),
    path("meetings/<int:pk>/invite.ics", meeting_views.InviteView.as_view(), name="meeting-invite"),
    path("availability/", meeting_views.AvailabilityView.as_view(), name="availability"),
    path("endpoints/<int:pk>/calendar.ics", feed_views.EndpointCalendarView.as_view(), name="endpoint-calendar"),
    path(
        "endpoints/<int:pk>/rotate-feed-token/", feed_views.RotateFeedTokenView.as_view(), name="endpoint-rotate-feed"
    ),
    # Bridge call records (CDR): the receiver an MCU posts to, the CSV import, the token rotation.
    path("bridges/<int:pk>/cdr/", cdr_views.CdrReceiverView.as_view(), name="bridge-cdr"),
    path("bridges/<int:pk>/cdr/import/", cdr_views.CdrImportView.as_view(), name="bridge-cdr-import"),
    path("bridges/<int:pk>/rotate-cdr-token/", cdr_views.RotateCdrTokenView.as_view(), name="bridge-rotate-cdr"),
    path("reports/readiness/", readiness_views.ReadinessReportView.as_view(), name="readiness-report"),
    # Operations (approval): days off, department requests, bridge capacity.
    path("holidays/", operation_views.HolidayView.as_view(), name="holidays"),
    path("meetings/<int:pk>/approve/", operation_views.ApproveView.as_view(), name="meeting-approve"),
    path("meetings/<int:pk>/reject/", operation_views.RejectView.as_view(), name="meeting-reject"),
    path("bridges/<int:pk>/capacity/", operation_views.CapacityView.as_view(), name="bridge-capacity"),
    *router.urls,
]
