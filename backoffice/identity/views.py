"""Identity mediation: the duplicate suspicions queue, the side-by-side screen, merges and their undo.

Only people who may decide suspicions (``grc.perms.can_merge_citizens``) see these pages; others
get 404. Opening a suspicion reads both identities through ``citizen_get`` (one access-log row
each, action ``suspicion.view``). Writes are the services of ``grc.services.merge`` and
``grc.services.suspicions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.display import sentence_case
from backoffice.identity.forms import DismissForm, MergeForm, MergeUndoForm
from grc import perms
from grc.audit.models import AccessLog
from grc.forms import add_service_error
from grc.models import Citizen, DuplicateSuspicion
from grc.selectors import identity as identity_selectors
from grc.selectors.citizens import citizen_get
from grc.services import merge as merge_services
from grc.services import suspicions as suspicion_services
from grc.services.citizens import IDENTITY_FIELDS

PAGE_SIZE = 25


def _status_filter(request) -> str:
    status = request.GET.get("statut", DuplicateSuspicion.Status.OPEN)
    return status if status in DuplicateSuspicion.Status.values else DuplicateSuspicion.Status.OPEN


def suspicion_list(request):
    status = _status_filter(request)
    suspicions = identity_selectors.suspicions_for(user=request.user).filter(status=status).order_by("-score", "-id")
    page = Paginator(suspicions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/suspicion_list.html",
        {"page": page, "status": status, "statuses": DuplicateSuspicion.Status.choices},
    )


# --- mediation screen -------------------------------------------------------------------------


def _display(citizen: Citizen, name: str, user) -> str:
    if name == "nir":
        return perms.visible_nir(user, citizen) or "—"
    value = getattr(citizen, name)
    display = getattr(citizen, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _addresses(citizen: Citizen) -> str:
    current = [str(a) for a in citizen.addresses.all() if a.is_current]
    return "\n".join(current) or "—"


def _contacts(citizen: Citizen) -> str:
    return "\n".join(sorted(str(c) for c in citizen.contact_points.all())) or "—"


def _households(citizen: Citizen) -> str:
    lines = [
        f"{m.household} ({m.get_role_display()})" for m in citizen.household_memberships.all() if m.end_date is None
    ]
    return "\n".join(lines) or "—"


def _comparison(a: Citizen, b: Citizen, user) -> tuple[list[dict], list[tuple[str, str]]]:
    """Rows of the side-by-side table, and the identity fields whose values differ (for the merge form)."""
    rows, differing = [], []
    for name in IDENTITY_FIELDS:
        label = sentence_case(Citizen._meta.get_field(name).verbose_name)
        differs = getattr(a, name) != getattr(b, name)
        rows.append(
            {"name": name, "label": label, "a": _display(a, name, user), "b": _display(b, name, user), "diff": differs}
        )
        if differs:
            differing.append((name, label))
    for label, render_value in (
        (_("Adresse actuelle"), _addresses),
        (_("Moyens de contact"), _contacts),
        (_("Foyer"), _households),
    ):
        va, vb = render_value(a), render_value(b)
        rows.append({"name": "", "label": label, "a": va, "b": vb, "diff": va != vb})
    portal = {True: _("Oui"), False: _("Non")}
    rows.append(
        {
            "name": "",
            "label": _("Compte du portail"),
            "a": portal[a.user_id is not None],
            "b": portal[b.user_id is not None],
            "diff": (a.user_id is None) != (b.user_id is None),
        }
    )
    return rows, differing


def _initial_survivor(a: Citizen, b: Citizen) -> str:
    """Suggest keeping the better-established record: higher assurance, then a portal account, then the older."""
    if a.is_merged != b.is_merged:
        return "b" if a.is_merged else "a"
    key_a = (a.assurance_level, a.user_id is not None)
    key_b = (b.assurance_level, b.user_id is not None)
    return "b" if key_b > key_a else "a"


def _mediation(request, pk):
    suspicion = identity_selectors.suspicion_get(user=request.user, pk=pk)
    purpose = _("Examen de la suspicion de doublon n° %(pk)s") % {"pk": suspicion.pk}
    pair = {
        side: citizen_get(
            user=request.user, pk=citizen_id, request=request, purpose=purpose, action=AccessLog.Action.SUSPICION_VIEW
        )
        for side, citizen_id in (("a", suspicion.citizen_a_id), ("b", suspicion.citizen_b_id))
    }
    rows, differing = _comparison(pair["a"], pair["b"], request.user)
    return suspicion, pair, rows, differing


def _render_mediation(request, suspicion, pair, rows, merge_form, dismiss_form, status=200):
    for row in rows:
        keep = f"keep_{row['name']}"
        if row["name"] and keep in merge_form.fields:
            row["keep_name"] = keep
            row["keep_value"] = merge_form[keep].value()
            row["keep_errors"] = merge_form[keep].errors
    return render(
        request,
        "backoffice/suspicion_detail.html",
        {
            "suspicion": suspicion,
            "a": pair["a"],
            "b": pair["b"],
            "rows": rows,
            "merge_form": merge_form,
            "dismiss_form": dismiss_form,
            "is_open": suspicion.status == DuplicateSuspicion.Status.OPEN,
        },
        status=status,
    )


def suspicion_detail(request, pk):
    suspicion, pair, rows, differing = _mediation(request, pk)
    merge_form = MergeForm(differing=differing, initial_survivor=_initial_survivor(pair["a"], pair["b"]))
    return _render_mediation(request, suspicion, pair, rows, merge_form, DismissForm())


@require_POST
def suspicion_merge(request, pk):
    suspicion, pair, rows, differing = _mediation(request, pk)
    form = MergeForm(request.POST, differing=differing, initial_survivor=_initial_survivor(pair["a"], pair["b"]))
    if form.is_valid():
        survivor = form.cleaned_data["survivor"]
        target = pair[survivor]
        source = pair["b" if survivor == "a" else "a"]
        try:
            merge_services.citizen_merge(
                source=source,
                target=target,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                field_choices=form.field_choices(),
                suspicion=suspicion,
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("La fiche %(source)s a été fusionnée dans la fiche %(target)s.")
                % {"source": source.display_name, "target": target.display_name},
            )
            return redirect(target.get_absolute_url())
    return _render_mediation(request, suspicion, pair, rows, form, DismissForm())


@require_POST
def suspicion_dismiss(request, pk):
    suspicion, pair, rows, differing = _mediation(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            suspicion_services.suspicion_dismiss(
                suspicion=suspicion, actor=request.user, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("La suspicion a été écartée : ces deux fiches ne sont pas un doublon."))
            return redirect("backoffice:suspicion_list")
    merge_form = MergeForm(differing=differing, initial_survivor=_initial_survivor(pair["a"], pair["b"]))
    return _render_mediation(request, suspicion, pair, rows, merge_form, form)


# --- merges -------------------------------------------------------------------------------------


def _undo_prefix(merge_pk) -> str:
    return f"annulation-{merge_pk}"


def _render_merge_list(request, bound_form=None, bound_pk=None):
    page = Paginator(
        identity_selectors.merges_for(user=request.user).order_by("-merged_at", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    for merge in page:
        if merge.pk == bound_pk:
            merge.undo_form = bound_form
        elif not merge.is_undone:
            merge.undo_form = MergeUndoForm(prefix=_undo_prefix(merge.pk))
    return render(request, "backoffice/merge_list.html", {"page": page})


def merge_list(request):
    return _render_merge_list(request)


@require_POST
def merge_undo(request, pk):
    merge = identity_selectors.merge_get(user=request.user, pk=pk)
    form = MergeUndoForm(request.POST, prefix=_undo_prefix(merge.pk))
    if form.is_valid():
        try:
            merge_services.merge_undo(merge=merge, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("La fusion de la fiche %(source)s dans la fiche %(target)s a été annulée.")
                % {"source": merge.source.display_name, "target": merge.target.display_name},
            )
            return redirect("backoffice:merge_list")
    return _render_merge_list(request, bound_form=form, bound_pk=merge.pk)
