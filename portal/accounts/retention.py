"""What the portal adds to two retention purposes (``grc.retention_registry.extend``, from ``apps.py``).

* Closing an account (``portal_account``): the typed or received identity (``CitizenProfile``) and the
  provider identifiers (``OidcIdentity``) go with their history; the account's deletion requests keep
  no address.
* Anonymising a GDPR register entry (``gdpr_register``): the account deletion request behind it loses
  its e-mail, reason, note and links the same way; it is exported with the entry when the DPO asks.
"""

from __future__ import annotations

from grc.history import save_tracked
from grc.retention_registry import RetentionExtension, history_model, serialise

from .models import AccountDeletionRequest, CitizenProfile, OidcIdentity

CLOSED_ACCOUNT_DOMAIN = "@anonymise.invalid"


def _close_accounts(ids, *, actor, reason, counts, forget):
    for model in (CitizenProfile, OidcIdentity):
        model.objects.filter(user_id__in=ids).delete()
        history_model(model).objects.filter(user_id__in=ids).delete()
    for user_id in ids:
        email = f"compte-ferme-{user_id}{CLOSED_ACCOUNT_DOMAIN}"
        AccountDeletionRequest.objects.filter(user_id=user_id).update(email=email)
        history_model(AccountDeletionRequest).objects.filter(user_id=user_id).update(email=email)


def _export_deletions(ids) -> dict[int, dict]:
    deletions = AccountDeletionRequest.objects.filter(gdpr_request_id__in=ids)
    return {pk: {"suppression_de_compte": serialise(deletions.filter(gdpr_request_id=pk))} for pk in ids}


def _anonymise_deletions(ids, *, actor, reason, counts, forget):
    rows = list(AccountDeletionRequest.objects.filter(gdpr_request_id__in=ids))
    for row in rows:
        row.email = f"demande-anonymisee-{row.pk}{CLOSED_ACCOUNT_DOMAIN}"
        row.reason = ""
        row.handling_note = ""
        row.citizen = None
        row.user = None
        save_tracked(row, actor, reason)
    for row in rows:
        history_model(AccountDeletionRequest).objects.filter(id=row.pk).update(
            email=row.email, reason="", handling_note="", citizen_id=None, user_id=None
        )
    counts["account_deletions_anonymised"] += len(rows)


def _deletion_citizens(ids) -> list[int]:
    return list(AccountDeletionRequest.objects.filter(gdpr_request_id__in=ids).values_list("citizen_id", flat=True))


ACCOUNT_CLOSING = RetentionExtension(key="portal_account", name="portal_accounts", apply=_close_accounts)
REGISTER_DELETIONS = RetentionExtension(
    key="gdpr_register",
    name="portal_accounts",
    apply=_anonymise_deletions,
    export=_export_deletions,
    export_citizen_ids=_deletion_citizens,
)
