"""Demo appointments (the ``demo.rendezvous`` seeder; idempotent): in every CDAS a lieu, four motifs (a first
welcome and a phone interview open online, a group job-search workshop open to partners, a PMI consultation
that is sensitive) and weekly opening slots Monday to Friday, held by one agent of the CDAS (created without a
login, a member of its welcome, RSA and PMI teams); the demo citizen has a past appointment (seen, what was
done recorded) and one to come. Bookings go through the services (history, timeline) with notices
suppressed: no e-mail leaves.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from grc.history import save_tracked
from grc.models import Citizen, Commune, Membership, Site, Team, User
from grc.services.memberships import membership_create
from rendezvous import services
from rendezvous.models import Lieu, Motif, Participant, PlageOuverture, Rendezvous
from rendezvous.notifications import suppressed
from rendezvous.slots import free_slots

from .. import data
from ..records import CHANGE_REASON, upsert

OPENING_HOURS = "Mo-Fr 08:30-12:00,13:30-17:00; PH off"
ACCESSIBILITY = "Accès de plain-pied, place de stationnement réservée, boucle magnétique à l'accueil."
# (team prefix, name, duration, location type, bookable by, visibility, capacity, instructions after booking)
MOTIFS = [
    ("asp", "Premier accueil social", 45, "sur_place", "citoyens", "normal", 1,
     "Apportez une pièce d'identité et, si vous les avez, vos derniers justificatifs de ressources."),
    ("asp", "Entretien téléphonique", 20, "telephone", "citoyens", "normal", 1,
     "Un travailleur social vous appellera au numéro indiqué, à l'heure du rendez-vous."),
    ("rsa", "Atelier collectif recherche d'emploi", 90, "sur_place", "tous", "normal", 8,
     "Apportez votre CV si vous en avez un."),
    ("pmi", "Consultation de puériculture", 30, "sur_place", "citoyens", "masque", 1,
     "Apportez le carnet de santé de l'enfant."),
]  # fmt: skip
HALF_DAYS = [(datetime.time(9), datetime.time(12)), (datetime.time(14), datetime.time(17))]
PORTAL_LIEU = "CDAS Rennes Centre"
PAST_OUTCOME = "Point sur la situation budgétaire ; orientation vers l'atelier budget du CDAS."


def _agent(spec, actor, counts) -> User:
    """The CDAS's agent for appointments: a demo social worker already there, else one created (no login)."""
    teams = Team.objects.filter(code__in=[f"{prefix}-{spec.code}" for prefix in ("asp", "rsa", "pmi")])
    email = f"rdv.{spec.code}@{data.DEMO_EMAIL_DOMAIN}"
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(email=email, first_name="Accueil", last_name=spec.name, is_staff=True)
        user.set_unusable_password()
        save_tracked(user, actor, CHANGE_REASON)
    for team in teams:
        if not Membership.objects.filter(user=user, team=team, end_date__isnull=True).exists():
            membership_create(
                actor=actor,
                user=user,
                team=team,
                role=Membership.Role.SOCIAL_WORKER,
                start_date=datetime.date(2024, 1, 1),
            )
    counts.add("agents des rendez-vous (sans connexion)", created=created)
    return user


def _lieu(spec, actor, counts) -> Lieu:
    site = Site.objects.get(name=spec.name)
    commune = Commune.objects.only("code", "name", "postcodes").filter(code=site.commune_id).first()
    values = {
        "kind": Lieu.Kind.CDAS,
        "site_id": site.pk,
        "address": site.address,
        "postcode": commune.postcodes[0] if commune and commune.postcodes else "",
        "city": commune.name if commune else "",
        "commune_id": commune.pk if commune else None,
        "opening_hours": OPENING_HOURS,
        "accessibility": ACCESSIBILITY,
        "wheelchair_accessible": True,
        "phone": "02 99 02 20 20",
    }
    return upsert(Lieu, {"name": spec.name}, values, actor=actor, counts=counts, label="lieux de rendez-vous")


