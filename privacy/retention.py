"""Retention: what each rule removes, the dry-run report, the export for the Archives départementales
written before anything is destroyed, and anonymisation that keeps statistics.

One entry point, ``retention_apply(*, rule, actor=None, dry_run=False)``, records a ``RetentionRun``
(who, when, rule, counts, exports). Per purpose:

* **social_file** — files without an open accompaniment and without any contact (note, document,
  timeline entry, accompaniment start or end) since the cutoff: notes and documents deleted (and the
  bytes), their timeline entries deleted, accompaniments keep programme / team / dates / status
  (closing reason cleared), grant purposes and emergency-access reasons replaced by "Anonymisé".
* **request** — requests decided (accepted, refused, closed) before the cutoff, and drafts not touched
  since: answers, decision reason, messages, attachments (and bytes) and step comments removed,
  unlinked from the citizen and the portal account; procedure, channel, status, team, dates kept.
* **mail** — letters handled (or routed) before the cutoff: scan bytes deleted, recognised text, pages
  text, sender and suggestions removed, unlinked from the citizen; number, dates, type, team kept.
* **portal_account** — citizens' accounts without a login since the cutoff: a warning e-mail
  ``warning_days`` before; closed (deactivated, e-mail and names replaced) once warned at least
  ``warning_days`` ago.
* **access_archive** — access-right archives (ZIP copies of everything about a person, already sent)
  compiled before the cutoff: the file is deleted from the private storage (after commit) and the row
  marked purged (``purged_at``); the row stays as the proof of the answer (who, when, for which request,
  SHA-256). Never exported (they are copies) and never anonymises a citizen.
* **gdpr_register** — GDPR register entries closed (answered or refused) before the cutoff: the
  requester's identity becomes "Anonymisé", their own words (``details``) and the DPO's notes are cleared,
  the links to the citizen and the portal account removed, in the history too (with the free text of
  status changes); the proof of the answer stays (reference, right, channel, dates, deadline, extension,
  status, owner, answer date, refusal reason, access-archive and erasure rows). The portal's account
  deletion request behind an entry loses its e-mail, reason, note and links the same way. Exported only
  when the DPO ticks it; never anonymises a citizen.
* **access_log** — ``grc.audit.retention.access_log_purge(before=cutoff, ...)`` (DPO-console area).

After each of the first four, a citizen left with nothing (no file still kept, no request, no letter,
no active account) is **anonymised**: names "Anonymisé", birth date → 1 January of the birth year, NIR,
birth place and contact points removed, address lines removed (postcode, commune and INSEE code
kept), household memberships kept (role, dates). The same goes for records merged into it.

**Propagation**: history rows (django-simple-history) of deleted objects are deleted and those of
anonymised objects rewritten to the anonymised values; timeline entries of deleted sources are
deleted; search documents of the citizen and of deleted objects are deleted; stored files are deleted
after the transaction commits (a rollback never loses a file still referenced).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
import smtplib
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import DateField, Exists, Func, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, ExtractYear, Left, StrIndex
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier_unique.models import (
    Accompaniment,
    Document,
    EmergencyAccess,
    FileMember,
    Note,
    SharingGrant,
    SocialFile,
    TimelineEntry,
)
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.history import save_tracked
from mail.models import MailItem
from grc.matching import normalised_fields
from grc.models import (
    Address,
    Citizen,
    CitizenMerge,
    ContactPoint,
    DuplicateSuspicion,
    Household,
    HouseholdMembership,
    User,
)
from demandes.models import Request, RequestAttachment, RequestMessage
from grc.scheduling import enqueue_on_commit

from .models import (
    AccessArchive,
    ErasureExecution,
    GdprRequest,
    RetentionDone,
    RetentionExport,
    RetentionRule,
    RetentionRun,
    RetentionWarning,
    add_months,
)

logger = logging.getLogger(__name__)

ANONYMISED = "Anonymisé"
ANONYMISED_NAME = "ANONYMISÉ"
P = RetentionRule.Purpose


# --- default rules ----------------------------------------------------------------------------

DEFAULT_RULES = [
    {
        "purpose": P.SOCIAL_FILE,
        "label": "Dossiers sociaux : 2 ans après le dernier contact",
        "duration_months": 24,
        "warning_days": 0,
        "export_before_destruction": True,
        "legal_reference": (
            "CNIL, référentiel relatif aux traitements de données personnelles mis en œuvre dans le cadre de "
            "l'accueil, l'hébergement et l'accompagnement social et médico-social (2021) : 2 ans après le "
            "dernier contact en base active ; CASF art. L121-6-2 et L226-2-2 ; versement aux Archives "
            "départementales avant élimination (code du patrimoine art. L212-2 et L212-3, visa du service "
            "d'archives)."
        ),
    },
    {
        "purpose": P.ACCESS_LOG,
        "label": "Journal des accès : 1 an",
        "duration_months": 12,
        "warning_days": 0,
        "export_before_destruction": False,
        "legal_reference": (
            "CNIL, recommandation relative à la journalisation (2021) : 6 mois à 1 an, jusqu'à 3 ans lorsque "
            "le risque le justifie (données sensibles de l'action sociale) — durée à justifier dans l'analyse "
            "d'impact."
        ),
    },
    {
        "purpose": P.PORTAL_ACCOUNT,
        "label": "Comptes du portail : fermés après 2 ans sans connexion (préavis d'un mois)",
        "duration_months": 24,
        "warning_days": 30,
        "export_before_destruction": False,
        "legal_reference": (
            "RGPD art. 5(1)(e) (limitation de la conservation) ; CNIL, référentiel « gestion des comptes "
            "usagers » et recommandations sur les comptes inactifs : 2 ans d'inactivité, l'usager étant "
            "prévenu avant la suppression."
        ),
    },
    {
        "purpose": P.REQUEST,
        "label": "Demandes : 5 ans après la décision",
        "duration_months": 60,
        "warning_days": 0,
        "export_before_destruction": True,
        "legal_reference": (
            "Code civil art. 2224 (prescription de droit commun, 5 ans) et CASF (recours sur les décisions "
            "d'aide sociale, répétition de l'indu) ; versement aux Archives départementales avant "
            "élimination (code du patrimoine art. L212-2 et L212-3)."
        ),
    },
    {
        "purpose": P.MAIL,
        "label": "Courriers entrants : 5 ans après traitement",
        "duration_months": 60,
        "warning_days": 0,
        "export_before_destruction": True,
        "legal_reference": (
            "Alignée sur les demandes qu'ils accompagnent (code civil art. 2224) ; le courrier utile est "
            "versé au dossier ou à la demande ; code du patrimoine art. L212-2 et L212-3 (visa des Archives "
            "départementales avant élimination)."
        ),
    },
    {
        "purpose": P.ACCESS_ARCHIVE,
        "label": "Archives de droit d'accès : 3 mois après leur constitution",
        "duration_months": 3,
        "warning_days": 0,
        "export_before_destruction": False,
        "legal_reference": (
            "RGPD art. 5(1)(c) (minimisation) et 5(1)(e) (limitation de la conservation) : l'archive est une "
            "copie, déjà communiquée à la personne, de données conservées par ailleurs ; elle est gardée le temps "
            "d'un renvoi ou d'une contestation, puis le fichier est supprimé. La trace de la réponse (date, "
            "auteur, demande, empreinte SHA-256) est conservée avec le registre (art. 5(2), responsabilité). "
            "Pas de versement aux Archives départementales : ce sont des copies."
        ),
    },
    {
        "purpose": P.GDPR_REGISTER,
        "label": "Registre des demandes RGPD : identité du demandeur anonymisée 6 ans après la clôture",
        "duration_months": 72,
        "warning_days": 0,
        "export_before_destruction": False,
        "legal_reference": (
            "Preuve du traitement des demandes (RGPD art. 5(2), responsabilité) : 6 ans après la clôture (réponse "
            "ou refus), durée de prescription des délits des art. 226-16 s. du code pénal ; choix du Département, "
            "à confirmer dans le registre des traitements. L'entrée est alors anonymisée (identité déclarée, "
            "précisions du demandeur, notes internes, liens vers l'usager et le compte du portail) ; la trace de "
            "la réponse (référence, droit exercé, dates, échéances, statut, motif du refus) est conservée."
        ),
    },
]

# The register keeps the proof that a request was answered (art. 5(2)): not shorter than a year, so an entry is
# never anonymised while the answer may still be contested before the DPO or the CNIL.
GDPR_REGISTER_MIN_MONTHS = 12


@transaction.atomic
def retention_rules_ensure(*, actor) -> list[RetentionRule]:
    """Create the default rules that are missing (existing rules, possibly edited, are left alone)."""
    rules = []
    for spec in DEFAULT_RULES:
        rule = RetentionRule.objects.filter(purpose=spec["purpose"]).first()
        if rule is None:
            rule = save_tracked(RetentionRule(**spec), actor, "règle par défaut")
        rules.append(rule)
    return rules


@transaction.atomic
def retention_rule_update(*, rule: RetentionRule, actor, **changes) -> RetentionRule:
    """Edit a rule (DPO only): label, duration, legal reference, warning, export, active."""
    from .perms import is_dpo

    if not is_dpo(actor):
        raise PermissionDenied
    allowed = {"label", "duration_months", "legal_reference", "warning_days", "export_before_destruction", "is_active"}
    if set(changes) - allowed:
        raise TypeError(f"not editable: {sorted(set(changes) - allowed)}")
    errors = {}
    if "duration_months" in changes and not (1 <= int(changes["duration_months"] or 0) <= 1200):
        errors["duration_months"] = "La durée doit être comprise entre 1 et 1200 mois."
    if "warning_days" in changes and not (0 <= int(changes["warning_days"] or 0) <= 365):
        errors["warning_days"] = "Le préavis doit être compris entre 0 et 365 jours."
    if rule.purpose == P.ACCESS_LOG:
        months = int(changes.get("duration_months", rule.duration_months) or 0)
        from grc.audit.retention import min_retention_days

        min_days = min_retention_days()
        if months > 36:
            errors["duration_months"] = "Le journal des accès ne peut pas être conservé plus de 3 ans."
        elif months * 31 < min_days:
            errors["duration_months"] = (
                f"Le journal des accès doit être conservé au moins {min_days} jours (ACCESS_LOG_MIN_RETENTION_DAYS)."
            )
    if rule.purpose == P.GDPR_REGISTER:
        months = int(changes.get("duration_months", rule.duration_months) or 0)
        if months < GDPR_REGISTER_MIN_MONTHS and "duration_months" not in errors:
            errors["duration_months"] = (
                f"Le registre des demandes RGPD doit garder l'identité du demandeur au moins "
                f"{GDPR_REGISTER_MIN_MONTHS} mois après la clôture (preuve du traitement de la demande)."
            )
    if "legal_reference" in changes and not (changes["legal_reference"] or "").strip():
        errors["legal_reference"] = "Indiquez la référence légale qui fonde cette durée."
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(rule, name, value)
    return save_tracked(rule, actor, "modification de la règle")


# --- helpers ----------------------------------------------------------------------------------


def _optional_model(label: str, name: str):
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _history(model):
    return model.history.model


def _delete_files(names_by_storage: list[tuple[object, str]]) -> None:
    for storage, name in names_by_storage:
        if name:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - already gone, or a storage error: logged without the name
                logger.warning("retention: could not delete a stored file")


def _search_forget(*, citizen_ids=(), objects=(), file_ids=()) -> None:
    """After commit, rebuild the search documents of what changed (``search.indexing`` deletes those whose
    object is gone and rebuilds the others from the anonymised rows), on whichever backend is in use."""
    try:
        from search import documents, indexing
    except ImportError:  # pragma: no cover - search not installed
        return
    citizen_ids, file_ids = list(citizen_ids), list(file_ids)
    objects = [(getattr(documents, kind), list(ids)) for kind, ids in objects if ids]

    def refresh():
        try:
            if file_ids:
                indexing.refresh_files(file_ids)
            for kind, ids in objects:
                indexing.refresh(kind, ids)
            if citizen_ids:
                indexing.refresh_citizens(citizen_ids)
        except Exception:  # the data is anonymised; a stale index is fixed by ``search_reindex``
            logger.exception("retention: search index refresh failed, run search_reindex")

    transaction.on_commit(refresh)


def _timeline_forget(*, source_type: str, source_ids) -> int:
    ids = list(
        TimelineEntry.objects.filter(
            source_type=source_type, source_id__in=[str(pk) for pk in source_ids]
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    TimelineEntry.objects.filter(pk__in=ids).delete()
    _history(TimelineEntry).objects.filter(id__in=ids).delete()
    return len(ids)


def _make_date_of_year():
    year = Cast(ExtractYear("birth_date"), IntegerField())
    return Func(year, Value(1), Value(1), function="make_date", output_field=DateField())


def citizen_is_unused(citizen_id: int) -> bool:
    """True when nothing kept needs the identity: no social file still kept, no request, no letter,
    no active portal account (for the citizen or a record merged into it)."""
    ids = [citizen_id, *Citizen.objects.filter(merged_into_id=citizen_id).values_list("pk", flat=True)]
    kept_files = SocialFile.objects.filter(citizen_id__in=ids).exclude(
        Exists(RetentionDone.objects.filter(purpose=P.SOCIAL_FILE, object_id=OuterRef("pk")))
    )
    if kept_files.exists():
        return False
    if Request.objects.filter(citizen_id__in=ids).exists() or MailItem.objects.filter(citizen_id__in=ids).exists():
        return False
    return not Citizen.objects.filter(pk__in=ids, user__is_active=True).exists()


def citizen_anonymise(*, citizen: Citizen, actor, reason: str, refresh_search: bool = True) -> list[int]:
    """Anonymise a citizen (and the records merged into it) keeping what statistics need, rewrite their
    history, delete contact points and refresh their search documents (callers anonymising many at
    once pass ``refresh_search=False`` and refresh them together). Returns the anonymised ids."""
    ids = [citizen.pk]
    frontier = [citizen.pk]
    while frontier:
        frontier = [
            pk
            for pk in Citizen.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
            if pk not in ids
        ]
        ids.extend(frontier)
    derived = normalised_fields(birth_name=ANONYMISED_NAME, usage_name="", first_names=ANONYMISED)
    anonymous = {
        "birth_name": ANONYMISED_NAME,
        "usage_name": "",
        "first_names": ANONYMISED,
        "birth_place": "",
        "birth_place_code": "",
        "nir": "",
        **derived,
    }
    # Unlink portal accounts first (one account, one citizen); the account rule closes them.
    for person in Citizen.objects.filter(pk__in=ids).order_by("-pk"):
        for name, value in anonymous.items():
            setattr(person, name, value)
        if person.birth_date is not None:
            person.birth_date = datetime.date(person.birth_date.year, 1, 1)
        person.user = None
        save_tracked(person, actor, reason)
    for address in Address.objects.filter(citizen_id__in=ids):
        address.line1 = ""
        address.line2 = ""
        save_tracked(address, actor, reason)
    ContactPoint.objects.filter(citizen_id__in=ids).delete()
    # History: the old values must not survive in historical rows.
    _history(Citizen).objects.filter(id__in=ids).update(**anonymous, user_id=None, birth_date=_make_date_of_year())
    _history(Address).objects.filter(citizen_id__in=ids).update(line1="", line2="")
    _history(ContactPoint).objects.filter(citizen_id__in=ids).delete()
    merges = CitizenMerge.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
    merges.update(target_before={}, field_choices={}, reason=ANONYMISED)
    _history(CitizenMerge).objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).update(
        target_before={}, field_choices={}, reason=ANONYMISED
    )
    # Duplicate suspicions: the matching reasons and the decision note may quote the identity.
    suspicions = Q(citizen_a_id__in=ids) | Q(citizen_b_id__in=ids)
    DuplicateSuspicion.objects.filter(suspicions).update(reasons=[], decision_note="")
    _history(DuplicateSuspicion).objects.filter(suspicions).update(reasons=[], decision_note="")
    # A household label usually carries family names: cleared once every member is anonymised.
    household_ids = set(HouseholdMembership.objects.filter(citizen_id__in=ids).values_list("household_id", flat=True))
    still_named = set(
        HouseholdMembership.objects.filter(household_id__in=household_ids)
        .exclude(citizen__birth_name=ANONYMISED_NAME)
        .values_list("household_id", flat=True)
    )
    for household in Household.objects.filter(pk__in=household_ids - still_named).exclude(label=""):
        household.label = ""
        save_tracked(household, actor, reason)
    _history(Household).objects.filter(id__in=household_ids - still_named).update(label="")
    gdpr = apps.get_model("privacy", "GdprRequest")
    # The requester's own words (what to correct, what they object to) go with their identity.
    gdpr.objects.filter(citizen_id__in=ids).update(requester_identity=ANONYMISED, details="")
    _history(gdpr).objects.filter(citizen_id__in=ids).update(requester_identity=ANONYMISED, details="")
    # Access-right archives sent to this person hold a full copy of their data: the bytes go (after
    # commit), the row stays as the proof of the answer (date, SHA-256).
    archive_model = apps.get_model("privacy", "AccessArchive")
    archives = list(archive_model.objects.filter(citizen_id__in=ids).exclude(content=""))
    names = [(a.content.storage, a.content.name) for a in archives]
    archive_model.objects.filter(pk__in=[a.pk for a in archives]).update(content="", purged_at=timezone.now())
    _history(archive_model).objects.filter(citizen_id__in=ids).update(content="")
    transaction.on_commit(lambda: _delete_files(names))
    if refresh_search:
        _search_forget(citizen_ids=ids)
    return ids


def _anonymise_unused(citizen_ids, actor, reason, counts: Counter) -> None:
    anonymised = []
    for citizen_id in sorted(set(filter(None, citizen_ids))):
        citizen = Citizen.objects.filter(pk=citizen_id, status=Citizen.Status.ACTIVE).first()
        if citizen is None or citizen.birth_name == ANONYMISED_NAME:
            continue
        if citizen_is_unused(citizen_id):
            anonymised += citizen_anonymise(citizen=citizen, actor=actor, reason=reason, refresh_search=False)
    counts["citizens_anonymised"] += len(anonymised)
    if anonymised:
        _search_forget(citizen_ids=anonymised)


# --- purposes ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Purpose:
    """What one purpose needs: candidates (ids), a description for the dry run, the export, the action."""

    candidates: Callable[[RetentionRule, datetime.datetime], models.QuerySet]
    describe: Callable[[list[int]], list[dict]]
    export: Callable[[list[int]], tuple[list, list]]
    apply: Callable[[list[int], object, str, Counter], list[tuple[object, str]]]
    citizen_ids: Callable[[list[int]], list[int]]
    # The citizens whose data an export holds, for its access-log rows, when they are not ``citizen_ids``
    # (a purpose that never anonymises a citizen still exports their data).
    export_citizen_ids: Callable[[list[int]], list[int]] | None = None


def _not_done(queryset, purpose):
    return queryset.exclude(Exists(RetentionDone.objects.filter(purpose=purpose, object_id=OuterRef("pk"))))


def _mark_done(purpose, ids, run) -> None:
    RetentionDone.objects.bulk_create([RetentionDone(purpose=purpose, object_id=pk, run=run) for pk in ids])


def _serialise(objects) -> list:
    return json.loads(serializers.serialize("json", objects))


# social files


def _file_candidates(rule, cutoff):
    cutoff_day = timezone.localtime(cutoff).date()
    recent = (
        Q(Exists(Accompaniment.objects.filter(file=OuterRef("pk"), status=Accompaniment.Status.OPEN)))
        | Q(Exists(Accompaniment.objects.filter(file=OuterRef("pk"), start_date__gte=cutoff_day)))
        | Q(Exists(Accompaniment.objects.filter(file=OuterRef("pk"), end_date__gte=cutoff_day)))
        | Q(Exists(Note.objects.filter(file=OuterRef("pk"), created_at__gte=cutoff)))
        | Q(Exists(Document.objects.filter(file=OuterRef("pk"), uploaded_at__gte=cutoff)))
        | Q(Exists(TimelineEntry.objects.filter(file=OuterRef("pk"), occurred_at__gte=cutoff)))
        | Q(created_at__gte=cutoff)
    )
    return _not_done(SocialFile.objects.exclude(recent), P.SOCIAL_FILE).order_by("pk")


def _file_describe(ids):
    last = {
        row["file_id"]: row["last"]
        for row in TimelineEntry.objects.filter(file_id__in=ids)
        .values("file_id")
        .annotate(last=models.Max("occurred_at"))
    }
    rows = []
    for pk, created in SocialFile.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "created_at"):
        reference = last.get(pk) or created
        rows.append({"type": "dossier social", "id": pk, "date": timezone.localtime(reference).date().isoformat()})
    return rows


def _file_export(ids):
    files = list(SocialFile.objects.filter(pk__in=ids).select_related("citizen"))
    records, attachments = [], []
    for social_file in files:
        documents = list(Document.objects.filter(file=social_file))
        records.append(
            {
                "dossier": _serialise([social_file]),
                "usager": _serialise([social_file.citizen]),
                "adresses": _serialise(Address.objects.filter(citizen_id=social_file.citizen_id)),
                "foyers": _serialise(HouseholdMembership.objects.filter(citizen_id=social_file.citizen_id)),
                "accompagnements": _serialise(Accompaniment.objects.filter(file=social_file)),
                "intervenants": _serialise(FileMember.objects.filter(file=social_file)),
                "notes": _serialise(Note.objects.filter(file=social_file)),
                "documents": _serialise(documents),
                "partages": _serialise(SharingGrant.objects.filter(file=social_file)),
                "acces_d_urgence": _serialise(EmergencyAccess.objects.filter(file=social_file)),
                "parcours": _serialise(TimelineEntry.objects.filter(file=social_file)),
            }
        )
        attachments += [(f"dossiers/{social_file.pk}/documents/{d.pk}", d.content) for d in documents]
    return records, attachments


def _file_apply(ids, actor, reason, counts):
    to_delete = []
    storage_docs = list(Document.objects.filter(file_id__in=ids))
    for document in storage_docs:
        to_delete.append((document.content.storage, document.content.name))
    note_ids = list(Note.objects.filter(file_id__in=ids).values_list("pk", flat=True))
    doc_ids = [d.pk for d in storage_docs]
    counts["timeline_entries_deleted"] += _timeline_forget(source_type="dossier_unique.note", source_ids=note_ids)
    counts["timeline_entries_deleted"] += _timeline_forget(source_type="dossier_unique.document", source_ids=doc_ids)
    counts["notes_deleted"] += Note.objects.filter(pk__in=note_ids).delete()[0]
    counts["documents_deleted"] += len(doc_ids)
    Document.objects.filter(pk__in=doc_ids).delete()
    _history(Note).objects.filter(file_id__in=ids).delete()
    _history(Document).objects.filter(file_id__in=ids).delete()
    for accompaniment in Accompaniment.objects.filter(file_id__in=ids).exclude(closing_reason=""):
        accompaniment.closing_reason = ""
        save_tracked(accompaniment, actor, reason)
    _history(Accompaniment).objects.filter(file_id__in=ids).update(closing_reason="")
    for grant in SharingGrant.objects.filter(file_id__in=ids):
        grant.purpose = ANONYMISED
        if grant.family_not_informed_reason:
            grant.family_not_informed_reason = ANONYMISED
        save_tracked(grant, actor, reason)
    _history(SharingGrant).objects.filter(file_id__in=ids).update(purpose=ANONYMISED)
    _history(SharingGrant).objects.filter(file_id__in=ids).exclude(family_not_informed_reason="").update(
        family_not_informed_reason=ANONYMISED
    )
    for access in EmergencyAccess.objects.filter(file_id__in=ids):
        access.reason = ANONYMISED
        access.dpo_comment = ""
        save_tracked(access, actor, reason)
    _history(EmergencyAccess).objects.filter(file_id__in=ids).update(reason=ANONYMISED, dpo_comment="")
    _search_forget(objects=[("NOTE", note_ids)], file_ids=ids)
    counts["files_anonymised"] += len(ids)
    return to_delete


def _file_citizens(ids):
    return list(SocialFile.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))


# requests


def _request_candidates(rule, cutoff):
    decided = Q(status__in=Request.FINAL_STATUSES) & Q(
        Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, updated_at__lt=cutoff)
    )
    stale_draft = Q(status=Request.Status.DRAFT, updated_at__lt=cutoff)
    return _not_done(Request.objects.filter(decided | stale_draft), P.REQUEST).order_by("pk")


def _request_describe(ids):
    return [
        {
            "type": "demande",
            "id": pk,
            "label": f"{code} — {title}",
            "date": timezone.localtime(decided or updated).date().isoformat(),
        }
        for pk, code, title, decided, updated in Request.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "tracking_code", "procedure_title", "decided_at", "updated_at")
    ]


def _request_export(ids):
    records, attachments = [], []
    for request in Request.objects.filter(pk__in=ids):
        request_attachments = list(RequestAttachment.objects.filter(request=request))
        records.append(
            {
                "demande": _serialise([request]),
                "usager": _serialise(Citizen.objects.filter(pk=request.citizen_id)),
                "etapes": _serialise(request.events.all()),
                "messages": _serialise(request.messages.all()),
                "pieces_jointes": _serialise(request_attachments),
            }
        )
        attachments += [(f"demandes/{request.pk}/{a.pk}", a.file) for a in request_attachments]
    return records, attachments


def _request_apply(ids, actor, reason, counts):
    attachments = list(RequestAttachment.objects.filter(request_id__in=ids))
    to_delete = [(a.file.storage, a.file.name) for a in attachments]
    message_ids = list(RequestMessage.objects.filter(request_id__in=ids).values_list("pk", flat=True))
    RequestAttachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    RequestMessage.objects.filter(pk__in=message_ids).delete()
    _history(RequestAttachment).objects.filter(request_id__in=ids).delete()
    _history(RequestMessage).objects.filter(request_id__in=ids).delete()
    apps.get_model("grc_requests", "RequestEvent").objects.filter(request_id__in=ids).update(comment="")
    for request in Request.objects.filter(pk__in=ids):
        request.answers = {}
        request.missing_items = []
        request.decision_reason = ""
        request.citizen = None
        request.account = None
        save_tracked(request, actor, reason)
    _history(Request).objects.filter(id__in=ids).update(
        answers={}, missing_items=[], decision_reason="", citizen_id=None, account_id=None
    )
    counts["timeline_entries_deleted"] += _timeline_forget(source_type="grc_requests.request", source_ids=ids)
    counts["messages_deleted"] += len(message_ids)
    counts["attachments_deleted"] += len(attachments)
    counts["requests_anonymised"] += len(ids)
    _search_forget(objects=[("REQUEST", ids)])
    return to_delete


def _request_citizens(ids):
    return list(Request.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))


# mail


def _mail_candidates(rule, cutoff):
    done = Coalesce("handled_at", "routed_at")
    return _not_done(
        MailItem.objects.annotate(done_at=done).filter(done_at__lt=cutoff, status__in=["handled", "routed"]), P.MAIL
    ).order_by("pk")


def _mail_describe(ids):
    return [
        {"type": "courrier", "id": pk, "label": number, "date": timezone.localtime(received).date().isoformat()}
        for pk, number, received in MailItem.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "registration_number", "received_at")
    ]


def _mail_export(ids):
    records, attachments = [], []
    for item in MailItem.objects.filter(pk__in=ids):
        records.append(
            {
                "courrier": _serialise([item]),
                "texte_reconnu": item.ocr_text,
                "pages": _serialise(item.pages.all()),
                "etapes": _serialise(item.events.all()),
            }
        )
        if item.original:
            attachments.append((f"courriers/{item.registration_number}", item.original))
    return records, attachments


def _mail_apply(ids, actor, reason, counts):
    items = list(MailItem.objects.filter(pk__in=ids))
    to_delete = [(i.original.storage, i.original.name) for i in items if i.original]
    apps.get_model("mail", "MailPage").objects.filter(item_id__in=ids).update(text="")
    apps.get_model("mail", "MailEvent").objects.filter(item_id__in=ids).update(comment="")
    # A re-uploaded scan's file name may carry the sender's name.
    apps.get_model("mail", "MailDuplicateUpload").objects.filter(item_id__in=ids).update(original_name="")
    for item in items:
        item.original = ""
        item.original_name = ""
        item.ocr_text = ""
        item.suggestions = {}
        item.sender = ""
        item.citizen = None
        save_tracked(item, actor, reason)
    _history(MailItem).objects.filter(id__in=ids).update(original="", original_name="", sender="", citizen_id=None)
    counts["timeline_entries_deleted"] += _timeline_forget(source_type="mail.mailitem", source_ids=ids)
    counts["mail_anonymised"] += len(items)
    _search_forget(objects=[("MAIL", ids)])
    return to_delete


def _mail_citizens(ids):
    return list(MailItem.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))


# portal accounts


def _inactive_since():
    return Coalesce("last_login", "date_joined")


CLOSED_ACCOUNT_DOMAIN = "@anonymise.invalid"


def _account_base(*, active_only: bool = True):
    """Citizens' portal accounts; with ``active_only=False`` also the deactivated ones (deletion asked,
    sign-up never verified, deactivated by an agent) that are not closed yet."""
    queryset = User.objects.filter(is_staff=False, is_service_account=False)
    if active_only:
        queryset = queryset.filter(is_active=True)
    else:
        queryset = queryset.exclude(email__endswith=CLOSED_ACCOUNT_DOMAIN)
    return queryset.annotate(inactive_since=_inactive_since())


def _account_candidates(rule, cutoff):
    """Accounts past the period: active ones warned at least ``warning_days`` ago (after their last
    login), and deactivated ones without a warning (they cannot sign in to act on it). A deactivated
    account is still someone's e-mail and name: it must not outlive the rule."""
    queryset = _account_base(active_only=False).filter(inactive_since__lt=cutoff)
    if rule.warning_days:
        warned = RetentionWarning.objects.filter(
            user=OuterRef("pk"),
            sent_at__gt=OuterRef("inactive_since"),
            sent_at__lte=timezone.now() - datetime.timedelta(days=rule.warning_days),
        )
        queryset = queryset.filter(Q(is_active=False) | Exists(warned))
    return queryset.order_by("pk")


