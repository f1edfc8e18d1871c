from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from rooms.models import Profile, Unit


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
    list_display = ["code", "name", "level", "structure", "parent"]
    list_filter = ["structure", "level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    filter_horizontal = ["absorbed"]
