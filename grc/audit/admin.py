"""Django admin: the anomaly rules' thresholds (edited by the DPO or a functional admin).

Alerts and the access log are not registered: the DPO console reads them (and logs those reads).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "enabled", "params", "last_seq"]
    list_filter = ["enabled"]
    readonly_fields = ["kind", "last_seq"]
    fields = ["kind", "enabled", "params", "description", "last_seq"]

    def has_add_permission(self, request):
        return False  # rules are created with their defaults by grc.audit.alerts.ensure_default_rules

    def has_delete_permission(self, request, obj=None):
        return False