def accounts_to_warn(rule, cutoff):
    """Accounts that will pass the period within ``warning_days`` and were not warned since their last login."""
    if not rule.warning_days:
        return User.objects.none()
    soon = cutoff + datetime.timedelta(days=rule.warning_days)
    warned = RetentionWarning.objects.filter(user=OuterRef("pk"), sent_at__gt=OuterRef("inactive_since"))
    return _account_base().filter(inactive_since__lt=soon).exclude(Exists(warned)).order_by("pk")


def _account_describe(ids):
    return [
        {"type": "compte du portail", "id": pk, "date": timezone.localtime(since).date().isoformat()}
        for pk, since in _account_base(active_only=False)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "inactive_since")
    ]


def _account_export(ids):
    return [], []


def _account_apply(ids, actor, reason, counts):
    for user in User.objects.filter(pk__in=ids):
        user.is_active = False
        user.email = f"compte-ferme-{user.pk}@anonymise.invalid"
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        save_tracked(user, actor, reason)
        citizen = Citizen.objects.filter(user=user).first()
        if citizen is not None:
            citizen.user = None
            save_tracked(citizen, actor, reason)
    for user_id in ids:
        _history(User).objects.filter(id=user_id).update(
            email=f"compte-ferme-{user_id}@anonymise.invalid", first_name="", last_name=""
        )
    # What the portal account area keeps about the holder: the typed/received identity and the
    # provider identifiers go with their history; deletion requests keep no address.
    for name in ("CitizenProfile", "OidcIdentity"):
        model = _optional_model("portal_accounts", name)
        if model is not None:
            model.objects.filter(user_id__in=ids).delete()
            if hasattr(model, "history"):
                _history(model).objects.filter(user_id__in=ids).delete()
    deletion = _optional_model("portal_accounts", "AccountDeletionRequest")
    if deletion is not None:
        for user_id in ids:
            deletion.objects.filter(user_id=user_id).update(email=f"compte-ferme-{user_id}@anonymise.invalid")
            if hasattr(deletion, "history"):
                _history(deletion).objects.filter(user_id=user_id).update(
                    email=f"compte-ferme-{user_id}@anonymise.invalid"
                )
    counts["accounts_closed"] += len(ids)
    return []


