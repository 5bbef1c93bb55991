"""The rules of a "possible non-recours", shared by the nightly batch and the refresh of one person.

A benefit is a possible non-recours for a person when, for their recorded situation and current consent:

1. the engine estimates it above zero for the month (the CSS, which has no amount, is never listed);
2. the household does not already receive it (``RecordedSituation.already_receives``, ticked by the agent);
3. the person has no request for it: a request filed (not a draft) within ``REQUEST_LOOKBACK`` whose
   procedure is the benefit's procedure on this portal (``Benefit.portal_procedure_slug``) or whose team is
   the Département's team for it (RSA: the RSA / insertion teams; APA: the APA / PCH teams). The national
   benefits (CAF, MSA, caisse de retraite, ameli) are not requested here: only the ticks of point 2 count;
4. the person has no open accompaniment of the programme that deals with it (``ACCOMPANYING_PROGRAMMES``):
   the team that accompanies them for it already knows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from demandes.models import Request
from dossier_unique.models import Accompaniment, Programme
from droits.engine import BENEFITS
from grc.models import Team

REQUEST_LOOKBACK = datetime.timedelta(days=730)

# The programme whose accompaniment means a team already works on the benefit with the person.
ACCOMPANYING_PROGRAMMES: dict[str, frozenset[str]] = {
    "rsa": frozenset({Programme.RSA, Programme.INSERTION}),
    # The prime d'activité is examined with the RSA (same CAF file, same referent's budget review).
    "prime_activite": frozenset({Programme.RSA, Programme.INSERTION}),
    "apa": frozenset({Programme.APA}),
    # The MDPH application that opens the AAH is the one of the PCH, prepared with the APA / PCH team.
    "aah": frozenset({Programme.PCH}),
    "aides_logement": frozenset({Programme.LOGEMENT_FSL}),
}
# The Département's own benefits: a request to the team that instructs them counts as a request.
REQUEST_TEAM_KINDS: dict[str, frozenset[str]] = {
    "rsa": frozenset({Team.Kind.RSA}),
    "apa": frozenset({Team.Kind.APA_PCH}),
}


def _procedure_slugs() -> dict[str, str]:
    return {b.code: b.portal_procedure_slug for b in BENEFITS if b.portal_procedure_slug}


def blocked_benefits(citizen_ids) -> dict[int, set[str]]:
    """For each citizen, the benefits they asked for or are accompanied for (rules 3 and 4): two queries."""
    citizen_ids = list(citizen_ids)
    blocked: dict[int, set[str]] = defaultdict(set)
    if not citizen_ids:
        return blocked
    slugs = _procedure_slugs()
    by_slug = defaultdict(set)
    for code, slug in slugs.items():
        by_slug[slug].add(code)
    by_team_kind = defaultdict(set)
    for code, kinds in REQUEST_TEAM_KINDS.items():
        for kind in kinds:
            by_team_kind[kind].add(code)
    since = timezone.now() - REQUEST_LOOKBACK
    requests = (
        Request.objects.filter(citizen_id__in=citizen_ids)
        .exclude(status=Request.Status.DRAFT)
        .filter(Q(submitted_at__isnull=True) | Q(submitted_at__gte=since))
        .filter(Q(team__kind__in=list(by_team_kind)) | Q(procedure__slug__in=list(by_slug)))
        .values_list("citizen_id", "team__kind", "procedure__slug")
    )
    for citizen_id, team_kind, slug in requests:
        blocked[citizen_id] |= by_team_kind.get(team_kind, set()) | by_slug.get(slug, set())
    by_programme = defaultdict(set)
    for code, programmes in ACCOMPANYING_PROGRAMMES.items():
        for programme in programmes:
            by_programme[programme].add(code)
    accompaniments = Accompaniment.objects.filter(
        file__citizen_id__in=citizen_ids, status=Accompaniment.Status.OPEN, programme__in=list(by_programme)
    ).values_list("file__citizen_id", "programme")
    for citizen_id, programme in accompaniments:
        blocked[citizen_id] |= by_programme[programme]
    return blocked


def possible_non_recours(estimate, *, already_receives, blocked) -> list[tuple[str, Decimal]]:
    """The (benefit code, monthly amount) of ``estimate`` that are possible non-recours (rules 1 and 2, and
    ``blocked`` from ``blocked_benefits`` for 3 and 4), in the engine's order."""
    skip = set(already_receives or ()) | set(blocked or ())
    return [(b.code, b.monthly_amount) for b in estimate.benefits if b.monthly_amount > 0 and b.code not in skip]
