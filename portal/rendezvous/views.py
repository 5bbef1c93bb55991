"""Online booking on the portal: motif → lieu (nearest first) → free slot → confirmation, and "Mes rendez-vous".

Two ways in: a citizen's portal account (logged in), or an invitation link an agent gave (``/rendez-vous/
invitation/<token>/…``, no login: holding the link is the right to book that motif for that person). The
same views serve both; ``_Flow`` carries which one. Staff accounts get a 404 (they book from the back office).
Reads go through ``rendezvous.selectors``, writes through ``rendezvous.services``; a refusal re-renders the
page with the French reason and what was typed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grc.forms import add_service_error
from mednum.horaires import week as opening_week
from portal.accounts.linking import IdentityIncomplete, ensure_citizen
from portal.rendezvous.forms import BookingForm, MoveForm, slot_start, slot_value
from rendezvous import perms, selectors, services
from rendezvous.models import Rendezvous
from rendezvous.slots import booking_window, free_slots

DAYS_PER_PAGE = 7


def _base_template() -> str:
    return select_template(["portal/base.html", "base.html"]).template.name


def _render(request, template, context=None, status=200):
    return render(request, template, {"portal_base": _base_template(), **(context or {})}, status=status)


def _unavailable(request, message, status=404):
    """A clear French page instead of a bare 404 for a motif, lieu, slot or link that does not (or no longer) exist."""
    return _render(request, "portal/rendezvous/unavailable.html", {"message": message}, status=status)


@dataclass
class _Flow:
    """Who is booking: a logged-in citizen account, or the person an invitation link was made for."""

    request: object
    token: str = ""
    invitation: object = None

    @property
    def channel(self) -> str:
        return Rendezvous.Channel.INVITATION if self.invitation else Rendezvous.Channel.PORTAIL

    def url(self, name: str, **kwargs) -> str:
        if self.token:
            return reverse(f"rdv:invitation_{name}", kwargs={"token": self.token, **kwargs})
        return reverse(f"rdv:{name}", kwargs=kwargs)

    def motif(self, motif_id):
        if self.invitation is not None:
            return self.invitation.motif if self.invitation.motif_id == motif_id else None
        return selectors.motif_bookable_get(pk=motif_id)

    def lieu(self, motif, lieu_id):
        if not lieu_id:
            return None
        if self.invitation is not None and self.invitation.lieu_id and self.invitation.lieu_id != lieu_id:
            return None
        return selectors.lieu_for_motif_get(motif=motif, pk=lieu_id)

    def origin(self):
        if self.invitation is not None:
            return selectors.booking_origin(citizen=self.invitation.citizen)
        return selectors.booking_origin(user=self.request.user)


def booking_view(view):
    """Citizens' accounts (logged in) or a valid invitation token; staff and dead links get a clear refusal."""

    @wraps(view)
    def wrapper(request, *args, token: str = "", **kwargs):
        if token:
            invitation = selectors.invitation_by_token(token=token)
            if invitation is None:
                return _unavailable(
                    request,
                    _(
                        "Ce lien d'invitation n'est plus valable (il a expiré ou a déjà servi). "
                        "Contactez le service qui vous l'a envoyé."
                    ),
                    status=410,
                )
            return view(request, _Flow(request, token, invitation), *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not perms.is_citizen_account(request.user):
            raise Http404
        return view(request, _Flow(request), *args, **kwargs)

    return login_not_required(wrapper)


def _motif_or_page(flow, motif_id):
    motif = flow.motif(motif_id)
    if motif is None:
        return None, _unavailable(
            flow.request,
            _("Ce motif de rendez-vous n'existe pas ou ne se réserve pas en ligne. Choisissez-en un autre."),
        )
    return motif, None


@booking_view
def motif_list(request, flow):
    """Step 1: the motifs open online (an invitation goes straight to its motif)."""
    if flow.invitation is not None:
        return redirect(flow.url("lieux", motif_id=flow.invitation.motif_id))
    return _render(request, "portal/rendezvous/motifs.html", {"motifs": list(selectors.motifs_bookable_online())})


@booking_view
def lieu_list(request, flow, motif_id):
    """Step 2: the lieux of the motif, nearest to the person's commune first, each with its next free slot."""
    motif, page = _motif_or_page(flow, motif_id)
    if page:
        return page
    if not motif.needs_lieu:
        return redirect(flow.url("slots", motif_id=motif.pk, lieu_id=0))
    if flow.invitation is not None and flow.invitation.lieu_id:
        return redirect(flow.url("slots", motif_id=motif.pk, lieu_id=flow.invitation.lieu_id))
    origin = flow.origin()
    choices = selectors.lieux_for_motif(motif=motif, origin=origin)
    # Each lieu's opening hours (OpenStreetMap format) said in French for the coming week: the citizen sees
    # when the place is open, not only its free slots.
    rows = [
        (choice, opening_week(choice.lieu.opening_hours) if choice.lieu.opening_hours else []) for choice in choices
    ]
    context = {"flow": flow, "motif": motif, "choices": choices, "rows": rows, "origin": origin}
    return _render(request, "portal/rendezvous/lieux.html", context)


def _week_start(request, earliest: datetime.datetime) -> datetime.date:
    """The first day shown: ``?debut=AAAA-MM-JJ`` when it is a real date inside the window, else the first."""
    first = timezone.localtime(earliest).date()
    try:
        wanted = datetime.date.fromisoformat(request.GET.get("debut", ""))
    except ValueError:
        return first
    return max(wanted, first)


def _slot_page(request, motif, lieu, *, exclude_rendezvous_id=None) -> dict:
    """The free slots of one week (from ``?debut``) at ``lieu`` (any lieu: ``None``), by day, with week links."""
    earliest, latest = booking_window(motif=motif)
    first_day = _week_start(request, earliest)
    last_day = timezone.localtime(latest).date()
    if first_day > last_day:
        first_day = timezone.localtime(earliest).date()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=tz)
    end = start + datetime.timedelta(days=DAYS_PER_PAGE) - datetime.timedelta(seconds=1)
    slots = free_slots(
        motif=motif,
        start=start,
        end=end,
        lieu_ids=None if lieu is None else [lieu.pk],
        exclude_rendezvous_id=exclude_rendezvous_id,
    )
    earliest_day = timezone.localtime(earliest).date()
    next_day = first_day + datetime.timedelta(days=DAYS_PER_PAGE)
    by_day = selectors.slots_by_day(slots)
    return {
        "days": [(day, [(slot, slot_value(slot.starts_at)) for slot in day_slots]) for day, day_slots in by_day],
        "first_day": first_day,
        "last_shown": first_day + datetime.timedelta(days=DAYS_PER_PAGE - 1),
        "previous_day": (
            max(first_day - datetime.timedelta(days=DAYS_PER_PAGE), earliest_day) if first_day > earliest_day else None
        ),
        "next_day": next_day if next_day <= last_day else None,
        "window_end": last_day,
    }