def _account_citizens(ids):
    return list(Citizen.objects.filter(user_id__in=ids).values_list("pk", flat=True))


# access-right archives


def _archive_candidates(rule, cutoff):
    return AccessArchive.objects.filter(created_at__lt=cutoff, purged_at__isnull=True).order_by("pk")


def _archive_describe(ids):
    return [
        {
            "type": "archive de droit d'accès",
            "id": pk,
            "label": f"Archive n° {pk}" + (f" ({reference})" if reference else ""),
            "date": timezone.localtime(created).date().isoformat(),
        }
        for pk, reference, created in AccessArchive.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "gdpr_request__reference", "created_at")
    ]


def _archive_export(ids):
    return [], []


def _archive_apply(ids, actor, reason, counts):
    to_delete = []
    now = timezone.now()
    for archive in AccessArchive.objects.filter(pk__in=ids, purged_at__isnull=True):
        if archive.content:
            to_delete.append((archive.content.storage, archive.content.name))
        archive.content = ""
        archive.purged_at = now
        save_tracked(archive, actor, reason)
    # The stored path names the citizen: older history rows lose it too.
    _history(AccessArchive).objects.filter(id__in=ids).update(content="")
    counts["access_archives_purged"] += len(ids)
    return to_delete


def _archive_citizens(ids):
    # Purging a copy never makes a citizen "unused": nothing else is touched.
    return []


