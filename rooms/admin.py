from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rooms.cdr.ingest import rotate_cdr_token
from rooms.models import (
    Bridge,
    BridgeRecord,
    CheckIn,
    CoverageTarget,
    DayOff,
    Endpoint,
    Meeting,
    MeetingRequest,
    Notice,
    NoticeMail,
    Participation,
    PortRefusal,
    Profile,
    ProvinceSettings,
    Series,
    Unit,
)
from rooms.models.accounts import Role, person_name
from rooms.services.users import role_of
from rooms.views import rollout_admin


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["home_unit"]


admin.site.unregister(User)


@admin.register(User)
class VconfUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    # The national network's 3,356 operator accounts: find them by name, role and unit (natadmin).
    list_display = ["username", "full_name", "role", "home_unit", "is_active"]
    list_filter = ["groups", "is_active", "is_superuser"]
    search_fields = ["username", "profile__full_name", "email", "profile__home_unit__code"]
    list_select_related = ["profile__home_unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("họ và tên"))
    def full_name(self, user: User) -> str:
        return person_name(user)

    @admin.display(description=_("vai trò"))
    def role(self, user: User) -> str:
        role = role_of(user)
        return str(Role(role).label) if role else "-"

    @admin.display(description=_("đơn vị"))
    def home_unit(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return str(profile.home_unit) if profile and profile.home_unit else str(_("Cả nước"))


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "structure", "parent", "lat", "lon"]
    list_filter = ["structure", "level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    # Autocomplete, not filter_horizontal: the whole country is 13,000 units, too many for one <select>.
    autocomplete_fields = ["absorbed"]
    list_select_related = ["parent"]
    form = rollout_admin.UnitForm


@admin.register(Endpoint)
class EndpointAdmin(rollout_admin.EndpointAdminMixin, admin.ModelAdmin):
    list_display = ["name", "unit", "status", "status_since", "seats", "connection", "bridge"]
    list_filter = ["status", "connection", "unit__structure", "bridge"]
    search_fields = ["name", "unit__name", "unit__code", "dial_address"]
    autocomplete_fields = ["unit", "legacy_unit", "legacy_units", "operators"]
    readonly_fields = ["status", "status_since", "feed_token"]
    list_select_related = ["unit", "bridge"]
    inlines = [rollout_admin.StatusChangeInline]


@admin.register(Bridge)
class BridgeAdmin(admin.ModelAdmin):
    list_display = ["name", "ports", "dial_address"]
    search_fields = ["name"]


@admin.register(ProvinceSettings)
class ProvinceSettingsAdmin(admin.ModelAdmin):
    list_display = ["province_code", "name", "host", "circuity_factor"]
    autocomplete_fields = ["host"]
    search_fields = ["province_code", "name"]


@admin.register(CoverageTarget)
class CoverageTargetAdmin(admin.ModelAdmin):
    list_display = ["province_code", "structure", "measure", "percent", "due", "label"]
    list_filter = ["province_code", "structure", "measure"]


class ReadOnlyBookingAdmin(admin.ModelAdmin):
    """Meetings and check-ins change only through their services (rules, locks, e-mail, feeds):
    the admin shows them, the pages and the API change them."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyBookingAdmin):
    """Read-only: check-ins are append-only records, written through the attendance service."""

    list_display = ["at", "meeting", "endpoint", "kind", "attendees", "issue_type", "recorded_by"]
    list_filter = ["kind", "issue_type"]
    search_fields = ["meeting__title", "endpoint__name", "note", "client_id"]
    list_select_related = ["meeting", "endpoint", "recorded_by"]
    date_hierarchy = "at"


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = readonly_fields = ("endpoint", "is_host", "start", "end", "active")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyBookingAdmin):
    list_display = ["title", "start", "end", "host", "bridge", "status", "sequence", "organizer", "series"]
    list_filter = ["status", "bridge"]
    search_fields = ["title", "uid", "host__name"]
    date_hierarchy = "start"
    list_select_related = ["host", "bridge", "organizer", "series"]
    inlines = [ParticipationInline]


@admin.register(Series)
class SeriesAdmin(ReadOnlyBookingAdmin):
    list_display = ["title", "rrule", "organizer", "created_at"]
    search_fields = ["title", "uid"]


# --- bridge call records (rooms/cdr/): evidence kept as received, legs derived from it ----------


@admin.register(BridgeRecord)
class BridgeRecordAdmin(admin.ModelAdmin):
    list_display = ["bridge", "source", "kind", "at", "remote", "received_at"]
    list_filter = ["source", "bridge"]
    search_fields = ["key", "leg", "remote"]

    # Append-only evidence: read here, never edited or deleted by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.action(description=_("Cấp mã nhận CDR mới (phải sửa URL trên MCU)"))
def rotate_cdr_tokens(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Bridge]) -> None:
    for bridge in queryset:
        rotate_cdr_token(bridge=bridge)


admin.site.get_model_admin(Bridge).actions = [rotate_cdr_tokens]


# Operations (approval): days off and make-up working days, department requests, port refusals.
@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "kind", "province_code"]
    list_filter = ["kind", "province_code"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(MeetingRequest)
class MeetingRequestAdmin(admin.ModelAdmin):
    list_display = ["meeting", "answer_due", "decision", "answered_by", "escalated_at"]
    list_filter = ["decision"]
    raw_id_fields = ["meeting", "answered_by"]


@admin.register(PortRefusal)
class PortRefusalAdmin(admin.ModelAdmin):
    list_display = ["bridge", "start", "end", "ports_needed", "ports_free", "meeting_title", "user", "at"]
    list_filter = ["bridge"]
    raw_id_fields = ["user"]


# The worker's record of what the readiness ladder sent (rooms/models/notices.py): read only.
@admin.register(Notice)
class NoticeAdmin(ReadOnlyBookingAdmin):
    list_display = ["kind", "meeting", "endpoint", "sent_at", "sent_to"]
    list_filter = ["kind"]
    raw_id_fields = ["meeting", "endpoint"]


# The messages the tick wrote and the worker delivers (rooms/services/notice_mail.py): read only.
@admin.register(NoticeMail)
class NoticeMailAdmin(ReadOnlyBookingAdmin):
    list_display = ["kind", "meeting", "recipient", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["kind"]
    raw_id_fields = ["meeting"]