def _motifs(spec, actor, counts) -> list[Motif]:
    motifs = []
    for prefix, name, duration, location, bookable, visibility, capacity, after in MOTIFS:
        team = Team.objects.get(code=f"{prefix}-{spec.code}")
        values = {
            "duration_minutes": duration,
            "location_type": location,
            "bookable_by": bookable,
            "visibility": visibility,
            "capacity": capacity,
            "instructions_after": after,
            "min_booking_delay_minutes": 120,
            "max_booking_delay_days": 42,
            "cancel_until_hours": 24,
            "category": "",
        }
        motifs.append(
            upsert(Motif, {"team_id": team.pk, "name": name}, values, actor=actor, counts=counts, label="motifs")
        )
    return motifs


def _plages(agent, lieu, motifs, first_day, actor, counts) -> None:
    for start, end in HALF_DAYS:
        plage = upsert(
            PlageOuverture,
            {"agent_id": agent.pk, "lieu_id": lieu.pk, "start_time": start},
            {"end_time": end, "first_day": first_day, "weekdays": [0, 1, 2, 3, 4], "until": None, "every_weeks": 1},
            actor=actor,
            counts=counts,
            label="plages d'ouverture",
        )
        if set(plage.motifs.values_list("pk", flat=True)) != {m.pk for m in motifs}:
            plage.motifs.set(motifs)


def _book(*, motif, lieu, agent, citizen, around: datetime.datetime):
    """Book ``citizen`` on the first free slot from ``around`` (as the agent, at that moment)."""
    now = around - datetime.timedelta(days=1)
    slot = free_slots(
        motif=motif, now=now, start=around, end=around + datetime.timedelta(days=14), lieu_ids=[lieu.pk],
        agent_ids=[agent.pk], enforce_delays=False,
    )[0]  # fmt: skip
    return services.rdv_book(
        motif=motif,
        starts_at=slot.starts_at,
        citizen=citizen,
        actor=agent,
        channel=Rendezvous.Channel.AGENT,
        lieu=lieu,
        agent=agent,
        email=data.PORTAL_ACCOUNT_EMAIL,
        phone="06 12 34 56 78",
        notify_sms=True,
        now=now,
    )


def _portal_citizen_appointments(lieu, motif, agent, counts) -> None:
    citizen = Citizen.objects.filter(user__email=data.PORTAL_ACCOUNT_EMAIL).first()
    if citizen is None:
        return
    now = timezone.now()
    mine = Participant.objects.filter(citizen=citizen, rendezvous__motif=motif)
    if not mine.filter(rendezvous__starts_at__lt=now).exists():
        participant = _book(
            motif=motif, lieu=lieu, agent=agent, citizen=citizen, around=now - datetime.timedelta(days=21)
        )
        services.participant_outcome_set(participant=participant, status="vu", actor=agent, outcome_note=PAST_OUTCOME)
        counts.add("rendez-vous de l'usager de démonstration", created=True)
    if not mine.filter(rendezvous__starts_at__gte=now, rendezvous__status=Rendezvous.Status.ACTIVE).exists():
        _book(motif=motif, lieu=lieu, agent=agent, citizen=citizen, around=now + datetime.timedelta(days=5))
        counts.add("rendez-vous de l'usager de démonstration", created=True)


@transaction.atomic
def seed(*, actor, counts) -> None:
    """The registered seeder (``demo.rendezvous``)."""
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=today.weekday() + 7 * 8)  # a Monday eight weeks ago
    portal = None
    with suppressed():
        for spec in data.CDAS:
            agent = _agent(spec, actor, counts)
            lieu = _lieu(spec, actor, counts)
            motifs = _motifs(spec, actor, counts)
            _plages(agent, lieu, motifs, first_day, actor, counts)
            if spec.name == PORTAL_LIEU:
                portal = (lieu, motifs[0], agent)
        if portal is not None:
            _portal_citizen_appointments(*portal, counts)