# GDPR register


def _register_candidates(rule, cutoff):
    cutoff_day = timezone.localtime(cutoff).date()
    closed = Q(status__in=GdprRequest.CLOSED_STATUSES) & Q(
        Q(answered_on__lt=cutoff_day) | Q(answered_on__isnull=True, updated_at__lt=cutoff)
    )
    return _not_done(GdprRequest.objects.filter(closed), P.GDPR_REGISTER).order_by("pk")


def _register_describe(ids):
    # Reference, right and closing date: never the requester's identity.
    return [
        {
            "type": "demande RGPD",
            "id": pk,
            "label": f"{reference} — {GdprRequest.Kind(kind).label}" if kind in GdprRequest.Kind.values else reference,
            "date": (answered or timezone.localtime(updated).date()).isoformat(),
        }
        for pk, reference, kind, answered, updated in GdprRequest.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "reference", "kind", "answered_on", "updated_at")
    ]


def _account_deletions(ids):
    """The portal's account deletion requests behind these entries (the portal may not be installed)."""
    model = _optional_model("portal_accounts", "AccountDeletionRequest")
    return model, (model.objects.filter(gdpr_request_id__in=ids) if model is not None else None)


def _register_export(ids):
    deletion, deletions = _account_deletions(ids)
    records = []
    for entry in GdprRequest.objects.filter(pk__in=ids).order_by("pk"):
        records.append(
            {
                "demande_rgpd": _serialise([entry]),
                "usager": _serialise(Citizen.objects.filter(pk=entry.citizen_id)),
                "archives_de_droit_d_acces": _serialise(AccessArchive.objects.filter(gdpr_request=entry)),
                "effacements": _serialise(ErasureExecution.objects.filter(gdpr_request=entry)),
                "suppression_de_compte": _serialise(deletions.filter(gdpr_request=entry))
                if deletion is not None
                else [],
            }
        )
    # The access-right archives' files are copies: never exported (their own rule purges them).
    return records, []


