"""The search suite's world, indexed through the real path (signals → tasks after commit), and the
backend parametrisation: PostgreSQL always; Elasticsearch only when ELASTICSEARCH_URL is set (the
parameter is then collected; without it, it does not exist — nothing is skipped)."""

import datetime
import os
from types import SimpleNamespace

import pytest
from django.utils import timezone

from demandes.models import Request
from dossier_unique import services as dsu
from dossier_unique.models import Programme, Visibility
from grc.models import ContactPoint, Membership
from mail.models import MailItem
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory

BACKENDS = ["postgresql"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    settings.SEARCH_BACKEND = request.param
    from search.backends import get_backend

    engine = get_backend(request.param)
    if request.param == "elasticsearch":
        settings.ELASTICSEARCH_INDEX_PREFIX = f"test-{os.getpid()}"
        engine = get_backend(request.param)
        engine.reset()
        yield engine
        engine.drop()
    else:
        yield engine


def _mail(number, team, citizen, text, uploader):
    return MailItem.objects.create(
        registration_number=f"2026-C-{number:06d}",
        year=2026,
        number=number,
        original=f"mail/x/{number}",
        original_name="scan.pdf",
        content_type="application/pdf",
        size=1000,
        sha256=f"{number:064d}",
        uploaded_by=uploader,
        status=MailItem.Status.ROUTED,
        ocr_text=text,
        citizen=citizen,
        team=team,
    )


def _note(file, accompaniment, author, kind, visibility, text):
    return dsu.note_write(
        file=file,
        author=author,
        text=text,
        kind=kind,
        visibility=visibility,
        accompaniment=accompaniment,
    )


@pytest.fixture
def world(backend, team_a, team_b, worker_a, colleague_a, worker_b, django_capture_on_commit_callbacks):
    """Two CDAS teams, their people, citizens, files, notes of each visibility, a request, a letter."""
    with django_capture_on_commit_callbacks(execute=True):
        mail_team = TeamFactory(name="Courrier", kind="courrier")
        mailroom = MembershipFactory(team=mail_team, role=Membership.Role.MAILROOM_AGENT).user
        le_goff = CitizenFactory(
            birth_name="Le Goff",
            first_names="Jean-Pierre",
            birth_date=datetime.date(1985, 3, 12),
            nir="185033523812345",
        )
        ContactPoint.objects.create(citizen=le_goff, kind=ContactPoint.Kind.MOBILE, value="06 12 34 56 78")
        helene = CitizenFactory(
            birth_name="Dupont", usage_name="Martin", first_names="Hélène", birth_date=datetime.date(1972, 7, 1)
        )
        redon = CitizenFactory(birth_name="Quéméner", first_names="Yannick", birth_date=datetime.date(1990, 1, 5))
        file_a, acc_a = open_file(citizen=le_goff, team=team_a, actor=worker_a, referent=worker_a)
        file_b, acc_b = open_file(citizen=redon, team=team_b, actor=worker_b, programme=Programme.RSA)
        note_file = _note(
            file_a,
            acc_a,
            worker_a,
            "entretien",
            Visibility.FILE,
            "Rendez-vous pris avec la caisse d'allocations familiales.",
        )
        note_team = _note(
            file_a, acc_a, worker_a, "observation", Visibility.TEAM, "Violences conjugales signalées par la voisine."
        )
        note_private = _note(
            file_a,
            acc_a,
            worker_a,
            "observation",
            Visibility.PRIVATE,
            "Hypothèse personnelle : dépendance à l'alcool du conjoint.",
        )
        note_b = _note(
            file_b,
            acc_b,
            worker_b,
            "entretien",
            Visibility.FILE,
            "Procédure d'expulsion locative engagée par le bailleur.",
        )
        request = Request.objects.create(
            tracking_code="D-2026-7K3M9Q",
            procedure_title="Demande d'aide financière",
            citizen=le_goff,
            status=Request.Status.SUBMITTED,
            submitted_at=timezone.now(),
            team=team_a,
            answers={"motif": "Ma facture d'électricité est impayée depuis trois mois."},
        )
        letter = _mail(
            123, team_a, le_goff, "Madame, Monsieur, je crains une coupure d'électricité cet hiver.", mailroom
        )
    return SimpleNamespace(
        team_a=team_a,
        team_b=team_b,
        worker_a=worker_a,
        colleague_a=colleague_a,
        worker_b=worker_b,
        mailroom=mailroom,
        le_goff=le_goff,
        helene=helene,
        redon=redon,
        file_a=file_a,
        file_b=file_b,
        acc_a=acc_a,
        note_file=note_file,
        note_team=note_team,
        note_private=note_private,
        note_b=note_b,
        request=request,
        letter=letter,
        backend=backend,
    )
