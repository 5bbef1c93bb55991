"""Accueil numérique social in the back office: the quick form that records a digital-help session.

One screen per site (the CDAS or antenne where the agent works): tick the level, the procedures, the
outcome, optionally find the citizen (the reference's search, then a radio among the hits) and save —
the form comes back empty with the day's sessions below, ready for the next person. Reads go through
``accueil.selectors`` and ``grc.selectors.citizens`` (logged), the write through ``accueil.services``.
A site where the user does not record is a 404.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accueil import perms, selectors, services
from backoffice.accueil.forms import HelpSessionForm, place_choices
from grc.forms import add_service_error
from grc.selectors.citizens import citizen_get, citizens_search
from grc.selectors.territory import commune_get

SESSION_SITE_KEY = "accueil_site_id"
PLACE_KIND_KEY = "accueil_place_kind"
SEARCH_LIMIT = 8


def start(request):
    """The form of the site used last (or the first: pilot CDAS first)."""
    sites = selectors.recording_sites(user=request.user)
    if not sites:
        raise Http404
    remembered = request.session.get(SESSION_SITE_KEY)
    site = next((s for s in sites if s.pk == remembered), sites[0])
    return redirect(_form_url(site.pk, request.GET.get("usager", "")))


def _form_url(site_pk, citizen_pk="") -> str:
    url = reverse("backoffice:help_session_record", args=[site_pk])
    return f"{url}?usager={citizen_pk}" if str(citizen_pk).isdigit() else url


def _citizen(request, raw: str):
    """The chosen citizen (read through the reference's selector: logged), or None for an anonymous session."""
    if not raw or not raw.isdigit():
        return None
    return citizen_get(user=request.user, pk=int(raw), request=request, purpose="séance d'aide numérique")


def _held_at(day: datetime.date | None):
    if day is None or day == timezone.localdate():
        return None
    # A session of another day is dated at noon: the hour is not asked, the day is what counts.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def _values(request, form) -> dict:
    """The service's arguments from a valid form (shared by recording and correcting)."""
    data = form.cleaned_data
    return {
        "place_kind": data["place_kind"],
        "level": data["level"],
        "procedures": data["procedures"],
        "outcome": data["outcome"],
        "orientation": data["orientation"],
        "orientation_place": selectors.orientation_place(user=request.user, pk=data["orientation_place"]),
        "consent_at": timezone.now() if data["consent"] else None,
        "commune": commune_get(data["commune"]) if data["commune"] else None,
        "duration_minutes": data["duration_minutes"],
        "held_at": _held_at(data["held_on"]),
    }


def _record(request, site, form, citizen):
    try:
        services.help_session_record(actor=request.user, site=site, citizen=citizen, **_values(request, form))
    except (ValidationError, PermissionDenied) as error:
        add_service_error(form, error, fields={"held_at": "held_on"})
        return False
    return True


def _initial(request) -> dict:
    """What the agent ticked, as an unbound form's initial values (a citizen search shows no errors yet)."""
    post = request.POST
    initial = {name: post.get(name, "") for name in HelpSessionForm.base_fields}
    initial["procedures"] = post.getlist("procedures")
    return initial


def record(request, site_pk):
    """The quick form (GET), the citizen search (POST action=search) and the recording (POST action=record)."""
    site = selectors.recording_site(user=request.user, pk=site_pk)
    request.session[SESSION_SITE_KEY] = site.pk
    communes = selectors.communes_for_choice(user=request.user, site=site)
    posted = request.method == "POST"
    action = request.POST.get("action", "record") if posted else ""
    chosen = (request.POST.get("citizen", "") if posted else request.GET.get("usager", "")).strip()
    citizen = _citizen(request, chosen)
    hits, searched = [], False
    if action == "search":
        form = HelpSessionForm(initial=_initial(request), communes=communes)
        query = request.POST.get("q", "").strip()[:200]
        searched = bool(query)
        if searched:
            hits = citizens_search(user=request.user, query=query, limit=SEARCH_LIMIT, request=request)
    elif posted:
        form = HelpSessionForm(request.POST, communes=communes)
        if form.is_valid() and _record(request, site, form, citizen):
            request.session[PLACE_KIND_KEY] = form.cleaned_data["place_kind"]
            messages.success(request, _("Séance enregistrée."))
            return redirect(_form_url(site.pk))
    else:
        form = HelpSessionForm(
            initial={"place_kind": request.session.get(PLACE_KIND_KEY, "guichet")}, communes=communes
        )
    form.fields["orientation_place"].widget.choices = _place_choices(request, site, form)
    recent = selectors.help_sessions_recent(user=request.user, site=site, request=request)
    for session in recent:
        session.correctable = perms.can_correct(request.user, session)
    context = {
        "site": site,
        "sites": selectors.recording_sites(user=request.user),
        "form": form,
        "citizen": citizen,
        "hits": [h for h in hits if citizen is None or h.citizen.pk != citizen.pk],
        "searched": searched,
        "recent": recent,
    }
    failed = posted and action != "search"
    return render(request, "backoffice/accueil/record.html", context, status=400 if failed else 200)


def _place_choices(request, site, form) -> list:
    """The places of the map, nearest to the site first (only read when the form is shown)."""
    return place_choices(selectors.orientation_places(user=request.user, site=site))


def _corrected_held_at(session, day):
    """The session's own instant when its day is kept, else the chosen day (noon; now for today)."""
    day = day or timezone.localdate()
    if day == timezone.localdate(session.held_at):
        return session.held_at
    return _held_at(day) or timezone.now()


def correct(request, pk):
    """The author corrects a session of theirs within 24 hours (else 404); the history keeps the old version."""
    session = selectors.help_session_for_correction(user=request.user, pk=pk, request=request)
    communes = selectors.communes_for_choice(user=request.user, site=session.site)
    if request.method == "POST":
        form = HelpSessionForm(request.POST, communes=communes)
        if form.is_valid():
            try:
                values = _values(request, form)
                values["held_at"] = _corrected_held_at(session, form.cleaned_data["held_on"])
                services.help_session_correct(actor=request.user, session=session, **values)
            except (ValidationError, PermissionDenied) as error:
                add_service_error(form, error, fields={"held_at": "held_on"})
            else:
                messages.success(request, _("Séance corrigée."))
                return redirect(_form_url(session.site_id))
    else:
        form = HelpSessionForm(initial=_session_initial(session), communes=communes)
    form.fields["orientation_place"].widget.choices = _place_choices(request, session.site, form)
    status = 400 if request.method == "POST" else 200
    return render(request, "backoffice/accueil/correct.html", {"session": session, "form": form}, status=status)


def _session_initial(session) -> dict:
    held_on = timezone.localdate(session.held_at)
    return {
        "place_kind": session.place_kind,
        "level": session.level,
        "procedures": session.procedures,
        "outcome": session.outcome,
        "orientation": session.orientation,
        "orientation_place": session.orientation_place_id or "",
        "consent": session.consent_recorded_at is not None,
        "commune": session.commune_id or "",
        "duration_minutes": session.duration_minutes or "",
        "held_on": held_on,
    }


def citizen_sessions(request, citizen_pk):
    """A person's help sessions that the user may read, outside the timeline (each read logged)."""
    if not perms.can_list_help_sessions(request.user):
        raise Http404
    citizen = citizen_get(user=request.user, pk=citizen_pk, request=request, purpose="séances d'aide numérique")
    sessions = selectors.help_sessions_of_citizen(user=request.user, citizen=citizen, request=request)
    for session in sessions:
        session.correctable = perms.can_correct(request.user, session)
    return render(request, "backoffice/accueil/citizen_sessions.html", {"citizen": citizen, "sessions": sessions})
