from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from rooms.models import (
    Bridge,
    CheckIn,
    CoverageTarget,
    Endpoint,
    Meeting,
    Notice,
    Participation,
    Profile,
    ProvinceSettings,
    Series,
    Unit,
)
from rooms.views import rollout_admin


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["home_unit"]


admin.site.unregister(User)


@admin.register(User)
class VconfUserAdmin(UserAdmin):
    inlines = [ProfileInline]


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
    autocomplete_fields = ["unit", "legacy_unit", "operators"]
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


# The worker's record of what the readiness ladder sent (rooms/models/operations.py): read only.
@admin.register(Notice)
class NoticeAdmin(ReadOnlyBookingAdmin):
    list_display = ["kind", "meeting", "endpoint", "sent_at", "sent_to"]
    list_filter = ["kind"]
    raw_id_fields = ["meeting", "endpoint"]
