"""Booking an appointment for a citizen, and sending them an invitation link, from the back office.

Step 1 finds the person in the citizen reference (``grc.selectors.citizens.citizens_search``, typos tolerated);
when they are not there, the agent creates their record through the reference's own creation page, which
looks for likely duplicates first (``grc.matching``): no booking ever creates a person. Step 2 chooses the
motif, the lieu and the week and lists the free slots computed from the rules; step 3 confirms with the
contact details for the notices and calls ``rendezvous.services.rdv_book`` (channel ``agent``). A slot taken
meanwhile gives the French "Ce créneau vient d'être pris." and the agent picks another; nothing is lost.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.rendezvous.forms import BookingConfirmForm, InvitationForm, SlotSearchForm
from grc.forms import add_service_error
from grc.models import ContactPoint
from grc.selectors.citizens import citizen_get, citizens_search
from rendezvous import agent_perms, agent_selectors, services
from rendezvous.models import Rendezvous
from rendezvous.notifications.invitations import invitation_contacts

SLOT_DAYS = 7


def _require_agendas(user) -> None:
    if not agent_perms.can_use_agendas(user):
        raise Http404


def _citizen(request, pk, purpose):
    citizen = citizen_get(user=request.user, pk=pk, request=request, purpose=purpose)
    if citizen.is_merged:  # a merged record is a redirect: book for the person it was merged into
        raise Http404
    return citizen


def rdv_book_start(request):
    """Step 1: find the person (name, first name, birth date; typos tolerated)."""
    _require_agendas(request.user)
    query = request.GET.get("q", "").strip()[:200]
    hits = citizens_search(user=request.user, query=query, request=request, limit=15) if query else None
    return render(request, "backoffice/rendezvous/book_start.html", {"query": query, "hits": hits})


def _motif_and_lieux(request, form_class, data):
    """The form choosing motif / lieu, bound to ``data``; (form, motif or None, lieu or None)."""
    motifs = agent_selectors.bookable_motifs(user=request.user)
    chosen = None
    motif_pk = (data or {}).get("motif", "")
    if str(motif_pk).isdigit():
        chosen = next((m for m in motifs if m.pk == int(motif_pk)), None)
    lieux = agent_selectors.lieux_for_motif(user=request.user, motif=chosen) if chosen else []
    form = form_class(data, motifs=motifs, lieux=lieux)
    if not form.is_bound or not form.is_valid():
        return form, None, None
    motif = next((m for m in motifs if m.pk == form.cleaned_data["motif"]), None)
    lieu = next((lieu for lieu in lieux if lieu.pk == form.cleaned_data["lieu"]), None)
    if motif is not None and motif.needs_lieu is False:
        lieu = None
    return form, motif, lieu


def _slot_days(request, motif, lieu, week: datetime.date | None):
    tz = timezone.get_current_timezone()
    now = timezone.now()
    day = week or timezone.localdate()
    start = max(datetime.datetime.combine(day, datetime.time.min, tzinfo=tz), now)
    end = datetime.datetime.combine(day + datetime.timedelta(days=SLOT_DAYS), datetime.time.min, tzinfo=tz)
    slots = agent_selectors.slots_for_booking(user=request.user, motif=motif, start=start, end=end, lieu=lieu)
    agents = agent_selectors.agents_by_id(user=request.user, ids={s.agent_id for s in slots})
    lieux = {lieu.pk: lieu for lieu in agent_selectors.agenda_lieux(user=request.user)}
    days: OrderedDict = OrderedDict()
    for slot in slots:
        local = timezone.localtime(slot.starts_at)
        days.setdefault(local.date(), []).append(
            {"slot": slot, "local": local, "agent": agents.get(slot.agent_id), "lieu": lieux.get(slot.lieu_id)}
        )
    return days, day


def rdv_book_slots(request, citizen_pk):
    """Step 2: motif, lieu and week → the free slots, by day (each a link to step 3)."""
    _require_agendas(request.user)
    citizen = _citizen(request, citizen_pk, "prise de rendez-vous")
    form, motif, lieu = _motif_and_lieux(request, SlotSearchForm, request.GET or None)
    days, week = None, None
    if motif is not None:
        days, week = _slot_days(request, motif, lieu, form.cleaned_data.get("week"))
    query = request.GET.copy()
    query.pop("week", None)
    context = {"citizen": citizen, "form": form, "motif": motif, "lieu": lieu, "days": days, "week": week}
    if week is not None:
        context["next_week"] = query.urlencode() + f"&week={week + datetime.timedelta(days=SLOT_DAYS):%d/%m/%Y}"
    return render(request, "backoffice/rendezvous/book_slots.html", context)


def _contact_initial(citizen) -> dict:
    points = sorted(citizen.contact_points.all(), key=lambda c: (not c.is_primary, c.pk))
    email = next((c.value for c in points if c.kind == ContactPoint.Kind.EMAIL), "")
    mobile = next((c.value for c in points if c.kind == ContactPoint.Kind.MOBILE), "")
    if not email and citizen.user_id and citizen.user.email:
        email = citizen.user.email
    return {"email": email, "notify_email": bool(email), "phone": mobile, "notify_sms": False}


def _confirm_context(request, citizen, form):
    data = form.data if form.is_bound else form.initial
    motif = agent_selectors.bookable_motif_get(user=request.user, pk=data.get("motif"))
    try:
        starts_at = datetime.datetime.fromisoformat(str(data.get("starts_at", "")))
    except ValueError:
        raise Http404 from None
    agents = agent_selectors.agents_by_id(user=request.user, ids=[data.get("agent")])
    if not agents:  # a slot always names its agent: a link made by hand
        raise Http404
    lieux = {str(lieu.pk): lieu for lieu in agent_selectors.agenda_lieux(user=request.user)}
    return {
        "citizen": citizen,
        "form": form,
        "motif": motif,
        "starts_at": starts_at,
        "agent": next(iter(agents.values()), None),
        "lieu": lieux.get(str(data.get("lieu") or "")),
        "back": reverse("backoffice:rdv_book_slots", args=[citizen.pk])
        + "?"
        + urlencode({"motif": motif.pk, "lieu": data.get("lieu") or ""}),
    }


@require_http_methods(["GET", "POST"])
def rdv_book_confirm(request, citizen_pk):
    """Step 3: the slot chosen, how to tell the person; POST books it (or says it was just taken)."""
    _require_agendas(request.user)
    citizen = _citizen(request, citizen_pk, "prise de rendez-vous")
    if request.method == "GET":
        initial = {k: request.GET.get(k, "") for k in ("motif", "starts_at", "agent", "lieu")}
        form = BookingConfirmForm(initial={**initial, **_contact_initial(citizen)})
        return render(request, "backoffice/rendezvous/book_confirm.html", _confirm_context(request, citizen, form))
    form = BookingConfirmForm(request.POST)
    context = _confirm_context(request, citizen, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            participant = services.rdv_book(
                motif=context["motif"],
                starts_at=data["starts_at"],
                citizen=citizen,
                actor=request.user,
                channel=Rendezvous.Channel.AGENT,
                lieu=context["lieu"],
                agent=context["agent"],
                phone=data["phone"],
                email=data["email"],
                notify_sms=data["notify_sms"],
                notify_email=data["notify_email"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Rendez-vous pris pour %(name)s.") % {"name": citizen.display_name})
            return redirect("backoffice:rdv_detail", pk=participant.rendezvous_id)
    return render(request, "backoffice/rendezvous/book_confirm.html", context)


# --- invitations ---------------------------------------------------------------------------------------------


def _invite_contacts(citizen) -> dict:
    """What the invitation form offers: each channel with the contact known for it (read on the person's record,
    already opened and logged by ``citizen_get``)."""
    email, mobile = invitation_contacts(citizen)
    return {"email": email, "mobile": mobile}


@require_http_methods(["GET", "POST"])
def rdv_invite(request, citizen_pk):
    """Send an invitation link: the person books the motif themselves; a follow-up comes if they do not.

    When the person's e-mail address or mobile is known, the link is sent to them by the worker (a new token
    drawn there, never queued); otherwise it is shown once here, for the agent to give."""
    _require_agendas(request.user)
    citizen = _citizen(request, citizen_pk, "invitation à prendre rendez-vous")
    contacts = _invite_contacts(citizen)
    form, motif, lieu = _motif_and_lieux(request, InvitationForm, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        form = InvitationForm(
            initial={
                "valid_days": services.agents.INVITATION_DAYS_DEFAULT,
                "send_email": bool(contacts["email"]),
                "send_sms": bool(contacts["mobile"]),
            },
            motifs=agent_selectors.bookable_motifs(user=request.user),
        )
    elif motif is not None:
        send_email = form.cleaned_data["send_email"] and bool(contacts["email"])
        send_sms = form.cleaned_data["send_sms"] and bool(contacts["mobile"])
        try:
            invitation, token = services.invitation_create(
                citizen=citizen,
                motif=motif,
                lieu=lieu,
                valid_days=form.cleaned_data["valid_days"],
                send_email=send_email,
                send_sms=send_sms,
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            context = {
                "citizen": citizen,
                "invitation": invitation,
                "sent_to": {"email": contacts["email"] if send_email else "", "sms": send_sms},
                # Sent by the worker with a new token: this one no longer works, so it is not shown.
                "link": "" if (send_email or send_sms) else invitation_link(request, token),
            }
            return render(request, "backoffice/rendezvous/invitation_sent.html", context)
    context = {"citizen": citizen, "form": form, "contacts": contacts}
    return render(request, "backoffice/rendezvous/invite.html", context)


def _invitation_state(invitation, now) -> str:
    """used, revoked (withdrawn: its follow-up date is its end), follow_up (expired unused, agent told),
    expired (the follow-up job has not run yet) or open. An expired one is ``booked_since`` or ``reinvited``
    instead once the person booked the motif or was sent a newer invitation for it (nobody to call back)."""
    if invitation.used_at:
        return "used"
    if invitation.followed_up_at and invitation.followed_up_at <= invitation.expires_at:
        return "revoked"
    if not invitation.followed_up_at and invitation.expires_at > now:
        return "open"
    if invitation.booked_since:
        return "booked_since"
    if invitation.reinvited_at:
        return "reinvited"
    return "follow_up" if invitation.followed_up_at else "expired"


def invitation_link(request, token: str) -> str:
    """The link the person opens to book (the portal's invitation page, ``rdv:invitation_motifs``)."""
    return request.build_absolute_uri(reverse("rdv:invitation_motifs", kwargs={"token": token}))


def rdv_invitations(request):
    """My invitations and those of my teams: waiting, used, expired; the ones to follow up first."""
    _require_agendas(request.user)
    invitations = agent_selectors.invitations_for(user=request.user, request=request)
    now = timezone.now()
    for invitation in invitations:
        invitation.state = _invitation_state(invitation, now)
    invitations.sort(key=lambda i: (i.state != "follow_up", i.state != "open", -i.created_at.timestamp()))
    return render(request, "backoffice/rendezvous/invitations.html", {"invitations": invitations})


@require_POST
def rdv_invitation_revoke(request, pk):
    """Withdraw an unused invitation: its link stops working."""
    invitation = agent_selectors.invitation_get(user=request.user, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'invitation est retirée : son lien ne fonctionne plus."))
    return redirect("backoffice:rdv_invitations")


@require_POST
def rdv_invitation_resend(request, pk):
    """Send a waiting invitation's link to the person again (e-mail and SMS where known): the worker draws a new
    link, the one sent before stops working."""
    invitation = agent_selectors.invitation_get(user=request.user, pk=pk)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Le lien est renvoyé à la personne, par courriel et SMS selon ses coordonnées : le précédent ne "
                "fonctionne plus. Le résultat de l'envoi s'affiche ci-dessous dans quelques instants."
            ),
        )
    return redirect("backoffice:rdv_invitations")
