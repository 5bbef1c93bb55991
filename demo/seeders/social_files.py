"""Demo social files: a few dozen files in four CDAS, written only through ``dossier_unique.services``.

So a newcomer sees the scoping at work: ``ts.vitre`` sees the Vitré social-action team's files and
not Saint-Malo's; ``ts.saint-malo`` sees Saint-Malo's and one Vitré file shared with their team
(a sharing grant with purpose and legal basis); ``ts.pmi.guichen`` and ``instructeur.rsa`` see
their PMI and RSA files. Colleagues of the ASE, APA/PCH and PMI teams (accounts without a password:
they never log in) open the accompaniments of their own teams, as the rules require. Every file has
notes of each visibility; three carry small real documents (PDF, PNG; one confidential to the ASE
team). No emergency access is seeded: those are alerts for the DPO.

Idempotent, keyed on the citizen: a citizen who already has a social file is skipped, so a second
run creates nothing (the services write the history and the timeline, not this module).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from dossier_unique import services
from dossier_unique.models import Note, Programme, SharingGrant, SocialFile, Visibility
from grc.history import save_tracked
from grc.models import Citizen, Membership, Team, User
from grc.services.memberships import membership_create

from .. import data
from ..files import minimal_pdf, small_png

DOMAIN = data.DEMO_EMAIL_DOMAIN


class Colleague(NamedTuple):
    email: str
    first_name: str
    last_name: str
    team: str


# Demo professionals who never log in: they open their own team's accompaniments.
COLLEAGUES = [
    Colleague(f"ase.vitre@{DOMAIN}", "Morgane", "Le Gall", "ase-cdas-vitre"),
    Colleague(f"apa.vitre@{DOMAIN}", "Hervé", "Guillou", "apa-pch-cdas-vitre"),
    Colleague(f"pmi.saint-malo@{DOMAIN}", "Soazig", "Quéré", "pmi-cdas-saint-malo"),
]


class Group(NamedTuple):
    """``count`` files of citizens living in ``communes``, followed by ``team`` (referent ``referent``)."""

    key: str
    communes: tuple[str, ...]
    count: int
    team: str
    referent: str
    programmes: tuple[str, ...]
    # (every n-th file, programme, team, colleague email) — a second accompaniment by another team
    extra: tuple[int, str, str, str] | None = None


GROUPS = [
    Group(
        "vitre",
        ("Vitré", "Châteaubourg", "Argentré-du-Plessis", "La Guerche-de-Bretagne", "Retiers", "Janzé"),
        12,
        "asp-cdas-vitre",
        f"ts.vitre@{DOMAIN}",
        (Programme.LOGEMENT_FSL, Programme.AIDE_FINANCIERE, Programme.INSERTION),
        (3, Programme.ASE, "ase-cdas-vitre", f"ase.vitre@{DOMAIN}"),
    ),
    Group(
        "vitre-apa",
        ("Vitré", "Châteaubourg", "Argentré-du-Plessis", "La Guerche-de-Bretagne", "Retiers", "Janzé"),
        4,
        "apa-pch-cdas-vitre",
        f"apa.vitre@{DOMAIN}",
        (Programme.APA, Programme.PCH),
    ),
    Group(
        "saint-malo",
        ("Saint-Malo", "Cancale", "Saint-Méloir-des-Ondes", "Châteauneuf-d'Ille-et-Vilaine", "Saint-Lunaire"),
        10,
        "asp-cdas-saint-malo",
        f"ts.saint-malo@{DOMAIN}",
        (Programme.AIDE_FINANCIERE, Programme.LOGEMENT_FSL),
        (3, Programme.PMI, "pmi-cdas-saint-malo", f"pmi.saint-malo@{DOMAIN}"),
    ),
    Group(
        "guichen",
        ("Guichen", "Goven", "Guignen", "Laillé", "Bain-de-Bretagne"),
        8,
        "pmi-cdas-guichen",
        f"ts.pmi.guichen@{DOMAIN}",
        (Programme.PMI,),
    ),
    Group(
        "couronne-sud",
        ("Chartres-de-Bretagne", "Bruz", "Pont-Péan", "Noyal-Châtillon-sur-Seiche", "Vern-sur-Seiche"),
        8,
        "rsa-cdas-couronne-rennaise-sud",
        f"instructeur.rsa@{DOMAIN}",
        (Programme.RSA,),
    ),
]

NOTES = [
    (
        Note.Kind.ENTRETIEN,
        Visibility.FILE,
        "Premier entretien au CDAS : point sur la situation familiale, les ressources et le logement. "
        "Les démarches à engager ont été expliquées et un prochain rendez-vous est fixé.",
    ),
    (
        Note.Kind.APPEL,
        Visibility.TEAM,
        "Appel de la personne : retard de versement, demande de rappel des pièces à fournir. "
        "À revoir en réunion d'équipe.",
    ),
    (
        Note.Kind.OBSERVATION,
        Visibility.PRIVATE,
        "Observation personnelle avant la synthèse : hypothèses de travail à vérifier au prochain entretien.",
    ),
    (
        Note.Kind.VISITE,
        Visibility.FILE,
        "Visite à domicile : logement propre mais humide, chauffage insuffisant. Orientation vers le FSL énergie.",
    ),
]

CLOSING_REASON = "Aide versée, objectifs de l'accompagnement atteints."
GRANT_PURPOSE = "Relais de l'accompagnement : la famille s'installe à Saint-Malo, préparer l'accueil par le CDAS."


def _colleague(spec: Colleague, actor, counts) -> User:
    user = User.objects.filter(email=spec.email).first()
    created = user is None
    if created:
        user = User(email=spec.email, first_name=spec.first_name, last_name=spec.last_name, is_staff=True)
        user.set_unusable_password()
        save_tracked(user, actor, "données de démonstration")
    team = Team.objects.get(code=spec.team)
    if not Membership.objects.filter(user=user, team=team, end_date__isnull=True).exists():
        membership_create(
            actor=actor, user=user, team=team, role=Membership.Role.SOCIAL_WORKER, start_date=datetime.date(2024, 1, 1)
        )
    counts.add("collègues de démonstration (sans connexion)", created=created)
    return user


def _candidates(group: Group, taken: set[int]) -> list[Citizen]:
    """The group's citizens: those living in its communes first, then others (stable: by id)."""
    active = Citizen.objects.filter(status=Citizen.Status.ACTIVE).exclude(pk__in=taken).order_by("pk")
    local = list(
        active.filter(addresses__city__in=group.communes, addresses__end_date__isnull=True).distinct()[: group.count]
    )
    if len(local) < group.count:
        local_ids = {c.pk for c in local}
        local += list(active.exclude(pk__in=local_ids)[: group.count - len(local)])
    return local


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass
class _Seeding:
    """What every file of one run needs: the demo users and teams, and the once-only extras already done."""

    users: dict[str, User]
    teams: dict[str, Team]
    today: datetime.date
    documents_done: bool = False
    grant_done: bool = False