def _register_apply(ids, actor, reason, counts):
    entries = list(GdprRequest.objects.filter(pk__in=ids))
    for entry in entries:
        entry.requester_identity = ANONYMISED
        entry.details = ""
        entry.notes = ""
        entry.citizen = None
        entry.portal_account = None
        save_tracked(entry, actor, reason)
    history = _history(GdprRequest).objects.filter(id__in=ids)
    history.update(requester_identity=ANONYMISED, details="", notes="", citizen_id=None, portal_account_id=None)
    # A status change records the DPO's free text after the status ("statut : Répondue — remise à M. X"):
    # the status stays, the text goes (the refusal reason, told to the person, is kept as the answer).
    separator = " — "
    history.filter(history_change_reason__startswith="statut : ", history_change_reason__contains=separator).update(
        history_change_reason=Left("history_change_reason", StrIndex("history_change_reason", Value(separator)) - 1)
    )
    deletion, deletions = _account_deletions(ids)
    if deletion is not None:
        rows = list(deletions)
        for row in rows:
            row.email = f"demande-anonymisee-{row.pk}@anonymise.invalid"
            row.reason = ""
            row.handling_note = ""
            row.citizen = None
            row.user = None
            save_tracked(row, actor, reason)
        if hasattr(deletion, "history"):
            for row in rows:
                _history(deletion).objects.filter(id=row.pk).update(
                    email=row.email, reason="", handling_note="", citizen_id=None, user_id=None
                )
        counts["account_deletions_anonymised"] += len(rows)
    counts["gdpr_requests_anonymised"] += len(entries)
    return []