@booking_view
def slot_list(request, flow, motif_id, lieu_id):
    """Step 3: the free slots of one week at the chosen lieu (any lieu for phone, home or video motifs)."""
    motif, page = _motif_or_page(flow, motif_id)
    if page:
        return page
    lieu = flow.lieu(motif, lieu_id)
    if motif.needs_lieu and lieu is None:
        return _unavailable(request, _("Ce lieu ne reçoit pas de rendez-vous pour ce motif. Choisissez-en un autre."))
    context = {"flow": flow, "motif": motif, "lieu": lieu, "lieu_id": lieu_id, **_slot_page(request, motif, lieu)}
    return _render(request, "portal/rendezvous/slots.html", context)


def _initial_contact(flow) -> dict:
    if flow.invitation is not None:
        return {"notify_email": True}
    return {"email": flow.request.user.email, "notify_email": True}


def _citizen(flow, form):
    """The person booking: the invitation's, or the account's citizen (created from its identity if needed)."""
    if flow.invitation is not None:
        return flow.invitation.citizen
    try:
        return ensure_citizen(flow.request.user)
    except IdentityIncomplete:
        form.add_error(
            None,
            _("Complétez d'abord votre identité (page « Mon compte ») : elle est nécessaire pour un rendez-vous."),
        )
        return None


def _book(flow, form, motif, lieu):
    """Call the booking service; its refusal goes on the form (what was typed stays). The participant or None."""
    citizen = _citizen(flow, form)
    if citizen is None:
        return None
    data = form.cleaned_data
    try:
        return services.rdv_book(
            motif=motif,
            starts_at=data["creneau"],
            citizen=citizen,
            actor=flow.request.user if flow.invitation is None else None,
            channel=flow.channel,
            lieu=lieu,
            phone=data["phone"],
            email=data["email"],
            notify_sms=data["notify_sms"],
            notify_email=data["notify_email"],
            invitation=flow.invitation,
        )
    except ValidationError as error:
        add_service_error(form, error, fields={"lieu": None, "starts_at": "creneau"})
        return None


@booking_view
@require_http_methods(["GET", "POST"])
def confirm(request, flow, motif_id, lieu_id):
    """Step 4: the chosen slot, how to be told, then the booking (POST, then to "Mes rendez-vous")."""
    motif, page = _motif_or_page(flow, motif_id)
    if page:
        return page
    lieu = flow.lieu(motif, lieu_id)
    if motif.needs_lieu and lieu is None:
        return _unavailable(request, _("Ce lieu ne reçoit pas de rendez-vous pour ce motif. Choisissez-en un autre."))
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid() and (participant := _book(flow, form, motif, lieu)) is not None:
            return _booked(request, flow, participant)
        starts_at = slot_start(request.POST.get("creneau"))
    else:
        starts_at = slot_start(request.GET.get("creneau"))
        if starts_at is None:
            return _unavailable(request, _("Ce créneau n'existe pas : choisissez-en un dans la liste."), status=400)
        form = BookingForm(initial={"creneau": slot_value(starts_at), **_initial_contact(flow)})
    context = {
        "flow": flow,
        "motif": motif,
        "lieu": lieu,
        "lieu_id": lieu_id,
        "form": form,
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(minutes=motif.duration_minutes) if starts_at else None,
        "slots_url": flow.url("slots", motif_id=motif.pk, lieu_id=lieu_id),
    }
    return _render(request, "portal/rendezvous/confirm.html", context, status=400 if form.errors else 200)