@transaction.atomic
def seed_social_files(*, actor, counts) -> None:
    """Social files, accompaniments, notes, members, documents and one grant for demo citizens."""
    colleagues = {spec.email: _colleague(spec, actor, counts) for spec in COLLEAGUES}
    users = {u.email: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}")} | colleagues
    teams = {t.code: t for t in Team.objects.filter(code__in={g.team for g in GROUPS} | {c.team for c in COLLEAGUES})}
    seeding = _Seeding(users=users, teams=teams, today=timezone.localdate())
    taken: set[int] = set()
    for group in GROUPS:
        citizens = _candidates(group, taken)
        taken |= {c.pk for c in citizens}
        for index, citizen in enumerate(citizens):
            if SocialFile.objects.filter(citizen=citizen).exists():
                counts.add("dossiers sociaux", created=False)
                continue
            _seed_file(citizen, group=group, index=index, seeding=seeding, counts=counts)
    _seed_portal_citizen_document(counts)


def seed(*, actor, counts) -> None:
    """The registered seeder (``demo.social_files``)."""
    seed_social_files(actor=actor, counts=counts)


def _seed_file(citizen, *, group: Group, index: int, seeding: _Seeding, counts) -> None:
    """One citizen's file: its accompaniments and notes, then the Vitré group's members, documents and grant."""
    team = seeding.teams[group.team]
    referent = seeding.users[group.referent]
    file = services.social_file_get_or_create(citizen=citizen, actor=referent, territory=team.territory)
    counts.add("dossiers sociaux", created=True)
    main = _seed_accompaniments(
        file, group=group, index=index, team=team, referent=referent, seeding=seeding, counts=counts
    )
    second = None
    if group.extra and index % group.extra[0] == 0:
        second = _seed_second_accompaniment(file, group=group, referent=referent, seeding=seeding, counts=counts)
    if group.key != "vitre":
        return
    if index % 3 == 1:
        manager = seeding.users[f"responsable.vitre@{DOMAIN}"]
        services.member_add(file=file, user=manager, role="Responsable de CDAS", actor=referent)
        counts.add("intervenants", created=True)
    if not seeding.documents_done and second is not None:
        _seed_documents(file, main, second, referent, seeding.users, counts)
        seeding.documents_done = True
    if not seeding.grant_done and index >= 1:
        services.grant_give(
            file=file,
            actor=referent,
            grantee_team=seeding.teams["asp-cdas-saint-malo"],
            purpose=GRANT_PURPOSE,
            legal_basis=SharingGrant.LegalBasis.L121_6_2,
            family_informed=True,
            expires_at=timezone.now() + datetime.timedelta(days=90),
        )
        counts.add("partages", created=True)
        seeding.grant_done = True