def _register_citizens(ids):
    # Anonymising the register never makes a citizen "unused" (it does not count among what keeps one).
    return []


def _register_export_citizens(ids):
    deletion, deletions = _account_deletions(ids)
    citizen_ids = list(GdprRequest.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))
    if deletion is not None:
        citizen_ids += list(deletions.values_list("citizen_id", flat=True))
    return citizen_ids


PURPOSES = {
    P.SOCIAL_FILE: Purpose(_file_candidates, _file_describe, _file_export, _file_apply, _file_citizens),
    P.REQUEST: Purpose(_request_candidates, _request_describe, _request_export, _request_apply, _request_citizens),
    P.MAIL: Purpose(_mail_candidates, _mail_describe, _mail_export, _mail_apply, _mail_citizens),
    P.PORTAL_ACCOUNT: Purpose(
        _account_candidates, _account_describe, _account_export, _account_apply, _account_citizens
    ),
    P.ACCESS_ARCHIVE: Purpose(
        _archive_candidates, _archive_describe, _archive_export, _archive_apply, _archive_citizens
    ),
    P.GDPR_REGISTER: Purpose(
        _register_candidates,
        _register_describe,
        _register_export,
        _register_apply,
        _register_citizens,
        export_citizen_ids=_register_export_citizens,
    ),
}


# --- export -----------------------------------------------------------------------------------


def _write_export(*, run: RetentionRun, records: list, attachments: list, citizen_ids, actor) -> RetentionExport:
    """Write one batch for the Archives départementales (manifest.json, records.json, files) and log it."""
    manifest = {
        "producteur": getattr(settings, "GRC_ORGANISATION_NAME", "Département"),
        "regle": run.rule.label,
        "finalite": run.rule.purpose,
        "reference_legale": run.rule.legal_reference,
        "date_limite": run.cutoff.isoformat(),
        "exporte_le": timezone.now().isoformat(),
        "nombre": len(records),
        "fichiers": [name for name, _ in attachments],
    }
    with tempfile.TemporaryFile() as temp:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            archive.writestr("records.json", json.dumps(records, ensure_ascii=False, indent=2, default=str))
            for name, field_file in attachments:
                try:
                    with field_file.open("rb") as source, archive.open(name, "w") as out:
                        for chunk in iter(lambda s=source: s.read(1024 * 1024), b""):
                            out.write(chunk)
                except (FileNotFoundError, ValueError):
                    archive.writestr(name + ".manquant.txt", "Fichier introuvable dans le stockage.")
        temp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: temp.read(1024 * 1024), b""):
            digest.update(chunk)
        size = temp.tell()
        temp.seek(0)
        export = RetentionExport(run=run, item_count=len(records), size=size, sha256=digest.hexdigest())
        export.content.save("export.zip", File(temp), save=False)
    with transaction.atomic():
        save_tracked(export, actor, "versement aux Archives départementales")
        for citizen_id in sorted(set(filter(None, citizen_ids))):
            access_log_write(
                actor=actor,
                action=AccessLog.Action.RETENTION_EXPORT,
                citizen=citizen_id,
                obj=export,
                purpose=f"versement aux Archives départementales ({run.rule.get_purpose_display()})"[:255],
            )
    return export


# --- the run ----------------------------------------------------------------------------------


def retention_apply(
    *,
    rule: RetentionRule,
    actor=None,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int | None = None,
    run: RetentionRun | None = None,
) -> RetentionRun:
    """Apply (or, with ``dry_run``, only report) one rule; records and returns the ``RetentionRun``.

    A dry run changes no data: it counts and lists what would go. A real run works in batches; each
    batch is first exported for the Archives départementales (when the rule says so) and the export
    committed, then destroyed/anonymised in one transaction; stored files are deleted after commit.

    ``run``: a queued run of ``rule`` (a dry run asked for from the screen) to use instead of recording a
    new one; it becomes running, with the cutoff of now. A run no longer queued (the task delivered a
    second time, or given up) is returned as it is and nothing is done.
    """
    now = now or timezone.now()
    cutoff = rule.cutoff(now)
    batch_size = batch_size or getattr(settings, "PRIVACY_RETENTION_BATCH_SIZE", 200)
    if run is None:
        run = save_tracked(
            RetentionRun(rule=rule, actor=actor, dry_run=dry_run, cutoff=cutoff, started_at=now),
            actor,
            "simulation" if dry_run else "application",
        )
    else:
        if run.rule_id != rule.pk or run.dry_run != dry_run:
            raise ValueError("retention_apply: the run given is not one of this rule and kind")
        with transaction.atomic():
            # The row lock makes two deliveries of the same task take the run once.
            run = RetentionRun.objects.select_for_update().select_related("rule").get(pk=run.pk)
            if run.status != RetentionRun.Status.QUEUED:
                return run
            run.status = RetentionRun.Status.RUNNING
            run.started_at = now
            run.cutoff = cutoff
            save_tracked(run, actor, "simulation" if dry_run else "application")
    counts: Counter = Counter()
    reason = f"conservation : {rule.label}"[:100]
    try:
        if rule.purpose == P.ACCESS_LOG:
            _apply_access_log(rule=rule, run=run, actor=actor, dry_run=dry_run, cutoff=cutoff, counts=counts)
        else:
            purpose = PURPOSES[rule.purpose]
            ids = list(purpose.candidates(rule, cutoff).values_list("pk", flat=True))
            counts["candidates"] = len(ids)
            if rule.purpose == P.PORTAL_ACCOUNT:
                counts["warnings"] = _warn_accounts(rule=rule, cutoff=cutoff, actor=actor, dry_run=dry_run, now=now)
            if dry_run:
                run.items = purpose.describe(ids)[:5000]
            else:
                done = 0
                for start in range(0, len(ids), batch_size):
                    batch = ids[start : start + batch_size]
                    _process_batch(run=run, batch=batch, actor=actor, reason=reason, counts=counts)
                    done += len(batch)
                    if progress:
                        progress(done, len(ids))
        run.status = RetentionRun.Status.DONE
    except Exception as error:
        run.status = RetentionRun.Status.FAILED
        run.error = type(error).__name__
        raise
    finally:
        run.counts = dict(counts)
        run.finished_at = timezone.now()
        save_tracked(run, actor, "fin")
    return run


def _process_batch(*, run, batch, actor, reason, counts, anonymise_citizens=True) -> None:
    """Export one batch (when the rule says so, committed first), then destroy/anonymise it in one
    transaction; stored files are deleted after commit."""
    rule = run.rule
    purpose = PURPOSES[rule.purpose]
    citizen_ids = purpose.citizen_ids(batch)
    if rule.export_before_destruction:
        records, attachments = purpose.export(batch)
        if records:
            logged = purpose.export_citizen_ids(batch) if purpose.export_citizen_ids else citizen_ids
            _write_export(run=run, records=records, attachments=attachments, citizen_ids=logged, actor=actor)
            counts["exported"] += len(records)
    with transaction.atomic():
        to_delete = purpose.apply(batch, actor, reason, counts)
        _mark_done(rule.purpose, batch, run)
        if anonymise_citizens:
            _anonymise_unused(citizen_ids, actor, reason, counts)
        transaction.on_commit(lambda names=to_delete: _delete_files(names))
    counts["stored_files_deleted"] += len([n for _, n in to_delete if n])