def _booked(request, flow, participant):
    motif = participant.rendezvous.motif
    when = timezone.localtime(participant.rendezvous.starts_at)
    messages.success(
        request,
        _("Votre rendez-vous du %(date)s à %(time)s est confirmé.")
        % {"date": when.strftime("%d/%m/%Y"), "time": when.strftime("%H:%M")},
    )
    if motif.instructions_after:
        messages.info(request, motif.instructions_after)
    if flow.invitation is not None:
        return redirect("rdv:invitation_booked", token=flow.token)
    return redirect("espace:appointments")


@login_not_required
def invitation_booked(request, token):
    """After booking through an invitation link (no account): what was booked, while the link is valid."""
    invitation = selectors.invitation_by_token(token=token, used=True)
    if invitation is None or invitation.rendezvous is None:
        return _unavailable(request, _("Ce lien d'invitation n'est plus valable."), status=410)
    return _render(
        request,
        "portal/rendezvous/invitation_booked.html",
        {"invitation": invitation, "rendezvous": invitation.rendezvous},
    )


# --- Mon espace: "Mes rendez-vous" ---------------------------------------------------------------------------


def citizen_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_citizen_account(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _with_actions(participants, now):
    rows = []
    for participant in participants:
        rendezvous = participant.rendezvous
        blocked = perms.citizen_may_cancel_reason(rendezvous=rendezvous, now=now)
        active = participant.status == participant.Status.A_VENIR and not blocked
        rows.append(
            {
                "participant": participant,
                "rendezvous": rendezvous,
                "upcoming": rendezvous.starts_at > now and rendezvous.status == Rendezvous.Status.ACTIVE,
                "may_cancel": active,
                "may_move": active and not rendezvous.is_group and rendezvous.motif.citizens_may_book,
                "too_late": blocked == "too_late" and participant.status == participant.Status.A_VENIR,
            }
        )
    return rows


@citizen_only
def my_appointments(request):
    """Mes rendez-vous: to come (with cancel and move while the motif allows it), then past."""
    now = timezone.now()
    rows = _with_actions(selectors.my_participations(user=request.user, http_request=request), now)
    return render(
        request,
        "espace/appointments.html",
        {
            "espace_base": _base_template(),
            "upcoming": [r for r in rows if r["upcoming"]],
            "past": [r for r in rows if not r["upcoming"]],
            "can_book": True,
        },
    )


@citizen_only
@require_POST
def my_cancel(request, pk):
    """Cancel one of my appointments (my place only, in a group session), within the motif's rules."""
    participant = selectors.my_participation_get(user=request.user, pk=pk, log=False)
    try:
        services.rdv_cancel(
            rendezvous=participant.rendezvous,
            participant=participant,
            actor=request.user,
            reason=_("Annulé par l'usager en ligne"),
            by_citizen=True,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Votre rendez-vous est annulé."))
    return redirect("espace:appointments")


@citizen_only
@require_http_methods(["GET", "POST"])
def my_move(request, pk):
    """Move one of my appointments to another free slot of the same motif at the same lieu."""
    participant = selectors.my_participation_get(user=request.user, pk=pk, http_request=request)
    rendezvous = participant.rendezvous
    [row] = _with_actions([participant], timezone.now())
    if not row["may_move"]:
        messages.error(request, _("Ce rendez-vous ne peut plus être déplacé en ligne : appelez le service."))
        return redirect("espace:appointments")
    form = MoveForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            services.rdv_move(
                rendezvous=rendezvous, starts_at=form.cleaned_data["creneau"], actor=request.user, by_citizen=True
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            when = timezone.localtime(form.cleaned_data["creneau"])
            messages.success(
                request,
                _("Votre rendez-vous est déplacé au %(date)s à %(time)s.")
                % {"date": when.strftime("%d/%m/%Y"), "time": when.strftime("%H:%M")},
            )
            return redirect("espace:appointments")
    context = {
        "participant": participant,
        "rendezvous": rendezvous,
        "motif": rendezvous.motif,
        "form": form,
        **_slot_page(request, rendezvous.motif, rendezvous.lieu, exclude_rendezvous_id=rendezvous.pk),
    }
    return _render(request, "portal/rendezvous/move.html", context, status=400 if form.errors else 200)