def _seed_accompaniments(file, *, group: Group, index: int, team, referent, seeding: _Seeding, counts):
    """The group's accompaniment (one file in four also has an earlier, closed one) and its notes."""
    programme = group.programmes[index % len(group.programmes)]
    start = seeding.today - datetime.timedelta(days=30 + 37 * index)
    if index % 4 == 1:  # an earlier accompaniment, now closed
        closed_programme = Programme.AUTRE if programme != Programme.AUTRE else Programme.AIDE_FINANCIERE
        earlier = services.accompaniment_open(
            file=file,
            programme=closed_programme,
            team=team,
            actor=referent,
            start_date=start - datetime.timedelta(days=200),
        )
        services.accompaniment_close(accompaniment=earlier, reason=CLOSING_REASON, actor=referent, end_date=start)
        counts.add("accompagnements", created=True)
    main = services.accompaniment_open(
        file=file, programme=programme, team=team, actor=referent, referent=referent, start_date=start
    )
    counts.add("accompagnements", created=True)
    for kind, visibility, text in NOTES[: 3 + index % 2]:
        services.note_write(
            file=file, author=referent, text=text, kind=kind, visibility=visibility, accompaniment=main
        )
        counts.add("notes", created=True)
    return main


def _seed_second_accompaniment(file, *, group: Group, referent, seeding: _Seeding, counts):
    """Another team's accompaniment of the same file, with a note for that team, its worker a member."""
    _, extra_programme, extra_team, extra_email = group.extra
    colleague = seeding.users[extra_email]
    second = services.accompaniment_open(
        file=file, programme=extra_programme, team=seeding.teams[extra_team], actor=colleague, referent=colleague
    )
    counts.add("accompagnements", created=True)
    services.note_write(
        file=file,
        author=colleague,
        text="Évaluation en cours avec l'équipe ; éléments réservés à l'équipe.",
        kind=Note.Kind.OBSERVATION,
        visibility=Visibility.TEAM,
        accompaniment=second,
    )
    counts.add("notes", created=True)
    services.member_add(
        file=file,
        user=colleague,
        role=f"Référent·e {second.get_programme_display()}",
        actor=referent,
        may_see_personal_details=True,
    )
    counts.add("intervenants", created=True)
    return second


def _seed_portal_citizen_document(counts) -> None:
    """A document in the portal citizen's file (her tax notice), so every kind of record the platform keeps
    about a person exists for one demo citizen: what her access archive is tested on."""
    file = SocialFile.objects.filter(citizen__user__email=data.PORTAL_ACCOUNT_EMAIL).first()
    if file is None or file.documents.exists():
        return
    main = file.accompaniments.exclude(referent=None).order_by("pk").first()
    if main is None:
        return
    services.document_add(
        file=file,
        upload=_upload("avis-imposition.pdf", minimal_pdf("Avis d'imposition - demonstration"), "application/pdf"),
        actor=main.referent,
        doc_type="ressources",
        accompaniment=main,
        tags="impôts, ressources",
    )
    counts.add("documents", created=True)


def _seed_documents(file, main, second, referent, users, counts) -> None:
    services.document_add(
        file=file,
        upload=_upload(
            "attestation-caf.pdf", minimal_pdf("Attestation de paiement CAF - demonstration"), "application/pdf"
        ),
        actor=referent,
        doc_type="ressources",
        accompaniment=main,
        tags="CAF, ressources",
    )
    services.document_add(
        file=file,
        upload=_upload("justificatif-domicile.png", small_png(), "image/png"),
        actor=referent,
        doc_type="logement",
        accompaniment=main,
        tags="domicile",
    )
    services.document_add(
        file=file,
        upload=_upload(
            "evaluation-ase.pdf", minimal_pdf("Evaluation ASE - confidentiel - demonstration"), "application/pdf"
        ),
        actor=users[f"ase.vitre@{DOMAIN}"],
        doc_type="rapport",
        accompaniment=second,
        tags="évaluation",
        confidential=True,
    )
    for _ in range(3):
        counts.add("documents", created=True)
