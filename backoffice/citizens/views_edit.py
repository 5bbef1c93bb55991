"""Creating a citizen who is not in the reference, and correcting a citizen's identity.

Creation looks for likely duplicates (``grc.matching.candidates.match``) before writing: when there are
some, the agent sees them (one access-log row, action ``citizen.match``) and either opens one of
them or confirms the creation. Writes are ``grc.services.citizens.citizen_create`` /
``citizen_update``; only people who may edit identities (``grc.perms.can_edit_citizen``) get
these pages, others get 404.
"""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backoffice.citizens.forms import AddressAddForm, CitizenCreateForm, CitizenEditForm
from backoffice.form_helpers import FRENCH_DATE_FORMATS
from grc import perms
from grc.forms import add_service_error
from grc.models import Citizen
from grc.selectors.citizens import citizen_get, citizens_matching
from grc.services import citizens as citizen_services

_UPPER_WORD = re.compile(r"^[^\W\d_a-z]{2,}$")


def _add_integrity_error(form) -> None:
    # Two agents saving the same NIR at the same time: the database's unique constraint wins.
    if form.cleaned_data.get("nir"):
        form.add_error("nir", _("Ce NIR est déjà attribué à un autre usager."))
    else:
        form.add_error(None, _("L'enregistrement n'a pas pu être fait. Réessayez."))


# --- creation -------------------------------------------------------------------------------------


def _split_search_text(text: str) -> tuple[str, str]:
    """Guess (birth name, first names) from the search box: capitalised words are the name, else the last word
    is the first name ("LE GOFF Annaïg", "Le Goff Annaïg")."""
    words = text.split()
    upper = [w for w in words if _UPPER_WORD.match(w)]
    if upper and len(upper) < len(words):
        return " ".join(upper), " ".join(w for w in words if w not in upper)
    if len(words) > 1:
        return " ".join(words[:-1]), words[-1]
    return text.strip(), ""


def _prefill(query) -> dict:
    """Initial values from the search the agent just made (``?q=…&birth_date=…``)."""
    initial = {}
    birth_name, first_names = _split_search_text(query.get("q", "")[:200])
    if birth_name:
        initial["birth_name"] = birth_name
    if first_names:
        initial["first_names"] = first_names
    typed_date = query.get("birth_date", "").strip()[:10]
    for date_format in FRENCH_DATE_FORMATS:
        try:
            initial["birth_date"] = datetime.datetime.strptime(typed_date, date_format).date()  # noqa: DTZ007
            break
        except ValueError:
            continue
    return initial


def _candidate_rows(found) -> list[dict]:
    """The likely duplicates with what the agent needs to recognise them, best first."""
    rows = []
    for citizen, candidate in found:
        current = sorted(
            (a for a in citizen.addresses.all() if a.is_current),
            key=lambda a: (a.start_date or datetime.date.min, a.pk),
            reverse=True,
        )
        rows.append(
            {
                "citizen": citizen,
                "address": current[0] if current else None,
                "percent": round(candidate.score * 100),
                "reasons": candidate.reasons,
            }
        )
    return rows


def _create(request, form):
    try:
        citizen = citizen_services.citizen_create(
            actor=request.user, address=form.address(), contacts=form.contacts(), **form.identity()
        )
    except ValidationError as error:
        add_service_error(form, error)
        return None
    except IntegrityError:
        _add_integrity_error(form)
        return None
    messages.success(request, _("La fiche de %(name)s a été créée.") % {"name": citizen.display_name})
    return redirect(citizen.get_absolute_url())


@require_http_methods(["GET", "POST"])
def citizen_create(request):
    if not perms.can_edit_citizen(request.user, None):
        raise Http404
    if request.method == "GET":
        form = CitizenCreateForm(initial=_prefill(request.GET))
        return render(request, "backoffice/citizen_form.html", {"form": form, "mode": "create"})

    form = CitizenCreateForm(request.POST)
    # "Modifier la saisie" from the confirmation step: back to the form with what was typed.
    if form.is_valid() and "edit" not in request.POST:
        if form.cleaned_data["confirmed"]:
            response = _create(request, form)
            if response is not None:
                return response
        else:
            found = citizens_matching(
                user=request.user, query=form.identity_query(), request=request, purpose="création d'usager"
            )
            if not found:
                response = _create(request, form)
                if response is not None:
                    return response
            else:
                rows = _candidate_rows(found)
                return render(request, "backoffice/citizen_create_confirm.html", {"form": form, "candidates": rows})
    return render(request, "backoffice/citizen_form.html", {"form": form, "mode": "create"})


# --- identity changes ------------------------------------------------------------------------------


def _editable_citizen(request, pk, purpose: str) -> Citizen:
    # Checked before the read so that people who may not edit leave no access-log row.
    if not perms.can_edit_citizen(request.user, None):
        raise Http404
    citizen = citizen_get(user=request.user, pk=pk, request=request, purpose=purpose)
    if not perms.can_edit_citizen(request.user, citizen):
        raise Http404
    return citizen


@require_http_methods(["GET", "POST"])
def citizen_edit(request, pk):
    citizen = _editable_citizen(request, pk, purpose="modification de l'identité")
    form = CitizenEditForm(request.POST or None, citizen=citizen)
    if form.is_bound and form.is_valid():
        try:
            citizen_services.citizen_update(
                citizen=citizen, actor=request.user, reason=form.cleaned_data["reason"], **form.changes()
            )
        except ValidationError as error:
            add_service_error(form, error)
        except IntegrityError:
            _add_integrity_error(form)
        else:
            messages.success(request, _("L'identité de %(name)s a été modifiée.") % {"name": citizen.display_name})
            return redirect(citizen.get_absolute_url())
        # The service changed the instance before failing: show the record as it still is.
        citizen.refresh_from_db()
    return render(
        request,
        "backoffice/citizen_form.html",
        {"form": form, "mode": "edit", "citizen": citizen, "tab": "identity"},
    )


@require_http_methods(["GET", "POST"])
def citizen_address_add(request, pk):
    citizen = _editable_citizen(request, pk, purpose="ajout d'une adresse")
    current = [a for a in citizen.addresses.all() if a.is_current]
    current_start = max((a.start_date for a in current if a.start_date), default=None)
    form = AddressAddForm(request.POST or None, current_start=current_start)
    if form.is_bound and form.is_valid():
        try:
            citizen_services.address_add(citizen=citizen, actor=request.user, **form.address())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("L'adresse a été ajoutée ; la précédente est close à la même date."))
            return redirect(citizen.get_absolute_url())
    return render(
        request,
        "backoffice/citizen_form.html",
        {"form": form, "mode": "address", "citizen": citizen, "tab": "identity", "current_addresses": current},
    )
