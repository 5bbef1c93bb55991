"""Demo rights estimates: three people followed in a CDAS, with their consent and a recorded situation — one
single person with no resources (RSA), a family of three children (allocations familiales), an elderly person
with a small pension and a GIR 3 (ASPA, APA) — and the possible non-recours computed for the demo teams (one
vectorised simulation). Through the services, recorded by an agent of a team that follows the file.
Idempotent: a person who already has a recorded situation is left as is.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from dossier_unique.models import Accompaniment, Programme
from dossier_unique.perms import FILE_ROLES
from droits import batch, services
from droits.models import RecordedSituation
from grc.models import Membership
from grc.perms import membership_current_q

from ..records import Counts


def _years_ago(years: int, month: int = 3) -> datetime.date:
    return datetime.date(timezone.localdate().year - years, month, 1)


CASES = [
    # (programme of the accompaniment to pick the person from, members, housing, rent, benefits already received)
    (
        Programme.PMI,
        [{"role": "demandeur", "birth_date": _years_ago(34), "first_name": "", "unemployment_monthly": "0"}],
        "locataire",
        "410",
        [],
    ),
    (
        Programme.ASE,
        [
            {"role": "demandeur", "birth_date": _years_ago(41), "salary_monthly": "1650"},
            {"role": "conjoint", "birth_date": _years_ago(39), "salary_monthly": "900"},
            {"role": "enfant", "birth_date": _years_ago(12)},
            {"role": "enfant", "birth_date": _years_ago(9)},
            {"role": "enfant", "birth_date": _years_ago(4)},
        ],
        "locataire",
        "720",
        ["aides_logement"],
    ),
    (
        Programme.APA,
        [{"role": "demandeur", "birth_date": _years_ago(78), "pension_monthly": "690", "gir": 3}],
        "proprietaire",
        "0",
        [],
    ),
]


def _followed(programme, taken):
    """An open accompaniment of ``programme`` whose person has no situation yet, and an agent of its team."""
    accompaniments = (
        Accompaniment.objects.filter(programme=programme, status=Accompaniment.Status.OPEN)
        .exclude(file__citizen_id__in=taken)
        .select_related("file", "team")
        .order_by("pk")
    )
    for accompaniment in accompaniments[:20]:
        membership = (
            Membership.objects.filter(membership_current_q(roles=FILE_ROLES), team=accompaniment.team)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            return accompaniment.file, membership.user
    return None, None


def seed(*, actor, counts: Counts) -> None:
    """Three recorded situations with consent, then the possible non-recours (see the module)."""
    existing = RecordedSituation.objects.count()
    if existing >= len(CASES):
        counts.existing["situations enregistrées (droits)"] += existing
        return
    taken = set(RecordedSituation.objects.values_list("citizen_id", flat=True))
    for programme, members, housing, rent, receives in CASES:
        file, agent = _followed(programme, taken)
        if file is None:
            continue
        taken.add(file.citizen_id)
        services.consent_record(actor=agent, file=file, method="oral")
        services.situation_save(
            actor=agent,
            file=file,
            housing_status=housing,
            rent_monthly=Decimal(rent),
            commune_code=_commune(file),
            already_receives=receives,
            members=members,
        )
        counts.add("situations enregistrées (droits)", created=True)
    run = batch.non_recours_rebuild()
    counts.created["non-recours possibles (droits)"] += run.rows_written


def _commune(file) -> str:
    address = file.citizen.addresses.filter(end_date__isnull=True).exclude(insee_code="").order_by("-pk").first()
    return address.insee_code if address else "35238"
