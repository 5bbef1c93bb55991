"""Reads of rights estimates. Each takes the user, applies ``droits.perms`` and logs reads of personal data.

- The rights page of a file (consent, situation, saved estimates) opens the file through
  ``dossier_unique.selectors.file_get``: one ``file.view`` row per page, then the lists read without logging
  again (the social file's own convention). A file the user may not estimate on is a 404.
- A saved estimate read alone is logged as a file read naming the estimate.
- The "Non-recours possible" list writes one row per page shown (the citizens listed, the filters), with the
  action of citizen lists (``citizen.search``: the access log has no "list" action of its own yet); opening a
  person from it opens their rights page, logged as above.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import Http404

from dossier_unique.models import SocialFile
from dossier_unique.selectors import file_get
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write, access_log_write_each

from . import perms
from .models import EstimateConsent, NonRecours, NonRecoursRun, RecordedSituation, RightsEstimate

NON_RECOURS_PAGE_SIZE = 25


def file_for_rights(*, user, pk, request=None):
    """The social file ``pk`` for its rights page, logged as one read of the file; 404 when the user may not
    see it or has no team that follows files."""
    if not perms.can_list_non_recours(user):
        raise Http404
    return file_get(user=user, pk=pk, request=request)


def consent_current(*, user, file) -> EstimateConsent | None:
    """The person's current consent (``file`` comes from ``file_for_rights``, already logged)."""
    return EstimateConsent.objects.filter(citizen_id=file.citizen_id, withdrawn_at__isnull=True).first()


def consent_history(*, user, file) -> list[EstimateConsent]:
    """Every consent given and withdrawn, newest first, with who recorded it."""
    return list(
        EstimateConsent.objects.filter(citizen_id=file.citizen_id)
        .select_related("recorded_by", "withdrawn_by")
        .order_by("-recorded_at", "-pk")
    )


def situation_of(*, user, file) -> RecordedSituation | None:
    """The recorded situation with its members (in order) and commune, or None."""
    situation = (
        RecordedSituation.objects.filter(citizen_id=file.citizen_id).select_related("commune", "updated_by").first()
    )
    if situation is not None:
        situation.member_list = list(situation.members.order_by("position", "pk"))
    return situation


def estimates_of(*, user, file, limit: int = 20) -> list[RightsEstimate]:
    """The saved estimates of the file's person that ``user`` may read (their team's, or their own), newest
    first."""
    return list(
        RightsEstimate.objects.filter(perms.visible_estimates_q(user), citizen_id=file.citizen_id)
        .select_related("team", "created_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def estimate_get(*, user, pk, request=None) -> RightsEstimate:
    """One saved estimate the user may read (its file visible, their team's or their own), logged; else 404."""
    if not perms.can_list_non_recours(user):
        raise Http404
    estimate = (
        RightsEstimate.objects.filter(perms.visible_estimates_q(user), pk=pk)
        .select_related("team", "created_by")
        .first()
    )
    if estimate is None:
        raise Http404
    file = file_get(user=user, pk=_file_pk(estimate.citizen_id), request=request, log=False)
    access_log_write(
        actor=user,
        action=AccessLog.Action.FILE_VIEW,
        citizen=estimate.citizen_id,
        obj=estimate,
        purpose="estimation des droits",
        request=request,
    )
    estimate.file = file
    return estimate


def _file_pk(citizen_id):
    pk = SocialFile.objects.filter(citizen_id=citizen_id).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    return pk


def non_recours_page(
    *, user, benefit: str = "", commune: str = "", page=1, request=None, per_page: int = NON_RECOURS_PAGE_SIZE
) -> Page:
    """One page of the possible non-recours of the files ``user`` may see, the largest amounts first, filtered
    by benefit and commune; logged as one read listing the page's citizens. 404 for who may not list."""
    if not perms.can_list_non_recours(user):
        raise Http404
    rows = NonRecours.objects.filter(perms.visible_non_recours_q(user))
    if benefit:
        rows = rows.filter(benefit=benefit)
    if commune:
        rows = rows.filter(commune_id=commune)
    # The page is cut on the rows alone (a top-N sort of the visible rows), then only its rows are joined to
    # their citizen and commune: joining first made PostgreSQL join every visible row before sorting.
    shown = Paginator(rows.order_by("-monthly_amount", "pk").only("pk"), per_page).get_page(page)
    ids = [row.pk for row in shown.object_list]
    by_pk = NonRecours.objects.filter(pk__in=ids).select_related("citizen", "commune").in_bulk()
    shown.object_list = [by_pk[pk] for pk in ids]
    if shown.object_list:
        filters = ", ".join(f for f in (benefit, commune) if f) or "aucun filtre"
        # One row per person shown (their estimated benefit is on the page): the DPO's "who read this person"
        # finds the list too.
        access_log_write_each(
            actor=user,
            action=AccessLog.Action.RIGHTS_NONRECOURS_LIST,
            citizens=[(row.citizen_id, row.pk) for row in shown.object_list],
            object_type="droits.nonrecours",
            purpose=f"non-recours possibles, page {shown.number} ({filters})"[:255],
            request=request,
        )
    return shown


def non_recours_last_run(*, user) -> NonRecoursRun | None:
    """The last finished run of the batch (when the list was computed); no personal data."""
    if not perms.can_list_non_recours(user):
        raise Http404
    return NonRecoursRun.objects.exclude(status=NonRecoursRun.Status.RUNNING).order_by("-started_at").first()