def erasure_check(*, gdpr_request) -> list[int]:
    """The conditions of an erasure (Art. 17) on ``gdpr_request``, checked when the DPO asks for it
    (``erasure_request``, so the refusal is immediate) and again by the worker before anything goes
    (``citizen_erase``: things may have changed meanwhile). Returns the ids of the citizen and of the
    records merged into it.

    Refused (``ValidationError``, French, naming no one) unless the request is an open erasure request
    matched to a citizen and not opened by a portal account deletion (that one closes the account only);
    while an accompaniment or a request of the person is still open (the file is
    then needed for the public-interest task, Art. 17(3)(b)): close them first."""
    from .archive import person_ids

    citizen = gdpr_request.citizen
    if gdpr_request.kind != "erasure" or citizen is None or not gdpr_request.is_open:
        raise ValidationError("Seule une demande d'effacement en cours, rapprochée d'un usager, peut être exécutée.")
    _model, deletions = _account_deletions([gdpr_request.pk])
    if deletions is not None and deletions.exists():
        # The person asked to close their portal account, not to erase their records.
        raise ValidationError(
            "Cette demande porte sur la suppression du compte du portail : utilisez « Supprimer le compte ». "
            "Si l'usager demande aussi l'effacement de son dossier, enregistrez une demande d'effacement distincte."
        )
    ids = person_ids(citizen)
    if Accompaniment.objects.filter(file__citizen_id__in=ids, status=Accompaniment.Status.OPEN).exists():
        raise ValidationError("Un accompagnement est en cours : il doit être clos avant l'effacement.")
    if Request.objects.filter(citizen_id__in=ids, status__in=Request.OPEN_STATUSES).exists():
        raise ValidationError("Une demande est en cours d'instruction : elle doit être close avant l'effacement.")
    return ids


def citizen_erase(*, gdpr_request, actor) -> list[RetentionRun]:
    """Erasure (Art. 17) decided by the DPO on a request: everything about the request's citizen goes
    now, in the caller's process, the same way retention does it (export for the Archives
    départementales first, then the social file, requests, letters and portal account anonymised, then
    the identity). The register asks for it with ``erasure_request``; the background task
    (``privacy.tasks.execute_erasure``) calls this.

    Refused under the conditions of ``erasure_check`` (nothing is done then). One ``RetentionRun`` per
    purpose involved, whose ``items`` name the GDPR request; each purpose commits on its own, so a
    failure part-way leaves the purposes before it done (asking again does not redo them).
    """
    from .perms import is_dpo

    if not is_dpo(actor):
        raise PermissionDenied
    ids = erasure_check(gdpr_request=gdpr_request)
    citizen = gdpr_request.citizen
    rules = {rule.purpose: rule for rule in retention_rules_ensure(actor=actor)}
    targets = {
        P.PORTAL_ACCOUNT: list(
            # Deactivated accounts too (a deletion request deactivates at once): still an e-mail and a name.
            Citizen.objects.filter(pk__in=ids, user__isnull=False).values_list("user_id", flat=True)
        ),
        P.REQUEST: list(_not_done(Request.objects.filter(citizen_id__in=ids), P.REQUEST).values_list("pk", flat=True)),
        P.MAIL: list(_not_done(MailItem.objects.filter(citizen_id__in=ids), P.MAIL).values_list("pk", flat=True)),
        P.SOCIAL_FILE: list(
            _not_done(SocialFile.objects.filter(citizen_id__in=ids), P.SOCIAL_FILE).values_list("pk", flat=True)
        ),
    }
    reason = f"effacement RGPD {gdpr_request.reference}"
    now = timezone.now()
    runs = []
    for purpose in ORDER:
        object_ids = targets.get(purpose)
        if not object_ids:
            continue
        run = save_tracked(
            RetentionRun(
                rule=rules[purpose],
                actor=actor,
                cutoff=now,
                started_at=now,
                items=[{"type": "effacement", "id": gdpr_request.pk, "label": gdpr_request.reference}],
            ),
            actor,
            reason,
        )
        counts = Counter(candidates=len(object_ids))
        try:
            _process_batch(
                run=run, batch=object_ids, actor=actor, reason=reason, counts=counts, anonymise_citizens=False
            )
            run.status = RetentionRun.Status.DONE
        except Exception as error:
            run.status = RetentionRun.Status.FAILED
            run.error = type(error).__name__
            raise
        finally:
            run.counts = dict(counts)
            run.finished_at = timezone.now()
            save_tracked(run, actor, "fin")
        runs.append(run)
    with transaction.atomic():
        if citizen.birth_name != ANONYMISED_NAME:
            citizen_anonymise(citizen=citizen, actor=actor, reason=reason)
    return runs


# --- erasure asked for from the register, run by the worker ----------------------------------------------

# French reasons shown to the DPO when an erasure did not go through: they name no one and no file (an
# exception's text can carry a path, a name or a NIR, so it is never shown or logged, only its class).
ERASURE_FAILURE_ROLE = (
    "La personne qui a demandé l'effacement n'a plus le rôle de délégué(e) à la protection des données : "
    "rien n'a été effacé."
)
ERASURE_FAILURE_STORAGE = (
    "Un fichier n'a pas pu être lu ou écrit dans le stockage (pièce du dossier, numérisation ou versement aux "
    "Archives départementales) : l'effacement n'est pas allé à son terme. Faites vérifier le stockage, puis "
    "demandez-le de nouveau (ce qui est déjà effacé ne l'est pas deux fois)."
)
ERASURE_FAILURE_OTHER = (
    "L'effacement a échoué (erreur technique consignée dans le journal de l'application) : il n'est peut-être "
    "pas allé à son terme. Demandez-le de nouveau (ce qui est déjà effacé ne l'est pas deux fois) ; si l'échec "
    "se répète, prévenez l'équipe technique."
)
ERASURE_FAILURE_NOT_QUEUED = (
    "L'effacement n'a pas pu être lancé (file des traitements indisponible) : rien n'a été effacé. "
    "Demandez-le de nouveau dans quelques minutes."
)
ERASURE_FAILURE_STALLED = (
    "L'effacement a été interrompu (aucun résultat dans le délai prévu) : il n'est peut-être pas allé à son "
    "terme. Demandez-le de nouveau (ce qui est déjà effacé ne l'est pas deux fois)."
)


def _erasure_failure_message(error: BaseException) -> str:
    if isinstance(error, PermissionDenied):
        return ERASURE_FAILURE_ROLE
    if isinstance(error, ValidationError):
        # The conditions of erasure_check no longer hold: its fixed French sentences name no one.
        return " ".join(error.messages) + " Rien n'a été effacé."
    if isinstance(error, OSError):
        return ERASURE_FAILURE_STORAGE
    return ERASURE_FAILURE_OTHER


