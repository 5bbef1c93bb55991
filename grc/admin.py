"""Django admin (/django-admin/, staff + 2FA): the organisation, managed by functional admins.

Personal data (citizens, addresses, households, suspicions, merges) is deliberately NOT registered
here: reads of personal data go through the selectors, which check permissions and write the access
log. API tokens are listed read-only and never show their hash.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from grc.models import ApiToken, Membership, Site, Team, Territory


@admin.register(Territory)
class TerritoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "territory", "address"]
    list_filter = ["kind", "territory"]
    search_fields = ["name", "address"]
    list_select_related = ["territory"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "start_date", "end_date"]
    raw_id_fields = ["user"]
    extra = 0
    verbose_name = _("membre")
    verbose_name_plural = _("membres de l'équipe")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "site", "territory", "is_active"]
    list_filter = ["kind", "is_active", "territory", "site__kind"]
    search_fields = ["name", "code", "site__name"]
    list_select_related = ["site", "territory"]
    autocomplete_fields = ["site", "territory"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "team", "role", "start_date", "end_date"]
    list_filter = ["role", "team__kind", "team__territory"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "team__name", "team__code"]
    list_select_related = ["user", "team"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["team"]
    date_hierarchy = "start_date"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued and revoked by services; the hash is never shown."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    fields = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
