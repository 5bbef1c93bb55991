"""Citizen reference in the back office: search, citizen page (identity) and its change history.

Every read of personal data goes through ``grc.selectors.citizens`` (permission check + access log).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from backoffice.citizens.forms import CitizenSearchForm
from backoffice.display import sentence_case
from grc import nir as nir_rules
from grc import perms
from grc.models import Address, Citizen
from grc.selectors.citizens import citizen_get, citizen_history, citizens_search

# Columns that say nothing to a reader of the history (derived or bookkeeping).
HISTORY_HIDDEN_FIELDS = {
    "norm_birth_name",
    "norm_usage_name",
    "norm_first_names",
    "search_name",
    "search_phonetic",
    "updated_at",
}


def _current_addresses(citizen: Citizen) -> list[Address]:
    # The search selector prefetches every address; pick the current ones without another query.
    return [address for address in citizen.addresses.all() if address.is_current]


def citizen_search(request):
    if not perms.can_search_citizens(request.user):
        raise Http404
    form = CitizenSearchForm(request.GET or None)
    hits = None
    if form.is_bound and form.is_valid() and form.has_criteria():
        hits = citizens_search(
            user=request.user,
            query=form.cleaned_data["q"].strip(),
            birth_date=form.cleaned_data["birth_date"],
            birth_year=form.cleaned_data["birth_year"],
            commune=form.cleaned_data["commune"],
            request=request,
        )
        for hit in hits:
            hit.citizen.current_addresses = _current_addresses(hit.citizen)
    return render(
        request,
        "backoffice/citizen_search.html",
        {
            "form": form,
            "hits": hits,
            "missing_criteria": form.is_bound and form.is_valid() and not form.has_criteria(),
            "can_create_citizen": perms.can_edit_citizen(request.user, None),
        },
    )


def _identity_context(user, citizen: Citizen) -> dict:
    addresses = sorted(
        citizen.addresses.all(),
        key=lambda a: (a.end_date is not None, -(a.start_date or datetime.date.min).toordinal(), -a.pk),
    )
    memberships = sorted(citizen.household_memberships.all(), key=lambda m: (m.end_date is not None, -(m.pk or 0)))
    return {
        "citizen": citizen,
        "current_addresses": [a for a in addresses if a.is_current],
        "past_addresses": [a for a in addresses if not a.is_current],
        "contact_points": sorted(citizen.contact_points.all(), key=lambda c: (not c.is_primary, c.kind, c.pk)),
        "memberships": memberships,
        "nir": perms.visible_nir(user, citizen),
        "can_edit": perms.can_edit_citizen(user, citizen),
    }


def citizen_detail(request, pk):
    citizen = citizen_get(user=request.user, pk=pk, request=request)
    context = _identity_context(request.user, citizen)
    context["tab"] = "identity"
    return render(request, "backoffice/citizen_detail.html", context)


def _format_value(field, value, *, user, citizen) -> str:
    if value is None or value == "":
        return "—"
    if field is None:
        return str(value)
    if field.name == "nir" and not perms.can_view_full_nir(user, citizen):
        return nir_rules.mask(str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if field.is_relation:
        return _("n° %(id)s") % {"id": value}
    return str(value)


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field dropped since the record was written
        return None


def _subject(record) -> str:
    model = record.instance_type
    if model is Citizen:
        return _("Identité")
    if model is Address:
        return _("Adresse : %(address)s") % {"address": f"{record.line1}, {record.postcode} {record.city}"}
    label = sentence_case(model._meta.verbose_name)
    if hasattr(record, "get_kind_display"):
        return f"{label} : {record.get_kind_display()}"
    if hasattr(record, "get_role_display"):
        return f"{label} : {record.get_role_display()}"
    return label


def history_entries(records, *, user, citizen) -> list[dict]:
    """Readable entries (who, when, why, field before → after) from simple-history records, newest first.

    Previous versions are found in the list itself (it holds every version of each object), so no
    query is made per record.
    """
    previous: dict[tuple, object] = {}
    entries = []
    for record in sorted(records, key=lambda r: r.history_date):
        key = (record.instance_type, record.id)
        prev = previous.get(key)
        previous[key] = record
        model = record.instance_type
        changes = []
        if record.history_type == "~" and prev is not None:
            for change in record.diff_against(prev).changes:
                if change.field in HISTORY_HIDDEN_FIELDS:
                    continue
                field = _field(model, change.field)
                changes.append(
                    {
                        "label": sentence_case(field.verbose_name) if field is not None else change.field,
                        "old": _format_value(field, change.old, user=user, citizen=citizen),
                        "new": _format_value(field, change.new, user=user, citizen=citizen),
                    }
                )
            if not changes:
                continue
        kind = {"+": _("Création"), "-": _("Suppression")}.get(record.history_type, _("Modification"))
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "reason": record.history_change_reason or "",
                "subject": _subject(record),
                "kind": kind,
                "changes": changes,
            }
        )
    entries.reverse()
    return entries


def citizen_view_history(request, pk):
    citizen, records = citizen_history(user=request.user, pk=pk, request=request)
    entries = history_entries(records, user=request.user, citizen=citizen)
    return render(
        request, "backoffice/citizen_history.html", {"citizen": citizen, "tab": "history", "entries": entries}
    )