def _erasure_close(erasure_id: int, *, actor, from_statuses, error: str = "") -> bool:
    """Mark the erasure ``erasure_id`` done (``error`` empty) or failed with ``error`` (French), if its state
    is one of ``from_statuses``; either way it records the retention runs it made so far (a failure part-way
    leaves some purposes done). Returns whether it was marked."""
    with transaction.atomic():
        erasure = ErasureExecution.objects.select_for_update().filter(pk=erasure_id, status__in=from_statuses)
        erasure = erasure.first()
        if erasure is None:
            return False
        if erasure.started_at is not None:
            run_ids = list(
                RetentionRun.objects.filter(
                    items__contains=[{"type": "effacement", "id": erasure.gdpr_request_id}],
                    started_at__gte=erasure.started_at,
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            erasure.run_ids = run_ids
            erasure.export_count = RetentionExport.objects.filter(run_id__in=run_ids).count()
        erasure.status = ErasureExecution.Status.FAILED if error else ErasureExecution.Status.DONE
        erasure.error = error
        erasure.finished_at = timezone.now()
        save_tracked(erasure, actor, "échec de l'effacement" if error else "effacement terminé")
    return True


def erasure_request(*, gdpr_request: GdprRequest, actor, request=None) -> ErasureExecution:
    """Ask for the erasure (Art. 17) of the request's citizen (DPO only): records an ``ErasureExecution``
    *pending* and enqueues on commit ``privacy.tasks.execute_erasure(erasure_id, actor_id)``, which
    runs ``citizen_erase`` as ``actor``. Nothing slow happens here: writing the Archives export of a
    citizen with hundreds of documents takes minutes, more than a web request may.

    Refused at once (``ValidationError``, French) under the conditions of ``erasure_check``, and while an
    erasure of the same request is pending or running within ``PRIVACY_ERASURE_LEASE_SECONDS``; one older
    than that lost its worker and is marked failed, and a new one may be asked for. ``request`` (the DPO's
    HTTP request) is not needed: the worker's writes name the DPO, not a request."""
    from .perms import is_dpo

    if not is_dpo(actor):
        raise PermissionDenied
    with transaction.atomic():
        # The register entry's row lock serialises two clicks: the second sees the first one's erasure.
        locked = GdprRequest.objects.select_for_update().filter(pk=gdpr_request.pk).first()
        if locked is None:
            raise ValidationError("Cette demande n'existe plus.")
        now = timezone.now()
        active = list(
            ErasureExecution.objects.filter(gdpr_request=locked, status__in=ErasureExecution.ACTIVE_STATUSES)
        )
        for erasure in active:
            if not erasure.is_stalled(now):
                raise ValidationError(
                    _(
                        "L'effacement n° %(pk)s de cette demande est déjà en attente ou en cours : attendez son "
                        "résultat avant d'en demander un autre."
                    )
                    % {"pk": erasure.pk}
                )
        erasure_check(gdpr_request=locked)
        for erasure in active:
            _erasure_close(
                erasure.pk, actor=actor, from_statuses=ErasureExecution.ACTIVE_STATUSES, error=ERASURE_FAILURE_STALLED
            )
        erasure = save_tracked(
            ErasureExecution(gdpr_request=locked, requested_by=actor, requested_at=now), actor, "effacement demandé"
        )
        from .tasks import execute_erasure

        enqueue_on_commit(
            execute_erasure,
            erasure.pk,
            actor.pk,
            what=f"erasure {erasure.pk}",
            on_failure=lambda: _erasure_close(
                erasure.pk,
                actor=actor,
                from_statuses=[ErasureExecution.Status.PENDING],
                error=ERASURE_FAILURE_NOT_QUEUED,
            ),
        )
    return erasure


def erasure_run(*, erasure_id: int, actor_id: int) -> str:
    """The background task's work: claim the pending erasure ``erasure_id`` (one worker only: pending →
    running under ``SELECT … FOR UPDATE SKIP LOCKED``), check again that ``actor_id`` (the DPO who asked)
    still is DPO and that the conditions still hold, run ``citizen_erase`` as them, and mark it done (with
    its retention runs) or failed (with a French reason).

    Returns "done", "failed" or "skipped" (not pending: delivered a second time, given up as lost, or
    another worker has it); never raises for a failed erasure."""
    actor = User.objects.filter(pk=actor_id).first()
    with transaction.atomic():
        erasure = (
            ErasureExecution.objects.select_for_update(skip_locked=True)
            .filter(pk=erasure_id, status=ErasureExecution.Status.PENDING)
            .first()
        )
        if erasure is None:
            return "skipped"
        erasure.status = ErasureExecution.Status.RUNNING
        erasure.started_at = timezone.now()
        save_tracked(erasure, actor, "effacement commencé")
    try:
        from .perms import is_dpo

        if actor is None or not is_dpo(actor):
            raise PermissionDenied
        gdpr_request = GdprRequest.objects.select_related("citizen").get(pk=erasure.gdpr_request_id)
        citizen_erase(gdpr_request=gdpr_request, actor=actor)
    except Exception as error:
        logger.warning("erasure %s: failed (%s)", erasure_id, type(error).__name__)
        _erasure_close(
            erasure_id,
            actor=actor,
            from_statuses=[ErasureExecution.Status.RUNNING],
            error=_erasure_failure_message(error),
        )
        return "failed"
    # Done even if it was given up as lost meanwhile (a slow worker, not a dead one): the data is gone, and
    # the register must say so.
    _erasure_close(
        erasure_id, actor=actor, from_statuses=[ErasureExecution.Status.RUNNING, ErasureExecution.Status.FAILED]
    )
    return "done"


def _apply_access_log(*, rule, run, actor, dry_run, cutoff, counts) -> None:
    try:
        from grc.audit.retention import access_log_purge
    except ImportError:  # the DPO-console area provides it
        counts["unavailable"] = 1
        run.error = "access_log_purge indisponible (grc.audit.retention)"
        return
    summary = access_log_purge(before=cutoff, actor=actor, dry_run=dry_run, reason=f"conservation : {rule.label}")
    counts["candidates"] = summary.rows
    if not dry_run:
        counts["access_log_rows_purged"] = summary.rows


def _warn_accounts(*, rule, cutoff, actor, dry_run, now) -> int:
    users = list(accounts_to_warn(rule, cutoff))
    if dry_run:
        return len(users)
    sent = 0
    for user in users:
        if not user.email or user.email.endswith(".invalid"):
            continue
        closes_on = add_months(timezone.localtime(user.inactive_since).date(), rule.duration_months)
        closes_on = max(closes_on, timezone.localdate(now) + datetime.timedelta(days=rule.warning_days))
        try:
            _send_warning(user, closes_on)
        except (OSError, smtplib.SMTPException):
            # Not recorded as warned: the account is not closed and the next run tries again.
            logger.warning("retention: account warning e-mail not sent (user %s)", user.pk)
            continue
        save_tracked(RetentionWarning(user=user, closes_on=closes_on), actor, "avertissement envoyé")
        sent += 1
    return sent


def _send_warning(user, closes_on) -> None:
    """The warning e-mail (French, no personal data beyond the date)."""
    send_mail(
        subject="Votre compte sera fermé faute d'utilisation",
        message=(
            "Bonjour,\n\nVous ne vous êtes pas connecté(e) à votre compte sur le portail du Département "
            f"depuis longtemps. Sans nouvelle connexion d'ici le {closes_on:%d/%m/%Y}, il sera fermé et "
            "les informations qui lui sont propres supprimées, conformément à nos règles de conservation.\n\n"
            "Pour le conserver, il suffit de vous connecter.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=False,
    )


def retention_apply_all(*, actor=None, dry_run: bool = False, purposes=None, progress=None) -> list[RetentionRun]:
    """Apply every active rule (or those of ``purposes``), in a fixed order."""
    rules = {r.purpose: r for r in RetentionRule.objects.filter(is_active=True)}
    runs = []
    for purpose in ORDER:
        if purpose not in rules or (purposes is not None and purpose not in purposes):
            continue
        try:
            runs.append(retention_apply(rule=rules[purpose], actor=actor, dry_run=dry_run, progress=progress))
        except Exception:  # recorded as a failed run; the other rules still run
            logger.exception("retention: rule %s failed", purpose)
            runs.append(RetentionRun.objects.filter(rule=rules[purpose]).order_by("-pk").first())
    return runs


# Accounts first (their citizens may then become unused), the register after everything that may anonymise a
# citizen, the access log last.
ORDER = [P.PORTAL_ACCOUNT, P.REQUEST, P.MAIL, P.SOCIAL_FILE, P.ACCESS_ARCHIVE, P.GDPR_REGISTER, P.ACCESS_LOG]
