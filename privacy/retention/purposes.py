"""The purposes privacy owns (registered from ``privacy.apps``): portal accounts, access-right archives and
the GDPR register. The portal adds its own account rows to the first and its account deletion requests to
the last (``grc.retention_registry.extend``).

* **portal_account** — citizens' accounts without a login since the cutoff: a warning e-mail
  ``warning_days`` before; closed (deactivated, e-mail and names replaced) once warned at least
  ``warning_days`` ago.
* **access_archive** — access-right archives compiled before the cutoff: the file is deleted from the
  private storage (after commit) and the row marked purged (``purged_at``); the row stays as the proof of
  the answer. Never exported (they are copies) and never anonymises a citizen.
* **gdpr_register** — entries closed (answered or refused) before the cutoff: the requester's identity
  becomes "Anonymisé", their own words and the DPO's notes are cleared, the links to the citizen and the
  portal account removed, in the history too (with the free text of status changes); the proof of the
  answer stays.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Left, StrIndex
from django.utils import timezone

from grc.history import save_tracked
from grc.models import Citizen, User
from grc.retention_registry import ANONYMISED, RetentionPurpose, extensions, history_model, serialise

from ..models import AccessArchive, ErasureExecution, GdprRequest, RetentionWarning, add_months

logger = logging.getLogger(__name__)

CLOSED_ACCOUNT_DOMAIN = "@anonymise.invalid"
# The register keeps the proof that a request was answered (art. 5(2)): not shorter than a year, so an entry is
# never anonymised while the answer may still be contested before the DPO or the CNIL.
GDPR_REGISTER_MIN_MONTHS = 12


# --- portal accounts -------------------------------------------------------------------------------------


def _account_base(*, active_only: bool = True):
    """Citizens' portal accounts; with ``active_only=False`` also the deactivated ones (deletion asked,
    sign-up never verified, deactivated by an agent) that are not closed yet."""
    queryset = User.objects.filter(is_staff=False, is_service_account=False)
    if active_only:
        queryset = queryset.filter(is_active=True)
    else:
        queryset = queryset.exclude(email__endswith=CLOSED_ACCOUNT_DOMAIN)
    return queryset.annotate(inactive_since=Coalesce("last_login", "date_joined"))


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
    return queryset


def accounts_to_warn(rule, cutoff):
    """Accounts that will pass the period within ``warning_days`` and were not warned since their last login."""
    if not rule.warning_days:
        return User.objects.none()
    soon = cutoff + datetime.timedelta(days=rule.warning_days)
    warned = RetentionWarning.objects.filter(user=OuterRef("pk"), sent_at__gt=OuterRef("inactive_since"))
    return _account_base().filter(inactive_since__lt=soon).exclude(Exists(warned)).order_by("pk")


def warn_accounts(*, rule, cutoff, actor, dry_run, now) -> int:
    """E-mail the accounts about to be closed (or, in a dry run, count them); returns how many."""
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


def _account_describe(ids):
    return [
        {"type": "compte du portail", "id": pk, "date": timezone.localtime(since).date().isoformat()}
        for pk, since in _account_base(active_only=False)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "inactive_since")
    ]


def closed_account_email(user_id: int) -> str:
    """The address a closed account keeps (unique, undeliverable)."""
    return f"compte-ferme-{user_id}{CLOSED_ACCOUNT_DOMAIN}"


def _account_apply(ids, *, actor, reason, counts, forget):
    for user in User.objects.filter(pk__in=ids):
        user.is_active = False
        user.email = closed_account_email(user.pk)
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        save_tracked(user, actor, reason)
        citizen = Citizen.objects.filter(user=user).first()
        if citizen is not None:
            citizen.user = None
            save_tracked(citizen, actor, reason)
    for user_id in ids:
        history_model(User).objects.filter(id=user_id).update(
            email=closed_account_email(user_id), first_name="", last_name=""
        )
    counts["accounts_closed"] += len(ids)


def _account_citizens(ids):
    return list(Citizen.objects.filter(user_id__in=ids).values_list("pk", flat=True))


def _account_of_citizens(citizen_ids):
    # Deactivated accounts too (a deletion request deactivates at once): still an e-mail and a name.
    return User.objects.filter(citizen__pk__in=citizen_ids)


def _account_holds(citizen_ids):
    return _account_of_citizens(citizen_ids).filter(is_active=True)


# --- access-right archives ---------------------------------------------------------------------------------


def _archive_candidates(rule, cutoff):
    return AccessArchive.objects.filter(created_at__lt=cutoff, purged_at__isnull=True)


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


def _archive_apply(ids, *, actor, reason, counts, forget):
    now = timezone.now()
    for archive in AccessArchive.objects.filter(pk__in=ids, purged_at__isnull=True):
        if archive.content:
            forget.files.append((archive.content.storage, archive.content.name))
        archive.content = ""
        archive.purged_at = now
        save_tracked(archive, actor, reason)
    # The stored path names the citizen: older history rows lose it too.
    history_model(AccessArchive).objects.filter(id__in=ids).update(content="")
    counts["access_archives_purged"] += len(ids)


# --- GDPR register ------------------------------------------------------------------------------------------


def _register_candidates(rule, cutoff):
    cutoff_day = timezone.localtime(cutoff).date()
    closed = Q(status__in=GdprRequest.CLOSED_STATUSES) & Q(
        Q(answered_on__lt=cutoff_day) | Q(answered_on__isnull=True, updated_at__lt=cutoff)
    )
    return GdprRequest.objects.filter(closed)


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


def _register_export(ids):
    added = [extension.export(ids) for extension in extensions("gdpr_register") if extension.export]
    records = []
    for entry in GdprRequest.objects.filter(pk__in=ids).order_by("pk"):
        record = {
            "demande_rgpd": serialise([entry]),
            "usager": serialise(Citizen.objects.filter(pk=entry.citizen_id)),
            "archives_de_droit_d_acces": serialise(AccessArchive.objects.filter(gdpr_request=entry)),
            "effacements": serialise(ErasureExecution.objects.filter(gdpr_request=entry)),
        }
        for extra in added:
            record.update(extra.get(entry.pk, {}))
        records.append(record)
    # The access-right archives' files are copies: never exported (their own rule purges them).
    return records, []


def _register_apply(ids, *, actor, reason, counts, forget):
    entries = list(GdprRequest.objects.filter(pk__in=ids))
    for entry in entries:
        entry.requester_identity = ANONYMISED
        entry.details = ""
        entry.notes = ""
        entry.citizen = None
        entry.portal_account = None
        save_tracked(entry, actor, reason)
    history = history_model(GdprRequest).objects.filter(id__in=ids)
    history.update(requester_identity=ANONYMISED, details="", notes="", citizen_id=None, portal_account_id=None)
    # A status change records the DPO's free text after the status ("statut : Répondue — remise à M. X"):
    # the status stays, the text goes (the refusal reason, told to the person, is kept as the answer).
    separator = " — "
    history.filter(history_change_reason__startswith="statut : ", history_change_reason__contains=separator).update(
        history_change_reason=Left("history_change_reason", StrIndex("history_change_reason", Value(separator)) - 1)
    )
    counts["gdpr_requests_anonymised"] += len(entries)


def _register_export_citizens(ids):
    citizen_ids = list(GdprRequest.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))
    for extension in extensions("gdpr_register"):
        if extension.export_citizen_ids:
            citizen_ids += extension.export_citizen_ids(ids)
    return citizen_ids


def _register_check_months(months: int) -> str:
    # Below one month the generic range check of the rules answers.
    if 1 <= months < GDPR_REGISTER_MIN_MONTHS:
        return (
            f"Le registre des demandes RGPD doit garder l'identité du demandeur au moins "
            f"{GDPR_REGISTER_MIN_MONTHS} mois après la clôture (preuve du traitement de la demande)."
        )
    return ""


PORTAL_ACCOUNT_PURPOSE = RetentionPurpose(
    key="portal_account",
    order=10,
    default_rule={
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
    candidates=_account_candidates,
    describe=_account_describe,
    apply=_account_apply,
    citizen_ids=_account_citizens,
    of_citizens=_account_of_citizens,
    holds=_account_holds,
)

ACCESS_ARCHIVE_PURPOSE = RetentionPurpose(
    key="access_archive",
    order=50,
    default_rule={
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
    # Purging a copy never makes a citizen "unused": nothing else is touched.
    candidates=_archive_candidates,
    describe=_archive_describe,
    apply=_archive_apply,
)

GDPR_REGISTER_PURPOSE = RetentionPurpose(
    key="gdpr_register",
    order=60,
    default_rule={
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
    # Anonymising the register never makes a citizen "unused" (it does not count among what keeps one).
    candidates=_register_candidates,
    describe=_register_describe,
    apply=_register_apply,
    export=_register_export,
    export_citizen_ids=_register_export_citizens,
    check_months=_register_check_months,
)

PURPOSES = (PORTAL_ACCOUNT_PURPOSE, ACCESS_ARCHIVE_PURPOSE, GDPR_REGISTER_PURPOSE)
